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
            // The federated view follows other departments' announcements only: no queue for this node's own record events.
            bus.AddScoped<PeerRecordPublishedConsumer>();
            bus.AddScoped<PeerRecordUpdatedConsumer>();
            bus.AddScoped<PeerRecordWithdrawnConsumer>();
            bus.AddRecordEventBatchConsumer<PeerRecordPublishedConsumer, PeerRecordUpdatedConsumer, PeerRecordWithdrawnConsumer>(ownEvents: false);
            bus.AddConsumer<SharingRuleChangedConsumer, RoutedConsumerDefinition<SharingRuleChangedConsumer, SharingRuleChanged>>();
            bus.AddConsumer<GetReannouncementProgressConsumer, GetReannouncementProgressConsumerDefinition>();
            // The node's own sharing service decides what is announced, by its endpoint exchange: never broadcast.
            bus.AddRequestClient<GetCatalogueViews>(new Uri($"exchange:{node.Id}.sharing.get-catalogue-views"), RequestTimeout.After(s: 30));
            bus.AddConsumer<GetRecordContentConsumer, GetRecordContentConsumerDefinition>();
            bus.AddConsumer<GetRecordAttachmentsConsumer, GetRecordAttachmentsConsumerDefinition>();
            // The node's own sharing service decides on attachment fetches under a grant, by its endpoint exchange: never broadcast.
            bus.AddRequestClient<AuthorizeGrantedAttachment>(new Uri($"exchange:{node.Id}.sharing.authorize-granted-attachment"), RequestTimeout.After(s: 15));
        });
        builder.Services.AddOptions<RecordRules>().Bind(builder.Configuration.GetSection(RecordRules.Section));
        builder.Services.AddOptions<IngestionOptions>().Bind(builder.Configuration.GetSection(IngestionOptions.Section));
        builder.Services.AddOptions<AttachmentOptions>().Bind(builder.Configuration.GetSection(AttachmentOptions.Section));
        builder.Services.AddVerificationRateLimit();
        builder.Services.AddSingleton<AttachmentStore>();
        builder.Services.AddSingleton<RecordValidator>();
        builder.Services.AddSingleton<CommonLexemes>();
        builder.Services.AddSingleton<SearchStatistics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SearchStatistics>());
        builder.Services.AddScoped<RecordIngestion>();
        builder.Services.AddOptions<AnnouncementOptions>().Bind(builder.Configuration.GetSection(AnnouncementOptions.Section));
        builder.Services.AddSingleton<AnnouncementSignal>();
        builder.Services.AddOptions<SecrecyReviewOptions>().Bind(builder.Configuration.GetSection(SecrecyReviewOptions.Section));
        builder.Services.AddHostedService<RecordAnnouncer>();
        builder.Services.AddHostedService<SearchTokenBackfill>();
    }
}
