using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Consumers;

/// <summary>
/// Answers the node's own sharing service with a record's current content, for delivery under a grant.
/// Read-only, so redeliveries are harmless.
/// </summary>
public sealed class GetRecordContentConsumer(CatalogueDbContext db) : IConsumer<GetRecordContent>
{
    public async Task Consume(ConsumeContext<GetRecordContent> context)
    {
        var record = await db.Records.AsNoTracking()
            .SingleOrDefaultAsync(r => r.Id == context.Message.RecordId, context.CancellationToken);
        await context.RespondAsync(record is null || record.Status != RecordStatus.Active
            ? new RecordContent(context.Message.RecordId, false, null, 0, null, null)
            : new RecordContent(record.Id, true, record.Department, record.Version, record.ToMetadata(), record.UpdatedAt));
    }
}

/// <summary>Sent to this node's queue by address only: no binding to the message type's (broadcast) exchange.</summary>
public sealed class GetRecordContentConsumerDefinition : ConsumerDefinition<GetRecordContentConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GetRecordContentConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConfigureConsumeTopology = false;
}
