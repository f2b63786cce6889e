using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults.Trust;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class GrantTokensTests : IDisposable
{
    private static readonly TimeSpan ProofLifetime = TimeSpan.FromSeconds(60);
    private readonly ECDsa _authority = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _keys = Directory.CreateTempSubdirectory("grant-tokens-").FullName;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public void Dispose()
    {
        Directory.Delete(_keys, recursive: true);
        _authority.Dispose();
    }

    [Fact]
    public async Task A_grant_signed_by_this_node_validates()
    {
        var (ownerKey, ownerEntry) = NodeKey("dept-a", "a-1", _now.AddDays(-1), _now.AddDays(30));
        var owner = Tokens(ownerKey, DirectoryOf(Entry("dept-a", ownerEntry)));
        var grant = NewGrant();

        var (valid, token) = await owner.ValidateGrantAsync(owner.SignGrant(grant), "dept-a");

        valid.ShouldBeTrue();
        token!.Id.ShouldBe(grant.Id.ToString());
    }

    [Fact]
    public async Task A_grant_signed_by_another_key_under_this_nodes_key_id_does_not_validate()
    {
        var (ownerKey, ownerEntry) = NodeKey("dept-a", "a-1", _now.AddDays(-1), _now.AddDays(30));
        var directory = DirectoryOf(Entry("dept-a", ownerEntry));
        var (forgerKey, _) = NodeKey("forger", "a-1", _now.AddDays(-1), _now.AddDays(30));

        var forged = Tokens(forgerKey, directory).SignGrant(NewGrant());

        (await Tokens(ownerKey, directory).ValidateGrantAsync(forged, "dept-a")).Valid.ShouldBeFalse();
    }

    [Fact]
    public async Task A_grant_signed_by_a_rotated_out_key_still_validates_during_the_overlap()
    {
        var (oldKey, oldEntry) = NodeKey("dept-a-old", "a-1", _now.AddDays(-30), _now.AddDays(1));
        var (newKey, newEntry) = NodeKey("dept-a-new", "a-2", _now.AddDays(-1), _now.AddDays(30));
        var directory = DirectoryOf(Entry("dept-a", oldEntry, newEntry));

        var issuedBeforeRotation = Tokens(oldKey, directory).SignGrant(NewGrant());

        (await Tokens(newKey, directory).ValidateGrantAsync(issuedBeforeRotation, "dept-a")).Valid.ShouldBeTrue();
    }

    [Fact]
    public async Task A_proof_from_the_key_the_directory_lists_for_the_requester_is_accepted()
    {
        var (ownerKey, ownerEntry) = NodeKey("dept-a", "a-1", _now.AddDays(-1), _now.AddDays(30));
        var (requesterKey, requesterEntry) = NodeKey("dept-b", "b-1", _now.AddDays(-1), _now.AddDays(30));
        var directory = DirectoryOf(Entry("dept-a", ownerEntry), Entry("dept-b", requesterEntry));
        var grantId = Guid.NewGuid();

        var proof = Tokens(requesterKey, directory).SignProof("dept-b", "dept-a", grantId, ProofLifetime);
        var (valid, token) = await Tokens(ownerKey, directory).ValidateProofAsync(proof, "dept-b", "dept-a", ProofLifetime);

        valid.ShouldBeTrue();
        token!.GetPayloadValue<string>("grant").ShouldBe(grantId.ToString());
        token.Id.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_proof_signed_with_a_key_other_than_the_directory_lists_for_the_department_is_refused()
    {
        var (ownerKey, ownerEntry) = NodeKey("dept-a", "a-1", _now.AddDays(-1), _now.AddDays(30));
        var (_, requesterEntry) = NodeKey("dept-b", "b-1", _now.AddDays(-1), _now.AddDays(30));
        var directory = DirectoryOf(Entry("dept-a", ownerEntry), Entry("dept-b", requesterEntry));
        // dept-c's node claims to be dept-b, under dept-b's key id.
        var (impostorKey, _) = NodeKey("dept-c", "b-1", _now.AddDays(-1), _now.AddDays(30));

        var proof = Tokens(impostorKey, directory).SignProof("dept-b", "dept-a", Guid.NewGuid(), ProofLifetime);

        (await Tokens(ownerKey, directory).ValidateProofAsync(proof, "dept-b", "dept-a", ProofLifetime)).Valid.ShouldBeFalse();
    }

    [Fact]
    public async Task A_proof_signed_with_an_expired_rotated_out_key_is_refused()
    {
        var (ownerKey, ownerEntry) = NodeKey("dept-a", "a-1", _now.AddDays(-1), _now.AddDays(30));
        var (oldKey, oldEntry) = NodeKey("dept-b-old", "b-1", _now.AddDays(-60), _now.AddDays(-1));
        var (newKey, newEntry) = NodeKey("dept-b-new", "b-2", _now.AddDays(-2), _now.AddDays(30));
        var directory = DirectoryOf(Entry("dept-a", ownerEntry), Entry("dept-b", oldEntry, newEntry));
        var owner = Tokens(ownerKey, directory);
        var grantId = Guid.NewGuid();

        var stale = Tokens(oldKey, directory).SignProof("dept-b", "dept-a", grantId, ProofLifetime);
        var current = Tokens(newKey, directory).SignProof("dept-b", "dept-a", grantId, ProofLifetime);

        (await owner.ValidateProofAsync(stale, "dept-b", "dept-a", ProofLifetime)).Valid.ShouldBeFalse();
        (await owner.ValidateProofAsync(current, "dept-b", "dept-a", ProofLifetime)).Valid.ShouldBeTrue();
    }

    private static GrantTokens Tokens(NodeSigningKey key, NodeDirectory directory) => new(key, directory, TimeProvider.System);

    /// <summary>A node key as `platform authority enrol` makes one: the private half in a PEM file, the public half for the entry.</summary>
    private (NodeSigningKey Key, NodeKeyEntry Entry) NodeKey(string name, string keyId, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = Path.Combine(_keys, $"{name}-{keyId}.pem");
        File.WriteAllText(file, ecdsa.ExportPkcs8PrivateKeyPem());
        var key = new NodeSigningKey(Options.Create(new TrustOptions { NodeKeyFile = file, NodeKeyId = keyId }));
        return (key, new NodeKeyEntry(keyId, "ES256", Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo()), notBefore, notAfter));
    }

    private DirectoryEntry Entry(string department, params NodeKeyEntry[] keys) =>
        new(department, $"{department} (test)", $"https://{department}.example/", keys, _now.AddHours(-1));

    /// <summary>A directory that trusts only this test's authority, holding entries the authority signed.</summary>
    private NodeDirectory DirectoryOf(params DirectoryEntry[] entries)
    {
        var directory = new NodeDirectory(_authority, NullLogger<NodeDirectory>.Instance);
        foreach (var entry in entries)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, JsonSerializerOptions.Web);
            var signature = _authority.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            directory.TryAccept(new SignedDirectoryEntry(Convert.ToBase64String(bytes), Convert.ToBase64String(signature)), out _, out var refusal)
                .ShouldBeTrue(refusal);
        }
        return directory;
    }

    private Grant NewGrant() => new()
    {
        Id = Guid.NewGuid(),
        Direction = Grant.Issued,
        RequestId = Guid.NewGuid(),
        OwnerDepartment = "dept-a",
        RequesterDepartment = "dept-b",
        RecordId = Guid.NewGuid(),
        Fields = ["title"],
        IssuedAt = _now,
        ExpiresAt = _now.AddDays(30),
        Token = "",
    };
}
