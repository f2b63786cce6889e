using MassTransit;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// Signs every message that leaves the department (a <see cref="CrossingMessages"/> type) with this node's message key. An
/// observer rather than a filter: MassTransit runs configured publish filters before the caller's own pipe, which may
/// still set the message id the signature covers (the outbox does); observers see the message as it will go out. Every
/// crossing message is published (directed ones by routing key), never sent to an address, so publishing is where it is
/// signed. It is always signed anew: a message published while consuming another carries that message's headers.
/// </summary>
public sealed class MessageSigningObserver(MessageSigningKey key, IOptions<NodeOptions> node, TimeProvider clock) : IPublishObserver
{
    public Task PrePublish<T>(PublishContext<T> context) where T : class
    {
        Sign(context);
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    private void Sign<T>(PublishContext<T> context) where T : class
    {
        if (CrossingMessages.Of<T>() is not { } crossing)
        {
            return;
        }
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
        // Carried over from a message an operator replayed, it would vouch for this new one.
        context.Headers.Set(MessageSignature.OperatorReplay, null);
    }
}
