using Microsoft.Extensions.Options;
using Npgsql;
using Platform.ServiceDefaults;

namespace Platform.Audit.Infrastructure;

/// <summary>
/// Gauges for alerting, sampled every few seconds: the chain's length (<c>platform.audit.chain_length</c>), this department's
/// pending reviews past their deadline (<c>platform.sharing.overdue_pending</c>) and the last verification's result
/// (<c>platform.audit.chain_valid</c>: 1 intact, 0 broken, absent until a verification ran).
/// </summary>
public sealed class AuditGauges(IServiceScopeFactory scopes, IOptions<NodeOptions> node, ILogger<AuditGauges> logger)
    : DatabaseGauges<AuditDbContext>(scopes, logger)
{
    private static int _lastVerification = -1;
    private long _chainLength;
    private long _overduePending;

    /// <summary>Called with every verification's outcome (API or checkpoint), so a broken chain shows on the next scrape.</summary>
    public static void Verified(bool valid) => Volatile.Write(ref _lastVerification, valid ? 1 : 0);

    protected override void RegisterGauges()
    {
        PlatformMetrics.Meter.CreateObservableGauge("platform.audit.chain_length", () => Interlocked.Read(ref _chainLength), "{entry}",
            "Entries in this node's audit chain.");
        PlatformMetrics.Meter.CreateObservableGauge("platform.sharing.overdue_pending", () => Interlocked.Read(ref _overduePending), "{request}",
            "This department's reviews still pending after their deadline.");
        PlatformMetrics.Meter.CreateObservableGauge("platform.audit.chain_valid",
            () => Volatile.Read(ref _lastVerification) is var last and >= 0 ? new[] { new System.Diagnostics.Metrics.Measurement<int>(last) } : [],
            null, "Result of the last verification of the chain: 1 intact, 0 broken.");
    }

    protected override async Task SampleAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT coalesce((SELECT sequence FROM audit_entries ORDER BY sequence DESC LIMIT 1), 0),
                   (SELECT count(*) FROM tracked_requests WHERE owner_department = $1 AND decided_at IS NULL
                                                            AND (overdue OR review_deadline < now()))
            """, connection) { Parameters = { new() { Value = node.Value.Id } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        Interlocked.Exchange(ref _chainLength, reader.GetInt64(0));
        Interlocked.Exchange(ref _overduePending, reader.GetInt64(1));
    }
}
