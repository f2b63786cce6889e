using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Infrastructure;

internal sealed class DesignTimeNotificationDbContextFactory : DesignTimeFactory<NotificationDbContext>;
