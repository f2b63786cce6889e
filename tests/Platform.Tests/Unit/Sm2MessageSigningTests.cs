using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Authority;
using Platform.Contracts;
using Platform.ServiceDefaults.Trust;
using Shouldly;

namespace Platform.Tests.Unit;

/// <summary>A node enrolled with an SM2 message key signs messages with SM2/SM3; receivers check them by the key's directory algorithm.</summary>
public sealed class Sm2MessageSigningTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sm2-messages-").FullName;
    private readonly AuthorityKeys _authority;

    public Sm2MessageSigningTests() => _authority = AuthorityKeys.LoadOrCreate(Path.Combine(_folder, "authority"));

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Enrolling_with_SM2_lists_an_SM2_message_key_beside_the_ES256_node_key()
    {
        var enrolment = Enrol("dept-c", NodeKeyAlgorithms.Sm2);

        enrolment.MessageKeyId.ShouldNotBeNull();
        enrolment.MessageKeyId.ShouldNotBe(enrolment.KeyId);
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(enrolment.MessageKeyFile!).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var keys = _authority.EntryOf("dept-c")!.Keys;
        keys.Single(k => k.KeyId == enrolment.KeyId).Algorithm.ShouldBe(NodeKeyAlgorithms.Es256);
        keys.Single(k => k.KeyId == enrolment.MessageKeyId).Algorithm.ShouldBe(NodeKeyAlgorithms.Sm2);
        MessageKey(enrolment).Algorithm.ShouldBe(NodeKeyAlgorithms.Sm2);
        Enrol("dept-a").MessageKeyId.ShouldBeNull();
    }

    [Fact]
    public void An_SM2_signature_by_the_message_key_verifies_with_the_directorys_SM2_entry()
    {
        var enrolment = Enrol("dept-c", NodeKeyAlgorithms.Sm2);
        var signer = MessageKey(enrolment);
        var data = "platform-message/1\nexample"u8.ToArray();

        var key = Receiver().MessageKey("dept-c", signer.KeyId, DateTimeOffset.UtcNow);

        key.ShouldNotBeNull();
        key.Algorithm.ShouldBe(NodeKeyAlgorithms.Sm2);
        key.Verify(data, signer.Sign(data)).ShouldBeTrue();
        key.Verify("platform-message/1\nchanged"u8, signer.Sign(data)).ShouldBeFalse();
    }

    [Fact]
    public void An_SM2_signature_by_another_SM2_key_does_not_verify()
    {
        var genuine = Enrol("dept-c", NodeKeyAlgorithms.Sm2);
        var other = EnrolElsewhere("dept-c");
        var data = "platform-message/1\nexample"u8.ToArray();

        var forged = MessageKey(other).Sign(data);

        Receiver().MessageKey("dept-c", genuine.MessageKeyId!, DateTimeOffset.UtcNow)!.Verify(data, forged).ShouldBeFalse();
    }

    [Fact]
    public void An_ES256_signature_does_not_verify_as_SM2_nor_an_SM2_signature_as_ES256()
    {
        var enrolment = Enrol("dept-c", NodeKeyAlgorithms.Sm2);
        var directory = Receiver();
        var data = "platform-message/1\nexample"u8.ToArray();
        using var nodeKey = ECDsa.Create();
        nodeKey.ImportFromPem(enrolment.NodeKeyPem);
        var es256Signature = nodeKey.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var sm2Signature = MessageKey(enrolment).Sign(data);

        var sm2 = directory.MessageKey("dept-c", enrolment.MessageKeyId!, DateTimeOffset.UtcNow)!;
        var es256 = directory.MessageKey("dept-c", enrolment.KeyId, DateTimeOffset.UtcNow)!;

        es256.Algorithm.ShouldBe(NodeKeyAlgorithms.Es256);
        es256.Verify(data, es256Signature).ShouldBeTrue();
        sm2.Verify(data, es256Signature).ShouldBeFalse();
        es256.Verify(data, sm2Signature).ShouldBeFalse();
    }

    [Fact]
    public void An_SM2_key_never_verifies_a_token_and_an_ES256_key_listed_as_SM2_is_no_key()
    {
        var enrolment = Enrol("dept-c", NodeKeyAlgorithms.Sm2);
        var directory = Receiver();
        var es256Key = _authority.EntryOf("dept-c")!.Keys.Single(k => k.KeyId == enrolment.KeyId);

        directory.VerificationKey("dept-c", enrolment.MessageKeyId!, DateTimeOffset.UtcNow).ShouldBeNull();
        directory.VerificationKey("dept-c", enrolment.KeyId, DateTimeOffset.UtcNow).ShouldNotBeNull();
        NodeVerificationKey.From(es256Key with { Algorithm = NodeKeyAlgorithms.Sm2 }).ShouldBeNull();
    }

    [Fact]
    public void The_signed_bytes_of_a_record_event_batch_signed_with_SM2_verify_after_the_trip()
    {
        var enrolment = Enrol("dept-c", NodeKeyAlgorithms.Sm2);
        var signer = MessageKey(enrolment);
        var crossing = CrossingMessages.Of<RecordAnnouncementBatch>()!;
        var metadata = new RecordMetadata("ext-1", "F001", "F001-2026-0001", "档案标题", "办公室", new DateOnly(2026, 12, 1), null, "永久", "public", null,
            ["关键词"], null, "metadata");
        var batch = new RecordAnnouncementBatch("dept-c", [new RecordEventEntry(Guid.NewGuid(),
            Published: new RecordPublished(Guid.NewGuid(), "dept-c", 1, metadata, DateTimeOffset.UtcNow))]);
        var messageId = Guid.NewGuid();
        var signedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var signature = signer.Sign(MessageSignature.SignedBytes(crossing, batch, messageId, signedAt, "dept-c", MessageSignature.Everyone));

        var received = JsonSerializer.Deserialize<RecordAnnouncementBatch>(JsonSerializer.Serialize(batch, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
        var signed = MessageSignature.SignedBytes(crossing, received, messageId, signedAt, "dept-c", MessageSignature.Everyone);

        Receiver().MessageKey("dept-c", signer.KeyId, DateTimeOffset.UtcNow)!.Verify(signed, signature).ShouldBeTrue();
    }

    private NodeEnrolment Enrol(string department, string? messageAlgorithm = null) =>
        _authority.Enrol(department, $"{department} (test)", $"https://{department}.example/", Path.Combine(_folder, "nodes", department), messageAlgorithm);

    /// <summary>The message key a node's services resolve from its Trust settings.</summary>
    private static MessageSigningKey MessageKey(NodeEnrolment enrolment)
    {
        var options = Options.Create(new TrustOptions
        {
            NodeKeyFile = enrolment.NodeKeyFile,
            NodeKeyId = enrolment.KeyId,
            MessageKeyFile = enrolment.MessageKeyFile,
            MessageKeyId = enrolment.MessageKeyId,
        });
        return new MessageSigningKey(new NodeSigningKey(options), options);
    }

    /// <summary>A receiving node's directory: the authority's public key and directory file, as a node is configured.</summary>
    private NodeDirectory Receiver() => new(Options.Create(new TrustOptions
    {
        AuthorityKeyFile = _authority.PublicKeyFile,
        DirectoryFile = _authority.DirectoryFile,
    }), NullLogger<NodeDirectory>.Instance);

    /// <summary>The same department enrolled by another authority: an SM2 key the first authority's directory does not list.</summary>
    private NodeEnrolment EnrolElsewhere(string department)
    {
        using var other = AuthorityKeys.LoadOrCreate(Path.Combine(_folder, "other-authority"));
        return other.Enrol(department, department, $"https://{department}.example/", Path.Combine(_folder, "other-nodes", department), NodeKeyAlgorithms.Sm2);
    }
}
