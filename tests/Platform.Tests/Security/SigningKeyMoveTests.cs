using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Security;

/// <summary>A checkpoint signing key that an earlier version kept in the audit database moves to the key file, once.</summary>
public sealed class SigningKeyMoveTests(TestInfrastructure infrastructure)
{
    private const string LastMigrationWithKeyTable = "20261128145906_TrafficAndSharingKpis";

    [Fact]
    public async Task A_key_left_in_the_database_moves_into_the_key_file_and_its_table_is_dropped()
    {
        await using var database = await ThrowawayDatabase.CreateAsync(infrastructure, "key_move");
        using var old = await DatabaseWithKeyAsync(database);
        await using var db = Context(database);

        // Migrating without moving it refuses: peers pinned that key.
        (await Should.ThrowAsync<PostgresException>(() => db.Database.MigrateAsync())).MessageText.ShouldContain("Audit:SigningKeyPath");

        var path = Path.Combine(Path.GetTempPath(), $"audit-key-{Guid.NewGuid():N}", "signing-key.pem");
        await SigningKeyFile.MoveOutOfDatabaseAsync(db, path, NullLogger.Instance, CancellationToken.None);
        await db.Database.MigrateAsync();

        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var moved = SigningKeyFile.LoadOrCreate(path);
        moved.ExportSubjectPublicKeyInfoPem().ShouldBe(old.ExportSubjectPublicKeyInfoPem());
        (await database.ScalarAsync<bool>("SELECT to_regclass('node_signing_keys') IS NULL")).ShouldBeTrue();
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public async Task A_different_key_already_in_the_file_stops_the_move_and_names_both_keys()
    {
        await using var database = await ThrowawayDatabase.CreateAsync(infrastructure, "key_clash");
        using var old = await DatabaseWithKeyAsync(database);
        await using var db = Context(database);
        var path = Path.Combine(Path.GetTempPath(), $"audit-key-{Guid.NewGuid():N}", "signing-key.pem");
        using var other = SigningKeyFile.LoadOrCreate(path);

        var refused = await Should.ThrowAsync<InvalidOperationException>(
            () => SigningKeyFile.MoveOutOfDatabaseAsync(db, path, NullLogger.Instance, CancellationToken.None));
        refused.Message.ShouldContain(NodeSigner.KeyIdOf(old.ExportSubjectPublicKeyInfoPem()));
        refused.Message.ShouldContain(NodeSigner.KeyIdOf(other.ExportSubjectPublicKeyInfoPem()));
        (await database.ScalarAsync<long>("SELECT count(*) FROM node_signing_keys")).ShouldBe(1);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    private static AuditDbContext Context(ThrowawayDatabase database) => new(new DbContextOptionsBuilder<AuditDbContext>()
        .UseNpgsql(database.ConnectionString).UseSnakeCaseNamingConvention().Options);

    /// <summary>The audit database as the version before this one left it: its key in <c>node_signing_keys</c>.</summary>
    private static async Task<ECDsa> DatabaseWithKeyAsync(ThrowawayDatabase database)
    {
        await using (var db = Context(database))
        {
            await db.GetService<IMigrator>().MigrateAsync(LastMigrationWithKeyTable);
        }
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await database.ExecuteAsync($"""
            INSERT INTO node_signing_keys (id, key_id, private_key_pem, public_key_pem, created_at)
            VALUES (1, '{NodeSigner.KeyIdOf(key.ExportSubjectPublicKeyInfoPem())}', '{key.ExportPkcs8PrivateKeyPem()}', '{key.ExportSubjectPublicKeyInfoPem()}', now())
            """);
        return key;
    }
}
