using Microsoft.AspNetCore.DataProtection;

namespace Platform.Notification.Model;

/// <summary>
/// Encrypts webhook signing secrets at rest with ASP.NET Core Data Protection (keys kept in the service's own
/// database, so every replica can read them, themselves encrypted with the certificate of <see cref="Infrastructure.KeyRingCertificate"/>),
/// so a copy of the database alone does not let anyone forge deliveries.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private const string Prefix = "dp1:";
    private readonly IDataProtector _protector = provider.CreateProtector("Platform.Notification.WebhookSecret.v1");

    public string Protect(string secret) => Prefix + _protector.Protect(secret);

    public string Unprotect(string stored) =>
        stored.StartsWith(Prefix, StringComparison.Ordinal) ? _protector.Unprotect(stored[Prefix.Length..]) : stored;
}
