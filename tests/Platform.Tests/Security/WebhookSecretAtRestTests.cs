using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
        var stored = await ReadSecretAsync(answer.GetProperty("id").GetGuid());
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
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(CertificateFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var certificate = KeyRingCertificate.LoadOrCreate(CertificateFile);
        using var withFile = Protector(certificate);
        withFile.Protector.Unprotect(stored).ShouldBe(secret);
    }

    [Fact]
    public async Task Keys_an_earlier_version_stored_unencrypted_are_replaced_at_start_up_and_their_secrets_protected_again()
    {
        using var http = await Node.HttpAsync();
        using var created = await http.PostJsonAsync("api/notify/subscriptions",
            new { channel = "webhook", eventTypes = new[] { "record.published" }, url = "http://127.0.0.1:9/legacy" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var answer = await created.ReadJsonAsync();
        var (id, secret) = (answer.GetProperty("id").GetGuid(), answer.GetProperty("secret").GetString()!);

        // What an earlier version left behind: a key stored as plain XML, and the secret protected with it.
        string legacy;
        using (var earlier = Protector(certificate: null))
        {
            earlier.Services.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
            legacy = earlier.Protector.Protect(secret);
        }
        await ExecuteAsync("UPDATE subscriptions SET secret = $1 WHERE id = $2", legacy, id);
        (await Node.CountAsync("notification", "SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%<value>%'")).ShouldBe(1);

        await Node.KillAsync("notification");
        Node.Start("notification");
        await Node.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));

        (await Node.CountAsync("notification", "SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%<value>%'")).ShouldBe(0);
        var stored = await ReadSecretAsync(id);
        stored.ShouldNotBe(legacy);
        using (var databaseOnly = Protector(certificate: null))
        {
            Should.Throw<CryptographicException>(() => databaseOnly.Protector.Unprotect(stored));
        }
        using var certificate = KeyRingCertificate.LoadOrCreate(CertificateFile);
        using var withFile = Protector(certificate);
        withFile.Protector.Unprotect(stored).ShouldBe(secret);
    }

    private string CertificateFile => Path.Combine(AppContext.BaseDirectory, "node-logs", Node.RunId, $"{Node.Id}-key-ring-certificate.pem");

    private async Task<string> ReadSecretAsync(Guid subscription)
    {
        await using var copy = new NpgsqlConnection(Node.DatabaseConnectionString("notification"));
        await copy.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT secret FROM subscriptions WHERE id = $1", copy) { Parameters = { new() { Value = subscription } } };
        return (string)(await read.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(Node.DatabaseConnectionString("notification"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
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
