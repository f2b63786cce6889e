using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>This node's catalogue asks what it may announce of a run of its records (see <see cref="CatalogueViewPolicy"/>); one read of the rules per run.</summary>
public sealed class GetCatalogueViewsConsumer(SharingDbContext db) : IConsumer<GetCatalogueViews>
{
    public async Task Consume(ConsumeContext<GetCatalogueViews> context)
    {
        var rules = await db.Rules.AsNoTracking().ToListAsync(context.CancellationToken);
        await context.RespondAsync(new CatalogueViews([.. context.Message.Records.Select(record => CatalogueViewPolicy.Decide(record, rules))]));
    }
}

/// <summary>Sent to this node's queue by address only: no binding to the message type's exchange.</summary>
public sealed class GetCatalogueViewsConsumerDefinition : ConsumerDefinition<GetCatalogueViewsConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GetCatalogueViewsConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConfigureConsumeTopology = false;
}
