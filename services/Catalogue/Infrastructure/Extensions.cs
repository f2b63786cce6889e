using MassTransit;
using Platform.Catalogue.Consumers;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Catalogue.Infrastructure;

internal static class Extensions
{
    /// <summary>The catalogue's own wiring: its database, its consumers, its validation rules.</summary>
    public static void AddApplicationServices(this WebApplicationBuilder builder, NodeOptions node)
    {
        builder.AddServiceDatabase<CatalogueDbContext>();
        builder.AddOutboxGauges<CatalogueDbContext>();
        builder.AddServiceBus("catalogue", node, bus =>
        {
            bus.AddConsumer<PeerRecordPublishedConsumer, IdempotentBatchConsumerDefinition<PeerRecordPublishedConsumer>>();
            bus.AddConsumer<PeerRecordUpdatedConsumer, IdempotentBatchConsumerDefinition<PeerRecordUpdatedConsumer>>();
            bus.AddConsumer<PeerRecordWithdrawnConsumer, IdempotentBatchConsumerDefinition<PeerRecordWithdrawnConsumer>>();
            bus.AddRecordEventBatchConsumer<PeerRecordPublishedConsumer, PeerRecordUpdatedConsumer, PeerRecordWithdrawnConsumer>();
            bus.AddConsumer<GetRecordContentConsumer, GetRecordContentConsumerDefinition>();
            bus.AddConsumer<GetRecordAttachmentsConsumer, GetRecordAttachmentsConsumerDefinition>();
            // The node's own sharing service decides on attachment fetches under a grant, by its endpoint exchange: never broadcast.
            bus.AddRequestClient<AuthorizeGrantedAttachment>(new Uri($"exchange:{node.Id}.sharing.authorize-granted-attachment"), RequestTimeout.After(s: 15));
        });
        builder.Services.AddOptions<RecordRules>().Bind(builder.Configuration.GetSection(RecordRules.Section));
        builder.Services.AddOptions<IngestionOptions>().Bind(builder.Configuration.GetSection(IngestionOptions.Section));
        builder.Services.AddOptions<AttachmentOptions>().Bind(builder.Configuration.GetSection(AttachmentOptions.Section));
        builder.Services.AddSingleton<AttachmentStore>();
        builder.Services.AddSingleton<RecordValidator>();
        builder.Services.AddSingleton<CommonLexemes>();
        builder.Services.AddSingleton<SearchStatistics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SearchStatistics>());
        builder.Services.AddScoped<RecordIngestion>();
        builder.Services.AddHostedService<SearchTokenBackfill>();
    }
}
