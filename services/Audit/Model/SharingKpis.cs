using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Audit.Infrastructure;
using Platform.Contracts;

namespace Platform.Audit.Model;

/// <summary>Sharing KPIs (绩效考核) of every department this node has heard of, for one period, ranked.</summary>
public sealed record KpiReport(DateTimeOffset From, DateTimeOffset To, DateTimeOffset AsOf, IReadOnlyList<DepartmentKpis> Departments);

/// <summary>
/// One department's figures. Requests count those submitted in the period; overdue = flagged overdue, decided after the
/// deadline, or still pending past it. Decision times are from submission to decision, in hours. Deliveries are counted
/// where this node saw them (its own department's, and its own receipts). Secrecy reviews are this node's own department's
/// decisions in the period, timed from the record entering the queue.
/// </summary>
public sealed record DepartmentKpis(
    int Rank,
    string Department,
    long RecordsPublished,
    IReadOnlyDictionary<string, long> RecordsBySharing,
    IReadOnlyDictionary<string, double> SharingShare,
    double? AverageQuality,
    IReadOnlyDictionary<string, long> QualityBands,
    long RequestsReceived,
    long RequestsAnswered,
    long RequestsOverdue,
    long RequestsPending,
    double? OnTimeRate,
    double? ApprovalRate,
    double? MedianDecisionHours,
    double? P90DecisionHours,
    long DeliveriesServed,
    long FailedDeliveries,
    long SecrecyReviews,
    double? MedianSecrecyReviewHours);

public sealed class SharingKpis(AuditDbContext db, TimeProvider clock)
{
    public static readonly string[] SharingAttributes = [SharingTerms.Unconditional, SharingTerms.Conditional, SharingTerms.None];
    public static readonly string[] QualityBandNames = ["90-100", "80-89", "60-79", "0-59"];

