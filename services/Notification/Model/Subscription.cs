namespace Platform.Notification.Model;

/// <summary>Who wants to hear about which events, and through which channel.</summary>
public sealed class Subscription
{
    public Guid Id { get; set; }
    public required string Department { get; set; }
    public required string Channel { get; set; }
    public List<string> EventTypes { get; set; } = [];
    public string? Url { get; set; }

    /// <summary>Standard Webhooks signing secret (<c>whsec_</c> + base64).</summary>
    public string? Secret { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public bool Wants(string eventType) => EventTypes.Contains(eventType) || EventTypes.Contains("*");
}

/// <summary>One event for one subscription, and how its delivery went.</summary>
public sealed class Delivery
{
    public Guid Id { get; set; }
    public long Sequence { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid MessageId { get; set; }
    public required string EventType { get; set; }

    /// <summary>The exact JSON body that is signed and sent: <c>{"type","timestamp","data"}</c>.</summary>
    public required string Payload { get; set; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
}

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Dead,
}

public static class Channels
{
    public const string Webhook = "webhook";
}

/// <summary>Event type names as subscribers see them.</summary>
public static class EventTypes
{
    public const string RecordPublished = "record.published";
    public const string RecordUpdated = "record.updated";
    public const string RecordWithdrawn = "record.withdrawn";

    public static readonly IReadOnlyList<string> All = [RecordPublished, RecordUpdated, RecordWithdrawn];
}
