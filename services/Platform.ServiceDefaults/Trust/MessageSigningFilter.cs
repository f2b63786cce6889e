using MassTransit;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.Trust;

/// <summary>Signs every message that leaves the department (a <see cref="CrossingMessages"/> type) with this node's key.</summary>
public sealed class MessageSigningFilter<T>(NodeSigningKey key, IOptions<NodeOptions> node, TimeProvider clock) : IFilter<SendContext<T>>
    where T : class
{
    public Task Send(SendContext<T> context, IPipe<SendContext<T>> next)
    {
        if (CrossingMessages.Of<T>() is { } crossing)
        {
            var messageId = context.MessageId ??= NewId.NextGuid();
            var signedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var destination = crossing.Addressee?.Invoke(context.Message) ?? MessageSignature.Everyone;
            var signer = node.Value.Id;
            var signature = key.Sign(MessageSignature.SignedBytes(crossing, context.Message, messageId, signedAt, signer, destination));
            context.Headers.Set(MessageSignature.Signer, signer);
            context.Headers.Set(MessageSignature.KeyId, key.KeyId);
            context.Headers.Set(MessageSignature.SignedAt, signedAt);
            context.Headers.Set(MessageSignature.Destination, destination);
            context.Headers.Set(MessageSignature.Value, Convert.ToBase64String(signature));
        }
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("sign-crossing-message");
}
