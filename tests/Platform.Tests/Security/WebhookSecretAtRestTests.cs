using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Security;

/// <summary>The Data Protection key ring is stored encrypted with a certificate kept in a file, never in the database.</summary>
[Collection(LeastPrivilegeCollection.Name)]
public sealed class WebhookSecretAtRestTests(LeastPrivilegeNode fixture)
{
    private PlatformNode Node => fixture.Node;

    [Fact]
    public async Task A_copy_of_the_database_without_the_certificate_file_cannot_decrypt_a_webhook_secret()
    {
        using var http = await Node.HttpAsync();
        using var created = await http.PostJsonAsync("api/notify/subscriptions",
            new { channel = "webhook", eventTypes = new[] { "record.published" }, url = "http://127.0.0.1:9/hook" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var answer = await created.ReadJsonAsync();
        var secret = answer.GetProperty("secret").GetString()!;

        await using var copy = new NpgsqlConnection(Node.DatabaseConnectionString("notification"));
        await copy.OpenAsync();
        string stored;
        await using (var read = new NpgsqlCommand("SELECT secret FROM subscriptions WHERE id = $1", copy) { Parameters = { new() { Value = answer.GetProperty("id").GetGuid() } } })
        {
            stored = (string)(await read.ExecuteScalarAsync())!;
        }
        stored.ShouldNotContain(secret[6..]);
        var keyRing = new List<string>();
        await using (var read = new NpgsqlCommand("SELECT xml FROM data_protection_keys", copy))
        await using (var rows = await read.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync()) keyRing.Add(rows.GetString(0));
        }
        keyRing.ShouldNotBeEmpty();
        // An unencrypted key shows its master key as <value>base64</value>; an encrypted one only EncryptedData.
        keyRing.ShouldAllBe(xml => xml.Contains("<EncryptedData", StringComparison.Ordinal) && !xml.Contains("<value>", StringComparison.Ordinal));

        using (var databaseOnly = Protector(certificate: null))
        {
            Should.Throw<CryptographicException>(() => databaseOnly.Protector.Unprotect(stored));
        }
        var certificateFile = Path.Combine(AppContext.BaseDirectory, "node-logs", Node.RunId, $"{Node.Id}-key-ring-certificate.pem");
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(certificateFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var certificate = KeyRingCertificate.LoadOrCreate(certificateFile);
        using var withFile = Protector(certificate);
        withFile.Protector.Unprotect(stored).ShouldBe(secret);
    }

    /// <summary>The service's Data Protection over a copy of its database, with or without the key ring's certificate.</summary>
    private KeyRingReader Protector(X509Certificate2? certificate)
    {
        var services = new ServiceCollection();
        services.AddDbContext<NotificationDbContext>(options => options
            .UseNpgsql(Node.DatabaseConnectionString("notification")).UseSnakeCaseNamingConvention());
        // No key of its own: a reader that cannot decrypt the ring must not add an unencrypted key to it.
        var dataProtection = services.AddDataProtection().SetApplicationName($"{Node.Id}.notification")
            .PersistKeysToDbContext<NotificationDbContext>().DisableAutomaticKeyGeneration();
        if (certificate is not null) dataProtection.UnprotectKeysWithAnyCertificate(certificate);
        var provider = services.BuildServiceProvider();
        return new KeyRingReader(provider, new SecretProtector(provider.GetRequiredService<IDataProtectionProvider>()));
    }

    private sealed record KeyRingReader(ServiceProvider Services, SecretProtector Protector) : IDisposable
    {
        public void Dispose() => Services.Dispose();
    }
}
