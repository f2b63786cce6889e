using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Platform.ServiceDefaults.Messaging;

/// <summary>A message MassTransit moved to an <c>_error</c> queue after its retries, with the reason it gave.</summary>
public sealed record ErrorMessage(
    string Queue,
    string InputQueue,
    string? MessageId,
    string? MessageType,
    string? Reason,
    string? ExceptionType,
    string? ConsumerType,
    DateTimeOffset? FaultedAt,
    int Size);

/// <summary>
/// The <c>_error</c> queues of this service's receive endpoints, read and replayed over AMQP. Reading takes each
/// message without acknowledging it and closes the channel, so the broker puts every one back; a replay publishes
/// the message to its input queue with a publisher confirm and only then acknowledges it in the error queue, so a
/// failure half-way leaves it where it was (at worst delivered twice, which the idempotent consumers ignore).
/// </summary>
public sealed class ErrorQueues(Uri broker, string connectionName)
{
    /// <summary>Fault headers MassTransit adds when it moves a message to an error queue; removed on replay.</summary>
    private const string FaultHeaderPrefix = "MT-Fault-";
    private const string ReasonHeader = "MT-Reason";
    private const string ErrorSuffix = "_error";

    /// <summary>Where MassTransit moves a message no consumer took; here, the quarantine of refused messages (docs/TRUST.md).</summary>
    private const string QuarantineSuffix = "_skipped";

    private static readonly string[] Suffixes = [ErrorSuffix, QuarantineSuffix];

    /// <summary>Headers the broker's federation links and shovels add on the way in; a replay comes from this node, not the exchange.</summary>
    private static readonly string[] CrossingHeaders = ["x-received-from", "x-shovelled"];

    private readonly ConcurrentDictionary<string, byte> _inputQueues = new(StringComparer.Ordinal);

    /// <summary>The service's receive endpoints, recorded while MassTransit configures them.</summary>
    public IReadOnlyCollection<string> InputQueues => _inputQueues.Keys.Order(StringComparer.Ordinal).ToList();

    internal void AddInputQueue(string name) => _inputQueues.TryAdd(name, 0);

    public bool IsKnownErrorQueue(string queue) =>
        Suffixes.Any(suffix => queue.EndsWith(suffix, StringComparison.Ordinal) && _inputQueues.ContainsKey(queue[..^suffix.Length]));

    private IEnumerable<(string Input, string Queue)> HeldQueues() =>
        InputQueues.SelectMany(input => Suffixes.Select(suffix => (input, input + suffix)));

    /// <summary>Up to <paramref name="limit"/> messages per error or quarantine queue, oldest first, left in place.</summary>
    public async Task<IReadOnlyList<ErrorMessage>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var messages = new List<ErrorMessage>();
        foreach (var (input, queue) in HeldQueues())
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            if (!await ExistsAsync(channel, queue, cancellationToken)) continue;
            for (var i = 0; i < limit; i++)
            {
                var delivery = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken);
                if (delivery is null) break;
                messages.Add(Describe(queue, input, delivery));
            }
            // Closing the channel without acknowledging returns every message taken to the queue, in order.
        }
        return messages;
    }

    /// <summary>
    /// Moves the messages of the service's error and quarantine queues that <paramref name="select"/> picks (all when null) back to
    /// their input queues. Returns how many were moved.
    /// </summary>
    public async Task<int> ReplayAsync(Func<ErrorMessage, bool>? select, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var replayed = 0;
        foreach (var (input, queue) in HeldQueues())
        {
            await using var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            if (!await ExistsAsync(probe, queue, cancellationToken)) continue;
            var waiting = (await probe.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;

            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            // Only the messages that were there when the replay began: a replayed message that faults again comes back
            // to the end of the queue and must not be replayed in a loop.
            for (var i = 0; i < waiting; i++)
            {
                var delivery = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken);
                if (delivery is null) break;
                if (select is not null && !select(Describe(queue, input, delivery))) continue;

                var properties = new BasicProperties(delivery.BasicProperties);
                var headers = (properties.Headers ?? new Dictionary<string, object?>())
                    .Where(h => !h.Key.StartsWith(FaultHeaderPrefix, StringComparison.Ordinal) && h.Key != ReasonHeader && !CrossingHeaders.Contains(h.Key))
                    .ToDictionary(h => h.Key, h => h.Value);
                // Still verified on the way back in, except for its age and for having been seen before.
                headers[Trust.MessageSignature.OperatorReplay] = true;
                properties.Headers = headers;
                await channel.BasicPublishAsync("", input, mandatory: true, properties, delivery.Body, cancellationToken);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
                replayed++;
            }
        }
        return replayed;
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = broker,
            ClientProvidedName = connectionName,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        return await factory.CreateConnectionAsync(cancellationToken);
    }

    private static async Task<bool> ExistsAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return true;
        }
        catch (OperationInterruptedException)
        {
            // MassTransit declares an error queue when it first moves a message there.
            return false;
        }
    }

    private static ErrorMessage Describe(string queue, string input, BasicGetResult delivery)
    {
        var headers = delivery.BasicProperties.Headers;
        return new ErrorMessage(
            queue,
            input,
            delivery.BasicProperties.MessageId,
            MessageType(delivery),
            Header(headers, "MT-Fault-Message"),
            Header(headers, "MT-Fault-ExceptionType"),
            Header(headers, "MT-Fault-ConsumerType"),
            DateTimeOffset.TryParse(Header(headers, "MT-Fault-Timestamp"), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            delivery.Body.Length);
    }

    private static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value)
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => null,
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;

    /// <summary>The message type from MassTransit's envelope, when the body is one that can be read.</summary>
    private static string? MessageType(BasicGetResult delivery)
    {
        if (Header(delivery.BasicProperties.Headers, "MT-Fault-MessageType") is { Length: > 0 } faulted) return faulted;
        try
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            return envelope.RootElement.ValueKind == JsonValueKind.Object
                   && envelope.RootElement.TryGetProperty("messageType", out var types)
                   && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0
                ? types[0].GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static bool IsBrokerUnavailable(Exception exception) =>
        exception is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or TimeoutException;
}
