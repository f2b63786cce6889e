using Microsoft.EntityFrameworkCore;
using Platform.Notification.Infrastructure;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Model;

/// <summary>Wakes the <see cref="WebhookDispatcher"/> when deliveries have committed, so it need not poll often.</summary>
public sealed class DeliverySignal : WakeSignal;

/// <summary>Wakes the dispatcher once a save that added deliveries is visible (after its commit when it ran in a transaction).</summary>
internal sealed class DeliverySignalInterceptor(DeliverySignal signal) : CommitSignalInterceptor
{
    protected override void NotifyIfNew(DbContext? context)
    {
        if (context is NotificationDbContext { HasNewDeliveries: true } notification)
        {
            notification.HasNewDeliveries = false;
            signal.Notify();
        }
    }
}
