using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// What a node signs for each message that leaves it, carried in these headers: the signature covers the message's kind,
/// id, signing time, signer, destination and a SHA-256 of its body (the message re-serialized with fixed options, so the
/// receiver computes the same bytes from what it deserialized).
/// </summary>
public static class MessageSignature
{
    public const string Signer = "platform-signer";
    public const string KeyId = "platform-key-id";
    public const string SignedAt = "platform-signed-at";
    public const string Destination = "platform-to";
    public const string Value = "platform-signature";

    /// <summary>Set by an operator's replay of a message this node already held (error or quarantine queue).</summary>
    public const string OperatorReplay = "platform-operator-replay";

    /// <summary>The destination of a broadcast.</summary>
    public const string Everyone = "*";

    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerOptions.Web) { WriteIndented = false };

    public static byte[] SignedBytes(CrossingMessage crossing, object message, Guid messageId, long signedAtMs, string signer, string destination)
    {
        var body = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(message, crossing.Type, Canonical));
        var text = string.Create(CultureInfo.InvariantCulture,
            $"platform-message/1\n{crossing.Kind}\n{messageId:D}\n{signedAtMs}\n{signer}\n{destination}\n{Convert.ToHexStringLower(body)}");
        return Encoding.UTF8.GetBytes(text);
    }
}