    public async Task<KpiReport> ComputeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var asOf = to < now ? to : now;
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        Row For(string department) => rows.TryGetValue(department, out var row) ? row : rows[department] = new Row();

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened) await connection.OpenAsync(cancellationToken);
        try
        {
            await ReadAsync(connection, """
                SELECT department, count(*),
                       count(*) FILTER (WHERE sharing = 'unconditional'), count(*) FILTER (WHERE sharing = 'conditional'),
                       count(*) FILTER (WHERE sharing = 'none'), avg(quality_score)::float8,
                       count(*) FILTER (WHERE quality_score >= 90), count(*) FILTER (WHERE quality_score >= 80 AND quality_score < 90),
                       count(*) FILTER (WHERE quality_score >= 60 AND quality_score < 80), count(*) FILTER (WHERE quality_score < 60)
                FROM published_records WHERE first_published_at >= $1 AND first_published_at < $2 GROUP BY department
                """, [from, to], reader =>
            {
                var row = For(reader.GetString(0));
                row.Published = reader.GetInt64(1);
                row.BySharing = [reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)];
                row.AverageQuality = reader.IsDBNull(5) ? null : Math.Round(reader.GetDouble(5), 1);
                row.Bands = [reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)];
            }, cancellationToken);

            await ReadAsync(connection, """
                SELECT owner_department, count(*),
                       count(*) FILTER (WHERE decided_at IS NOT NULL AND decided_at <= $3),
                       count(*) FILTER (WHERE overdue OR decided_at > review_deadline
                                         OR ((decided_at IS NULL OR decided_at > $3) AND review_deadline < $3)),
                       count(*) FILTER (WHERE decision = 'approved' AND decided_at <= $3),
                       (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))
                           FILTER (WHERE decided_at <= $3))::float8,
                       (percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))
                           FILTER (WHERE decided_at <= $3))::float8
                FROM tracked_requests WHERE submitted_at >= $1 AND submitted_at < $2 GROUP BY owner_department
                """, [from, to, asOf], reader =>
            {
                var row = For(reader.GetString(0));
                row.Received = reader.GetInt64(1);
                row.Answered = reader.GetInt64(2);
                row.Overdue = reader.GetInt64(3);
                row.Approved = reader.GetInt64(4);
                row.MedianSeconds = reader.IsDBNull(5) ? null : reader.GetDouble(5);
                row.P90Seconds = reader.IsDBNull(6) ? null : reader.GetDouble(6);
            }, cancellationToken);

            await ReadAsync(connection, $"""
                SELECT from_department, coalesce(sum(count) FILTER (WHERE kind = '{TrafficKinds.ContentDelivered}'), 0)::int8,
                       coalesce(sum(count) FILTER (WHERE kind = '{TrafficKinds.ContentDenied}'), 0)::int8
                FROM traffic_buckets
                WHERE granularity = 'minute' AND bucket_start >= $1 AND bucket_start < $2
                  AND kind IN ('{TrafficKinds.ContentDelivered}', '{TrafficKinds.ContentDenied}')
                GROUP BY from_department
                """, [from, to], reader =>
            {
                var row = For(reader.GetString(0));
                row.Delivered = reader.GetInt64(1);
                row.Denied = reader.GetInt64(2);
            }, cancellationToken);

            await ReadAsync(connection, """
                SELECT department, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY (details::jsonb->>'waitedSeconds')::float8)
                FROM audit_entries WHERE action = 'record.secrecy-review' AND occurred_at >= $1 AND occurred_at < $2 GROUP BY department
                """, [from, to], reader =>
            {
                var row = For(reader.GetString(0));
                row.Reviews = reader.GetInt64(1);
                row.MedianReviewSeconds = reader.IsDBNull(2) ? null : reader.GetDouble(2);
            }, cancellationToken);
        }
        finally
        {
            if (opened) await connection.CloseAsync();
        }

        var ranked = rows
            .Where(r => r.Key != "anonymous" && r.Key != "unknown")
            .Select(r => (Department: r.Key, Row: r.Value, OnTime: r.Value.Received == 0 ? (double?)null : (double)(r.Value.Received - r.Value.Overdue) / r.Value.Received))
            .OrderByDescending(r => r.OnTime ?? -1)
            .ThenBy(r => r.Row.MedianSeconds ?? double.MaxValue)
            .ThenByDescending(r => r.Row.Published)
            .ThenBy(r => r.Department, StringComparer.Ordinal)
            .Select((r, index) => r.Row.ToKpis(index + 1, r.Department, r.OnTime))
            .ToList();
        return new KpiReport(from, to, asOf, ranked);
    }

    private static async Task ReadAsync(NpgsqlConnection connection, string sql, object[] parameters, Action<DbDataReader> read,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) read(reader);
    }

    private sealed class Row
    {
        public long Published;
        public long[] BySharing = [0, 0, 0];
        public double? AverageQuality;
        public long[] Bands = [0, 0, 0, 0];
        public long Received;
        public long Answered;
        public long Overdue;
        public long Approved;
        public double? MedianSeconds;
        public double? P90Seconds;
        public long Delivered;
        public long Denied;
        public long Reviews;
        public double? MedianReviewSeconds;

        public DepartmentKpis ToKpis(int rank, string department, double? onTime) => new(
            rank, department, Published,
            SharingAttributes.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => BySharing[x.i]),
            SharingAttributes.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => Published == 0 ? 0 : Math.Round((double)BySharing[x.i] / Published, 4)),
            AverageQuality,
            QualityBandNames.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => Bands[x.i]),
            Received, Answered, Overdue, Received - Answered,
            onTime is null ? null : Math.Round(onTime.Value, 4),
            Answered == 0 ? null : Math.Round((double)Approved / Answered, 4),
            Hours(MedianSeconds), Hours(P90Seconds), Delivered, Denied, Reviews, Hours(MedianReviewSeconds));

        private static double? Hours(double? seconds) => seconds is null ? null : Math.Round(seconds.Value / 3600, 3);
    }
}
