using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Platform.Notification.Model;

namespace Platform.Notification.Infrastructure;

/// <summary>
/// Once, at start-up after the migrations: if the key ring still holds keys an earlier version stored unencrypted,
/// protects every webhook secret again with a new (encrypted) key and deletes the unencrypted ones, so a copy of the
/// database no longer decrypts any secret.
/// </summary>
public sealed partial class KeyRingUpgrade(IServiceScopeFactory scopes, IKeyManager keys, SecretProtector secrets, TimeProvider clock,
    ILogger<KeyRingUpgrade> logger) : IHostedService
{
    // An unencrypted key shows its master key as <value>; an encrypted one holds only EncryptedData.
    private const string UnencryptedMarker = "<value>";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationDbContext>();
        var unencrypted = await db.DataProtectionKeys.Where(k => k.Xml != null && k.Xml.Contains(UnencryptedMarker)).ToListAsync(cancellationToken);
        if (unencrypted.Count == 0) return;

        // The newest key becomes the default one, so every Protect below uses it.
        var now = clock.GetUtcNow();
        keys.CreateNewKey(now, now.AddDays(90));
        var subscriptions = await db.Subscriptions.Where(s => s.Secret != null).ToListAsync(cancellationToken);
        foreach (var subscription in subscriptions)
        {
            try
            {
                subscription.Secret = secrets.Protect(secrets.Unprotect(subscription.Secret!));
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                // Unreadable before the upgrade too (its key is gone): nothing to protect again, and it stays as it was.
                LogUnreadable(logger, subscription.Id, ex.Message);
            }
        }
        db.DataProtectionKeys.RemoveRange(unencrypted);
        await db.SaveChangesAsync(cancellationToken);
        LogUpgraded(logger, subscriptions.Count, unencrypted.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook secret of subscription {Subscription} cannot be decrypted ({Reason}); give it a new one")]
    private static partial void LogUnreadable(ILogger logger, Guid subscription, string reason);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Protected {Secrets} webhook secret(s) again with an encrypted key and deleted {Keys} unencrypted Data Protection key(s)")]
    private static partial void LogUpgraded(ILogger logger, int secrets, int keys);
}
