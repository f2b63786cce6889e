using MassTransit;
using Platform.Audit.Consumers;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Infrastructure;

internal static class Extensions
{
    public static void AddApplicationServices(this WebApplicationBuilder builder, NodeOptions node)
    {
        var signingKeyPath = builder.Configuration[SigningKeyFile.Setting];
        builder.AddServiceDatabase<AuditDbContext>((db, services, cancellationToken) => signingKeyPath is { Length: > 0 }
            ? SigningKeyFile.MoveOutOfDatabaseAsync(db, Path.GetFullPath(signingKeyPath, builder.Environment.ContentRootPath),
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SigningKeyFile)), cancellationToken)
            : Task.CompletedTask);
        builder.AddOutboxGauges<AuditDbContext>();
        builder.AddServiceBus("audit", node, bus =>
        {
            bus.AddConsumer<RecordPublishedAuditConsumer, IdempotentBatchConsumerDefinition<RecordPublishedAuditConsumer>>();
            bus.AddConsumer<RecordUpdatedAuditConsumer, IdempotentBatchConsumerDefinition<RecordUpdatedAuditConsumer>>();
            bus.AddConsumer<RecordWithdrawnAuditConsumer, IdempotentBatchConsumerDefinition<RecordWithdrawnAuditConsumer>>();
            bus.AddRecordEventBatchConsumer<RecordPublishedAuditConsumer, RecordUpdatedAuditConsumer, RecordWithdrawnAuditConsumer>();
            bus.AddConsumer<ApiCallAuditConsumer>(typeof(ApiCallAuditConsumerDefinition));
            bus.AddConsumer<GatewayDenialsAuditConsumer>();
            bus.AddConsumer<AuditCheckpointConsumer>();
            bus.AddConsumer<WitnessCopiesRequestedConsumer>();
            bus.AddConsumer<WitnessCopiesProvidedConsumer>();
            bus.AddConsumer<AccessRequestTrackedConsumer>();
            bus.AddConsumer<MessageRejectedAuditConsumer>();
            bus.AddConsumer<SecrecyReviewAuditConsumer>();
            bus.AddConsumer<ContentDeliveredAuditConsumer, RoutedConsumerDefinition<ContentDeliveredAuditConsumer, ContentDelivered>>();
            bus.AddConsumer<ContentDeniedAuditConsumer, RoutedConsumerDefinition<ContentDeniedAuditConsumer, ContentDenied>>();
        });
        builder.Services.AddOptions<AuditOptions>().Bind(builder.Configuration.GetSection(AuditOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<TrafficStatistics>();
        builder.Services.AddScoped<SharingKpiFacts>();
        builder.Services.AddScoped<SharingKpis>();
        builder.Services.AddSingleton<NodeSigner>();
        builder.Services.AddOptions<CheckpointOptions>().Bind(builder.Configuration.GetSection(CheckpointOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WitnessCollector>();
        builder.Services.AddScoped<WitnessCheck>();
        builder.Services.AddSingleton<CheckpointWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CheckpointWriter>());
        builder.Services.AddHostedService<AuditGauges>();
    }
}
