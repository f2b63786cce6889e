using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;
using Platform.Contracts;

namespace Platform.Catalogue.Consumers;

/// <summary>Answers the node's own sharing service with a record's attachments, listed in content delivered under a grant. Read-only.</summary>
public sealed class GetRecordAttachmentsConsumer(CatalogueDbContext db) : IConsumer<GetRecordAttachments>
{
    public async Task Consume(ConsumeContext<GetRecordAttachments> context)
    {
        var attachments = await db.Attachments.AsNoTracking().Where(a => a.RecordId == context.Message.RecordId).OrderBy(a => a.CreatedAt)
            .Select(a => new RecordAttachment(a.Sha256, a.FileName, a.ContentType, a.Size)).ToListAsync(context.CancellationToken);
        await context.RespondAsync(new RecordAttachments(context.Message.RecordId, attachments));
    }
}

/// <summary>Sent to this node's queue by address only: no binding to the message type's (broadcast) exchange.</summary>
public sealed class GetRecordAttachmentsConsumerDefinition : ConsumerDefinition<GetRecordAttachmentsConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GetRecordAttachmentsConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConfigureConsumeTopology = false;
}
