using MassTransit;
using Microsoft.AspNetCore.DataProtection;
using Platform.Contracts;
using Platform.Notification.Consumers;
using Platform.Notification.Model;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Infrastructure;

internal static class Extensions
{
    public static void AddApplicationServices(this WebApplicationBuilder builder, NodeOptions node)
    {
        builder.Services.AddSingleton<DeliverySignal>();
        builder.Services.AddSingleton<CommitSignalInterceptor, DeliverySignalInterceptor>();
        builder.AddServiceDatabase<NotificationDbContext>();
        builder.AddOutboxGauges<NotificationDbContext>();
        builder.AddServiceBus("notification", node, bus =>
        {
            bus.AddConsumer<RecordPublishedNotificationConsumer, IdempotentBatchConsumerDefinition<RecordPublishedNotificationConsumer>>();
            bus.AddConsumer<RecordUpdatedNotificationConsumer, IdempotentBatchConsumerDefinition<RecordUpdatedNotificationConsumer>>();
            bus.AddConsumer<RecordWithdrawnNotificationConsumer, IdempotentBatchConsumerDefinition<RecordWithdrawnNotificationConsumer>>();
            bus.AddRecordEventBatchConsumer<RecordPublishedNotificationConsumer, RecordUpdatedNotificationConsumer, RecordWithdrawnNotificationConsumer>();
            bus.AddConsumer<SharingNoticeConsumer, RoutedConsumerDefinition<SharingNoticeConsumer, SharingNotice>>();
        });

        var keyRingCertificate = KeyRingCertificate.LoadOrCreate(Path.GetFullPath(
            builder.Configuration[KeyRingCertificate.Setting] is { Length: > 0 } path
                ? path
                : throw new InvalidOperationException($"{KeyRingCertificate.Setting} is not set: the Data Protection keys that encrypt webhook secrets are themselves encrypted with a certificate kept in that file (mode 600), outside the database (see docs/SECURITY.md)."),
            builder.Environment.ContentRootPath));
        builder.Services.AddDataProtection()
            .SetApplicationName($"{node.Id}.notification")
            .PersistKeysToDbContext<NotificationDbContext>()
            .ProtectKeysWithCertificate(keyRingCertificate)
            .UnprotectKeysWithAnyCertificate(keyRingCertificate);
        builder.Services.AddSingleton<SecretProtector>();
        // After the migrator (hosted services start in order), before anything protects a new secret.
        builder.Services.AddHostedService<KeyRingUpgrade>();

        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section));
        builder.Services.AddSingleton<WebhookTargetGuard>();
        builder.Services.AddOptions<SmtpOptions>().Bind(builder.Configuration.GetSection(SmtpOptions.Section));
        builder.Services.AddSingleton<EmailSender>();
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(services => services.GetRequiredService<WebhookTargetGuard>().CreateHandler());
        builder.Services.AddHostedService<WebhookDispatcher>();

        builder.Services.AddOptions<InboxOptions>().Bind(builder.Configuration.GetSection(InboxOptions.Section));
        builder.Services.AddSingleton<InboxStreamLimit>();
        builder.Services.AddSingleton<InboxSignal>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InboxSignal>());
    }
}
