using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// Checks a message from the exchange before any consumer runs: signed by a key the authority-signed directory lists for
/// the signing department, the department the body names as sender is the signer, addressed to this node (or to every
/// node), fresh, and not seen before. A message of a type that never crosses departments must not have crossed.
/// </summary>
public sealed partial class MessageVerification(
    NodeDirectory directory,
    ReplayGuard replays,
    IOptions<TrustOptions> options,
    IOptions<NodeOptions> node,
    ServiceIdentity service,
    TimeProvider clock,
    ILogger<MessageVerification> logger)
{
    /// <summary>Headers the broker's federation links and shovels add: the message came from outside this vhost.</summary>
    private static readonly string[] CrossedHeaders = ["x-received-from", "x-shovelled"];

    public readonly record struct Verdict(MessageRefusal? Refusal, string? Signature, DateTimeOffset ForgetAfter);

    /// <summary>A message of a type that never leaves a department must have been published in this department's own vhost.</summary>
    public static MessageRefusal? CheckLocal(ConsumeContext context) => Crossed(context)
        ? new MessageRefusal(MessageRefusal.NotCrossing, $"{string.Join(", ", context.SupportedMessageTypes)} never leaves a department, yet it arrived from the exchange")
        : null;

    public Verdict Check<T>(ConsumeContext<T> context) where T : class
    {
        var crossed = Crossed(context);
        var crossing = CrossingMessages.Of<T>()!;

        var headers = context.Headers;
        var signer = headers.Get<string>(MessageSignature.Signer);
        var keyId = headers.Get<string>(MessageSignature.KeyId);
        var signatureText = headers.Get<string>(MessageSignature.Value);
        var destination = headers.Get<string>(MessageSignature.Destination);
        var signedAtMs = headers.Get<long>(MessageSignature.SignedAt);
        if (signer is null || keyId is null || signatureText is null || destination is null || signedAtMs is null || context.MessageId is not { } messageId)
        {
            return Refuse(MessageRefusal.NotSigned, "the message carries no complete signature");
        }

        var message = context.Message;
        if (message is NodeAnnounced announced && !AcceptEntry(announced, out var entryRefusal))
        {
            return Refuse(MessageRefusal.BadDirectoryEntry, entryRefusal);
        }

        var signedAt = DateTimeOffset.FromUnixTimeMilliseconds(signedAtMs.Value);
        if (directory.MessageKey(signer, keyId, signedAt) is not { } key)
        {
            return Refuse(MessageRefusal.UnknownKey, $"the directory lists no key '{keyId}' for '{signer}' valid at {signedAt:O}");
        }
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException)
        {
            return Refuse(MessageRefusal.BadSignature, "the signature is not base64");
        }
        var signed = MessageSignature.SignedBytes(crossing, message, messageId, signedAtMs.Value, signer, destination);
        if (!key.Verify(signed, signature))
        {
            return Refuse(MessageRefusal.BadSignature, $"the signature does not verify with {signer}'s {key.Algorithm} key '{keyId}'");
        }

        if (!crossing.Senders(message).Contains(signer, StringComparer.Ordinal))
        {
            return Refuse(MessageRefusal.WrongSender, $"signed by {signer}, but the message speaks for {string.Join(" or ", crossing.Senders(message))}");
        }
        var addressee = crossing.Addressee?.Invoke(message) ?? MessageSignature.Everyone;
        if (destination != addressee || (crossing.Addressee is not null && addressee != node.Value.Id))
        {
            return Refuse(MessageRefusal.WrongDestination, $"signed for '{destination}', addressed to '{addressee}', received by {node.Value.Id}");
        }

        // An operator moving a held message back (from this vhost, never through the exchange) replays on purpose.
        var operatorReplay = !crossed && context.ReceiveContext.TransportHeaders.Get<bool>(MessageSignature.OperatorReplay) == true;
        var now = clock.GetUtcNow();
        var window = options.Value.MessageWindow;
        if (!operatorReplay && (now - signedAt > window || signedAt - now > options.Value.ClockSkew))
        {
            return Refuse(MessageRefusal.Stale, $"signed at {signedAt:O}, outside the accepted window of {window} around {now:O}");
        }
        if (!operatorReplay && !context.ReceiveContext.Redelivered && replays.Seen(signatureText))
        {
            return Refuse(MessageRefusal.Replayed, "this signed message was consumed here before");
        }
        return new Verdict(null, signatureText, signedAt + window + options.Value.ClockSkew);
    }

    /// <summary>Called once the consumers took the message: the same signed message again is then a replay.</summary>
    public void Remember(Verdict verdict)
    {
        if (verdict.Signature is { } signature)
        {
            replays.Remember(signature, verdict.ForgetAfter);
        }
    }

    /// <summary>Counts, logs and audits a refused message; the caller leaves it unconsumed (quarantined).</summary>
    public async Task QuarantineAsync(ConsumeContext context, Type? type, MessageRefusal refusal)
    {
        var signer = context.Headers.Get<string>(MessageSignature.Signer);
        var kind = type is null ? "local" : CrossingMessages.Of(type)?.Kind ?? type.Name;
        PlatformMetrics.MessagesRejected.Add(1, new KeyValuePair<string, object?>("reason", refusal.Reason), new KeyValuePair<string, object?>("type", kind));
        LogRejected(logger, kind, context.MessageId, signer, refusal.Reason, refusal.Detail);
        var receivedFrom = context.ReceiveContext.TransportHeaders.TryGetHeader("x-received-from", out var from) ? Describe(from) : null;
        try
        {
            await context.Publish(new MessageRejected(node.Value.Id, service.Name, refusal.Reason, refusal.Detail, type?.FullName ?? string.Join(", ", context.SupportedMessageTypes),
                context.MessageId, signer, receivedFrom, clock.GetUtcNow()), context.CancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAuditFailed(logger, ex);
        }
    }

    private bool AcceptEntry(NodeAnnounced announced, out string refusal)
    {
        if (announced.Entry is null)
        {
            refusal = "no directory entry";
            return false;
        }
        if (!directory.TryAccept(announced.Entry, out var entry, out var reason))
        {
            refusal = reason!;
            return false;
        }
        if (entry!.Department != announced.Department)
        {
            refusal = $"the entry is {entry.Department}'s, announced as {announced.Department}'s";
            return false;
        }
        refusal = "";
        return true;
    }

    private static string Describe(object? header) => header switch
    {
        IEnumerable<object> hops => string.Join(" <- ", hops.Select(h => h is IDictionary<string, object> table && table.TryGetValue("vhost", out var vhost)
            ? vhost is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : vhost?.ToString()
            : h?.ToString())),
        _ => header?.ToString() ?? "",
    };

    private static bool Crossed(ConsumeContext context) => CrossedHeaders.Any(h => context.ReceiveContext.TransportHeaders.TryGetHeader(h, out _));

    private static Verdict Refuse(string reason, string detail) => new(new MessageRefusal(reason, detail), null, default);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantined {MessageType} {MessageId} signed by {Signer}: {Reason} ({Detail})")]
    private static partial void LogRejected(ILogger logger, string messageType, Guid? messageId, string? signer, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the audit about a quarantined message")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception);
}
