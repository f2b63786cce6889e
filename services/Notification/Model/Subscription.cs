namespace Platform.Notification.Model;

/// <summary>Who wants to hear about which events, and through which channel.</summary>
public sealed class Subscription
{
    public Guid Id { get; set; }
    public required string Department { get; set; }
    public required string Channel { get; set; }
    public List<string> EventTypes { get; set; } = [];
    public string? Url { get; set; }

    /// <summary>Recipient of an e-mail subscription.</summary>
    public string? Email { get; set; }

    /// <summary>Standard Webhooks signing secret (<c>whsec_</c> + base64), encrypted at rest by <see cref="SecretProtector"/>.</summary>
    public string? Secret { get; set; }

    /// <summary>Only events about records of these fonds (全宗号); empty = any.</summary>
    public List<string> Fonds { get; set; } = [];

    /// <summary>Only events about records of these categories (类别); empty = any.</summary>
    public List<string> Categories { get; set; } = [];

    /// <summary>Only events from (or requested by) these departments; empty = any.</summary>
    public List<string> Departments { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }

    public bool Wants(string eventType) => EventTypes.Contains(eventType) || EventTypes.Contains("*");

    public bool Matches(EventFacts facts) =>
        Wants(facts.EventType)
        && (Fonds.Count == 0 || (facts.Fonds is not null && Fonds.Contains(facts.Fonds)))
        && (Categories.Count == 0 || (facts.Category is not null && Categories.Contains(facts.Category)))
        && (Departments.Count == 0 || Departments.Contains(facts.Department));
}

/// <summary>What a subscription filter can look at in an event.</summary>
public sealed record EventFacts(string EventType, string Department, string? Fonds, string? Category, string Summary);

/// <summary>One event for one webhook or e-mail subscription, and how its delivery went.</summary>
public sealed class Delivery
{
    public Guid Id { get; set; }
    public long Sequence { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid MessageId { get; set; }
    public required string EventType { get; set; }

    /// <summary>The record a record event is about, so a newer view of it can replace what this delivery holds.</summary>
    public Guid? RecordId { get; set; }

    /// <summary>The exact JSON body that is signed and sent: <c>{"type","timestamp","data"}</c>.</summary>
    public required string Payload { get; set; }

    /// <summary>One line saying what happened, in Chinese (the e-mail subject).</summary>
    public string Summary { get; set; } = "";
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }

    /// <summary>How many times an operator replayed it after it was dead-lettered.</summary>
    public int Replays { get; set; }
}

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>One in-app notification for the department's people (console, reviewers).</summary>
public sealed class InboxItem
{
    public Guid Id { get; set; }
    public long Sequence { get; set; }
    public required string Department { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid MessageId { get; set; }
    public required string EventType { get; set; }
    public required string Summary { get; set; }

    /// <summary>The record a record event is about, so a newer view of it can replace what this item holds.</summary>
    public Guid? RecordId { get; set; }

    /// <summary>The event as JSON (<c>{"type","timestamp","data"}</c>).</summary>
    public required string Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
}

public static class Channels
{
    public const string Webhook = "webhook";
    public const string Email = "email";
    public const string Inbox = "inbox";

    public static readonly IReadOnlyList<string> All = [Webhook, Email, Inbox];
}

/// <summary>Event type names as subscribers see them.</summary>
public static class EventTypes
{
    public const string RecordPublished = "record.published";
    public const string RecordUpdated = "record.updated";
    public const string RecordWithdrawn = "record.withdrawn";

    /// <summary>The record events, and the sharing notices (<see cref="Contracts.SharingNoticeKinds"/>: reviews, decisions, expiring grants).</summary>
    public static readonly IReadOnlyList<string> All = [RecordPublished, RecordUpdated, RecordWithdrawn, .. Contracts.SharingNoticeKinds.All];
}
