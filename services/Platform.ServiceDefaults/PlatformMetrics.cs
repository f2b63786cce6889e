using System.Diagnostics.Metrics;

namespace Platform.ServiceDefaults;

/// <summary>
/// The platform's own instruments, on the <see cref="Telemetry.SourceName"/> meter that every process exports (Prometheus
/// <c>/metrics</c>, and OTLP when configured). Messages published and consumed are MassTransit's own instruments
/// (<c>messaging_masstransit_*</c>); HTTP and database time are ASP.NET Core's and Npgsql's.
/// </summary>
public static class PlatformMetrics
{
    public static readonly Meter Meter = new(Telemetry.SourceName);

    /// <summary>Records announced by this node's catalogue, as its audit logged them; tag <c>change</c>: published, updated, withdrawn.</summary>
    public static readonly Counter<long> RecordsAnnounced = Meter.CreateCounter<long>(
        "platform.records.announced", "{record}", "Records this department published, updated or withdrew (counted as its audit logs them).");

    /// <summary>Access-request decisions by this department as owner; tags <c>decision</c>, <c>automatic</c>.</summary>
    public static readonly Counter<long> RequestDecisions = Meter.CreateCounter<long>(
        "platform.sharing.decisions", "{request}", "Access requests this department decided, by decision and whether policy decided automatically.");

    /// <summary>Reviews of this department that passed their deadline.</summary>
    public static readonly Counter<long> ReviewsOverdue = Meter.CreateCounter<long>(
        "platform.sharing.reviews_overdue", "{request}", "Reviews of this department's records that passed their deadline.");

    /// <summary>Granted content served (owner side) or received (requester side), and refused fetches; tag <c>outcome</c>.</summary>
    public static readonly Counter<long> ContentDeliveries = Meter.CreateCounter<long>(
        "platform.sharing.content_deliveries", "{delivery}", "Granted content served, received or refused at this node.");

    /// <summary>Notification attempts; tags <c>channel</c> and <c>outcome</c> (delivered, retry, dead).</summary>
    public static readonly Counter<long> NotificationAttempts = Meter.CreateCounter<long>(
        "platform.notification.attempts", "{attempt}", "Webhook and e-mail delivery attempts: delivered, to be retried, or dead-lettered.");

    /// <summary>Messages from the exchange refused before any consumer ran and quarantined; tags <c>reason</c> and <c>type</c>.</summary>
    public static readonly Counter<long> MessagesRejected = Meter.CreateCounter<long>(
        "platform.messages.rejected", "{message}", "Messages from the exchange refused (bad or missing signature, unknown key, wrong sender or addressee, stale, replayed) and quarantined.");
}
