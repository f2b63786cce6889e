using System.Collections.Frozen;
using MassTransit;
using Platform.Contracts;
using RabbitMQ.Client;

namespace Platform.ServiceDefaults.Trust;

/// <summary>How one message type crosses between departments: who may send it and to whom it goes.</summary>
/// <param name="Type">The message type.</param>
/// <param name="Kind">Stable name, signed with the message and used in exchange names and routing keys.</param>
/// <param name="Senders">The departments the body says may have sent it; the verified signer must be one of them.</param>
/// <param name="Addressee">The one department it is for; null for a broadcast to every department.</param>
public sealed record CrossingMessage(Type Type, string Kind, Func<object, IEnumerable<string>> Senders, Func<object, string>? Addressee);

/// <summary>
/// Every message type that leaves a department (docs/TRUST.md). Broadcasts travel on a fanout exchange
/// <c>broadcast.{kind}</c>, which the broker federates through the hub to every department; messages for one
/// department go to the topic exchange <see cref="DirectedExchange"/> with routing key <c>{addressee}.{kind}</c>, which
/// the authority's shovels carry to that department only. Anything not listed here stays inside its node.
/// </summary>
public static class CrossingMessages
{
    public const string DirectedExchange = "directed";
    public const string BroadcastPrefix = "broadcast.";

    private static readonly CrossingMessage[] All =
    [
        Broadcast<NodeAnnounced>("node-announced", m => [m.Department]),
        // Record events themselves stay inside their node (they hold the whole record); announcements carry the view the
        // owner's policy allows, to every department or to the ones a rule names (docs/SHARING.md).
        Broadcast<RecordAnnouncementBatch>("record-announcement-batch", m => OnlyFor(m.Department, m.Events)),
        Directed<DirectedRecordAnnouncementBatch>("directed-record-announcement-batch", m => OnlyFor(m.Department, m.Events), m => m.Addressee),
        Broadcast<AuditCheckpoint>("audit-checkpoint", m => [m.Node]),
        Broadcast<WitnessCopiesRequested>("witness-copies-requested", m => [m.Node]),
        Broadcast<WitnessCopiesProvided>("witness-copies-provided", m => [m.Witness]),
        Broadcast<AccessRequestTracked>("access-request-tracked", m => [m.OwnerDepartment]),
        Directed<SubmitAccessRequest>("submit-access-request", m => [m.RequesterDepartment], m => m.OwnerDepartment),
        Directed<AccessReviewStarted>("access-review-started", m => [m.OwnerDepartment], m => m.RequesterDepartment),
        Directed<AccessReviewOverdue>("access-review-overdue", m => [m.OwnerDepartment], m => m.RequesterDepartment),
        Directed<AccessDecided>("access-decided", m => [m.OwnerDepartment], m => m.RequesterDepartment),
        Directed<GrantIssued>("grant-issued", m => [m.OwnerDepartment], m => m.RequesterDepartment),
        Directed<GrantRevoked>("grant-revoked", m => [m.OwnerDepartment], m => m.RequesterDepartment),
        Directed<SharingNotice>("sharing-notice", m => [m.OwnerDepartment], m => m.Department),
        Directed<SubmitBulkAccessRequest>("submit-bulk-access-request", m => [m.RequesterDepartment], m => m.OwnerDepartment),
        Directed<BulkAccessRequestExpanded>("bulk-access-request-expanded", m => [m.OwnerDepartment], m => m.RequesterDepartment),
        Directed<SubscribeToRecords>("subscribe-to-records", m => [m.SubscriberDepartment], m => m.OwnerDepartment),
        Directed<CancelRecordSubscription>("cancel-record-subscription", m => [m.SubscriberDepartment], m => m.OwnerDepartment),
        Directed<SubscribedRecordAvailable>("subscribed-record-available", m => [m.OwnerDepartment], m => m.SubscriberDepartment),
    ];

    private static readonly FrozenDictionary<Type, CrossingMessage> ByType = All.ToFrozenDictionary(m => m.Type);

    public static IReadOnlyList<CrossingMessage> Types => All;

    public static CrossingMessage? Of(Type type) => ByType.GetValueOrDefault(type);

    public static CrossingMessage? Of<T>() => ByType.GetValueOrDefault(typeof(T));

    /// <summary>The routing key that reaches <paramref name="department"/>'s consumers of <typeparamref name="T"/>.</summary>
    public static string RoutingKey<T>(string department) => $"{department}.{Of<T>()!.Kind}";

    /// <summary>Exchange names, types and routing keys of every crossing message on this bus.</summary>
    public static void ConfigureTopology(IRabbitMqBusFactoryConfigurator rabbit)
    {
        foreach (var message in All)
        {
            Configure(rabbit, message);
        }
    }

    /// <summary>Binds a consumer's queue to the messages of type <typeparamref name="T"/> addressed to <paramref name="node"/>.</summary>
    public static void BindDirected<T>(IRabbitMqReceiveEndpointConfigurator endpoint, string node) where T : class
    {
        endpoint.ConfigureConsumeTopology = false;
        endpoint.Bind(DirectedExchange, binding =>
        {
            binding.ExchangeType = ExchangeType.Topic;
            binding.RoutingKey = RoutingKey<T>(node);
        });
    }

    private static void Configure(IRabbitMqBusFactoryConfigurator rabbit, CrossingMessage message)
    {
        var method = typeof(CrossingMessages).GetMethod(nameof(ConfigureType), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        method.MakeGenericMethod(message.Type).Invoke(null, [rabbit, message]);
    }

    private static void ConfigureType<T>(IRabbitMqBusFactoryConfigurator rabbit, CrossingMessage message) where T : class
    {
        if (message.Addressee is not { } addressee)
        {
            rabbit.Message<T>(m => m.SetEntityName(BroadcastPrefix + message.Kind));
            return;
        }
        rabbit.Message<T>(m => m.SetEntityName(DirectedExchange));
        rabbit.Publish<T>(p => p.ExchangeType = ExchangeType.Topic);
        rabbit.Send<T>(s => s.UseRoutingKeyFormatter(context => $"{addressee(context.Message)}.{message.Kind}"));
    }

    /// <summary>
    /// A batch speaks for its department only if every event in it is about that department's records; otherwise for no
    /// one. (An entry holding no event speaks for no one; the consumer refuses it.)
    /// </summary>
    private static string[] OnlyFor(string department, IReadOnlyList<RecordEventEntry> events) =>
        events.All(e => (e.Published?.Department ?? e.Updated?.Department ?? e.Withdrawn?.Department ?? department) == department) ? [department] : [];

    private static CrossingMessage Broadcast<T>(string kind, Func<T, IEnumerable<string>> senders) =>
        new(typeof(T), kind, m => senders((T)m), null);

    private static CrossingMessage Directed<T>(string kind, Func<T, IEnumerable<string>> senders, Func<T, string> addressee) =>
        new(typeof(T), kind, m => senders((T)m), m => addressee((T)m));
}
