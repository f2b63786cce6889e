using System.Security.Cryptography;
using MassTransit;
using Platform.ServiceDefaults.Trust;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// Signs a message as a department's node does (the same bytes and headers as <see cref="MessageSigningObserver"/>), so a
/// test can speak as a genuine node, as another department, or lie about the time or the destination.
/// </summary>
public sealed class TestSigner(string department, ECDsa key, string keyId)
{
    public string Department => department;

    /// <summary>The department's node key, which also signs its grants and node proofs.</summary>
    public ECDsa Key => key;

    public string KeyId => keyId;

    public void Sign<T>(SendContext<T> context, DateTimeOffset? at = null, string? destination = null) where T : class
    {
        var messageId = context.MessageId ??= NewId.NextGuid();
        foreach (var (name, value) in Headers(context.Message, messageId, at, destination)) context.Headers.Set(name, value);
    }

    /// <summary>The signature headers of <paramref name="message"/> under <paramref name="messageId"/>, for a message put on the wire by hand.</summary>
    public Dictionary<string, object> Headers<T>(T message, Guid messageId, DateTimeOffset? at = null, string? destination = null) where T : class
    {
        var crossing = CrossingMessages.Of<T>() ?? throw new InvalidOperationException($"{typeof(T).Name} never crosses departments.");
        var signedAt = (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        var to = destination ?? crossing.Addressee?.Invoke(message) ?? MessageSignature.Everyone;
        var signature = key.SignData(MessageSignature.SignedBytes(crossing, message, messageId, signedAt, department, to),
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new Dictionary<string, object>
        {
            [MessageSignature.Signer] = department,
            [MessageSignature.KeyId] = keyId,
            [MessageSignature.SignedAt] = signedAt,
            [MessageSignature.Destination] = to,
            [MessageSignature.Value] = Convert.ToBase64String(signature),
        };
    }

    /// <summary>A bus on <paramref name="broker"/> (a department's own vhost and user) with the platform's exchange topology.</summary>
    public static async Task PublishAsync(Uri broker, Func<IBus, Task> publish)
    {
        var user = broker.UserInfo.Split(':', 2);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(broker, h =>
            {
                h.Username(Uri.UnescapeDataString(user[0]));
                h.Password(Uri.UnescapeDataString(user[1]));
            });
            CrossingMessages.ConfigureTopology(rabbit);
        });
        await bus.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await publish(bus);
        }
        finally
        {
            await bus.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
