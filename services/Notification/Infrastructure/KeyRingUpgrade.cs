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
public sealed partial class KeyRingUpgrade(IServiceScopeFactory scopes, IKeyManager keys, IDataProtectionProvider protection,
    SecretProtector secrets, TimeProvider clock, ILogger<KeyRingUpgrade> logger) : IHostedService
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
        await UntilDefaultAsync(keys.CreateNewKey(now, now.AddDays(90)).KeyId, cancellationToken);
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

    /// <summary>
    /// Waits until protecting uses <paramref name="keyId"/>: the key ring read at start-up is refreshed in the background,
    /// and until then an unencrypted key about to be deleted could still be the default.
    /// </summary>
    private async Task UntilDefaultAsync(Guid keyId, CancellationToken cancellationToken)
    {
        var probe = protection.CreateProtector("Platform.Notification.KeyRingUpgrade");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        // A protected payload starts with a 4-byte magic header and the id of the key that protected it.
        while (new Guid(probe.Protect([0]).AsSpan(4, 16)) != keyId)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Protected {Secrets} webhook secret(s) again with an encrypted key and deleted {Keys} unencrypted Data Protection key(s)")]
    private static partial void LogUpgraded(ILogger logger, int secrets, int keys);
}
