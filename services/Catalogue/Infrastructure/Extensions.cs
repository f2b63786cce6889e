using MassTransit;
using Platform.Catalogue.Consumers;
using Platform.Catalogue.Model;
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
            bus.AddConsumer<GetRecordContentConsumer, GetRecordContentConsumerDefinition>();
        });
        builder.Services.AddOptions<RecordRules>().Bind(builder.Configuration.GetSection(RecordRules.Section));
        builder.Services.AddOptions<IngestionOptions>().Bind(builder.Configuration.GetSection(IngestionOptions.Section));
        builder.Services.AddOptions<AttachmentOptions>().Bind(builder.Configuration.GetSection(AttachmentOptions.Section));
        builder.Services.AddSingleton<AttachmentStore>();
        builder.Services.AddSingleton<RecordValidator>();
        builder.Services.AddScoped<RecordIngestion>();
        builder.Services.AddHostedService<SearchTokenBackfill>();
    }
}
