using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using MassTransit;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>Traffic statistics and sharing KPIs of the audit service, on real nodes, PostgreSQL and RabbitMQ.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class OperationsTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Traffic_counts_equal_the_interactions_between_the_departments()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var since = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = DateTimeOffset.UtcNow.AddMinutes(30);
        var before = await CountsAsync(flow.Owner, since, until);

        var first = await flow.PublishAsync("unconditional");
        var second = await flow.PublishAsync("unconditional");
        var requests = new[] { await flow.RequestAsync(first), await flow.RequestAsync(second) };
        var grant = await flow.GrantIdAsync(requests[0].GetProperty("id").GetString()!);
        (await flow.FetchAsync(grant)).Status.ShouldBe(HttpStatusCode.OK);
        await flow.GrantIdAsync(requests[1].GetProperty("id").GetString()!);

        var expected = new Dictionary<string, long>
        {
            ["dept-a>*>record.published>ok"] = 2,
            ["dept-b>dept-a>request.submitted>ok"] = 2,
            ["dept-a>dept-b>request.decided>approved"] = 2,
            ["dept-a>dept-b>content.delivered>ok"] = 1,
        };
        Dictionary<string, long> Delta(Dictionary<string, long> now) =>
            expected.Keys.ToDictionary(k => k, k => now.GetValueOrDefault(k) - before.GetValueOrDefault(k));
        var after = await Eventually.Until(() => CountsAsync(flow.Owner, since, until),
            now => expected.All(e => Delta(now)[e.Key] >= e.Value), Patience, "dept-a's traffic to count the test's interactions");
        Delta(after).ShouldBe(expected);

        // The same interactions are in the hour and day buckets, and the decision latency is measured.
        foreach (var bucket in new[] { "hour", "day" })
        {
            var coarse = await CountsAsync(flow.Owner, since, until, bucket);
            coarse["dept-a>dept-b>request.decided>approved"].ShouldBeGreaterThanOrEqualTo(after["dept-a>dept-b>request.decided>approved"]);
        }
        var report = await flow.Owner.GetJsonAsync(Query(since, until, "minute") + "&kind=request.decided");
        var decided = report.GetProperty("pairs").EnumerateArray().Single(p => p.GetProperty("fromDepartment").GetString() == "dept-a"
            && p.GetProperty("outcome").GetString() == "approved");
        decided.GetProperty("latency").GetProperty("count").GetInt64().ShouldBe(decided.GetProperty("count").GetInt64());
        decided.GetProperty("latency").GetProperty("p95Ms").GetDouble().ShouldBeGreaterThan(0);

        // dept-b's node heard the broadcasts too: the same published records and decisions.
        var requester = await Eventually.Until(() => CountsAsync(flow.Requester, since, until),
            now => now.GetValueOrDefault("dept-a>dept-b>request.decided>approved") >= 2, Patience, "dept-b's traffic");
        requester.GetValueOrDefault("dept-a>*>record.published>ok").ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Traffic_rejects_unknown_buckets_and_ranges_too_long_for_their_bucket()
    {
        using var http = await platform.DeptA.HttpAsync();
        using var week = await http.GetAsync("api/audit/traffic?bucket=week");
        week.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await week.ReadJsonAsync()).GetProperty("errors").TryGetProperty("bucket", out _).ShouldBeTrue();
        using var tooLong = await http.GetAsync("api/audit/traffic?bucket=minute&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z");
        tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooLong.ReadJsonAsync()).GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();
        using var month = await http.GetAsync("api/audit/kpis/report?month=March&format=pdf");
        month.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await month.ReadJsonAsync()).GetProperty("errors");
        errors.TryGetProperty("month", out _).ShouldBeTrue();
        errors.TryGetProperty("format", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Kpis_match_a_scenario_with_known_answers_and_rank_the_departments()
    {
        var suffix = RandomNumberGenerator.GetHexString(6, true);
        var (slow, fast, requester) = ($"kpi-slow-{suffix}", $"kpi-fast-{suffix}", $"kpi-req-{suffix}");
        var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        DateTimeOffset At(int day, int hour) => march.AddDays(day - 1).AddHours(hour);

        // slow: 3 requests in March: approved after 2 h, rejected after 6 h, one left pending past its deadline (overdue);
        // one more in April that March must not count. fast: 1 request approved after 1 h, on time.
        var (r1, r2, r3, r4, r5) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var messages = new List<AccessRequestTracked>
        {
            new(r1, slow, requester, TrackedStatus.Submitted, At(2, 0), null, false, At(2, 0)),
            new(r1, slow, requester, TrackedStatus.PendingReview, At(2, 0), At(12, 0), false, At(2, 0)),
            new(r1, slow, requester, TrackedStatus.Approved, At(2, 0), At(12, 0), false, At(2, 2)),
            new(r2, slow, requester, TrackedStatus.Rejected, At(3, 0), At(13, 0), false, At(3, 6)), // decision before submission: out of order
            new(r2, slow, requester, TrackedStatus.Submitted, At(3, 0), null, false, At(3, 0)),
            new(r3, slow, requester, TrackedStatus.Submitted, At(4, 0), null, false, At(4, 0)),
            new(r3, slow, requester, TrackedStatus.PendingReview, At(4, 0), At(5, 0), false, At(4, 0)),
            new(r3, slow, requester, TrackedStatus.Overdue, At(4, 0), At(5, 0), false, At(5, 0)),
            new(r4, slow, requester, TrackedStatus.Submitted, At(32, 0), null, false, At(32, 0)),
            new(r5, fast, requester, TrackedStatus.Submitted, At(10, 0), null, false, At(10, 0)),
            new(r5, fast, requester, TrackedStatus.Approved, At(10, 0), At(20, 0), false, At(10, 1)),
        };
        var complete = Metadata("A012", "关于开展2023年度档案数字化工作的通知", "unconditional");
        var sparse = Metadata("A012", "通知", "conditional") with { Keywords = [], Description = null };
        var records = new[] { (Guid.NewGuid(), complete), (Guid.NewGuid(), sparse) };

        // Each department on the exchange signs as itself: the authority enrols the scenario's departments.
        var signers = new[] { slow, fast }.ToDictionary(d => d, platform.EnrolOutsider);
        await platform.PublishAsAsync("dept-a", async bus =>
        {
            foreach (var message in messages) await bus.Publish(message, context => signers[message.OwnerDepartment].Sign(context), TestContext.Current.CancellationToken);
            // A redelivery (same message id) changes nothing.
            var again = Guid.NewGuid();
            for (var i = 0; i < 2; i++)
            {
                await bus.Publish(new AccessRequestTracked(r5, fast, requester, TrackedStatus.Submitted, At(10, 0), null, false, At(10, 0)),
                    context => { context.MessageId = again; signers[fast].Sign(context); }, TestContext.Current.CancellationToken);
            }
            foreach (var (id, metadata) in records)
            {
                await bus.Publish(new RecordAnnouncementBatch(slow, [new RecordEventEntry(Guid.NewGuid(), Published: new RecordPublished(id, slow, 1, metadata, At(6, 0)))]),
                    context => signers[slow].Sign(context), TestContext.Current.CancellationToken);
            }
        });

        using var http = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var report = await Eventually.Until(() => http.GetJsonAsync("api/audit/kpis?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"),
            r => Department(r, slow) is { } d && d.GetProperty("requestsReceived").GetInt64() == 3 && d.GetProperty("requestsAnswered").GetInt64() == 2
                 && d.GetProperty("recordsPublished").GetInt64() == 2
                 && Department(r, fast) is { } f && f.GetProperty("requestsAnswered").GetInt64() == 1,
            Patience, "dept-a's KPIs of the scenario");

        var kpis = Department(report, slow)!.Value;
        kpis.GetProperty("requestsOverdue").GetInt64().ShouldBe(1);
        kpis.GetProperty("requestsPending").GetInt64().ShouldBe(1);
        kpis.GetProperty("approvalRate").GetDouble().ShouldBe(0.5);
        kpis.GetProperty("onTimeRate").GetDouble().ShouldBe(0.6667);
        kpis.GetProperty("medianDecisionHours").GetDouble().ShouldBe(4);
        kpis.GetProperty("p90DecisionHours").GetDouble().ShouldBe(5.6);
        kpis.GetProperty("recordsBySharing").GetProperty("unconditional").GetInt64().ShouldBe(1);
        kpis.GetProperty("sharingShare").GetProperty("conditional").GetDouble().ShouldBe(0.5);
        var scores = records.Select(r => QualityScore.Of(r.Item2, new DateOnly(2026, 3, 6)).Score).ToArray();
        kpis.GetProperty("averageQuality").GetDouble().ShouldBe(Math.Round(scores.Average(), 1));
        var fastKpis = Department(report, fast)!.Value;
        fastKpis.GetProperty("requestsReceived").GetInt64().ShouldBe(1);
        fastKpis.GetProperty("medianDecisionHours").GetDouble().ShouldBe(1);
        fastKpis.GetProperty("rank").GetInt32().ShouldBeLessThan(kpis.GetProperty("rank").GetInt32());

        // Traffic of the same scenario, by day: 3 submissions to slow in March, one decision each way, one overdue.
        using var operatorHttp = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Operator]);
        var traffic = await operatorHttp.GetJsonAsync($"api/audit/traffic?bucket=day&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&department={slow}");
        var pairs = traffic.GetProperty("pairs").EnumerateArray().ToDictionary(Key, p => p);
        pairs[$"{requester}>{slow}>request.submitted>ok"].GetProperty("count").GetInt64().ShouldBe(3);
        pairs[$"{slow}>{requester}>request.decided>approved"].GetProperty("latency").GetProperty("maxMs").GetDouble().ShouldBe(2 * 3600_000);
        pairs[$"{slow}>{requester}>request.decided>rejected"].GetProperty("count").GetInt64().ShouldBe(1);
        pairs[$"{slow}>{requester}>request.overdue>overdue"].GetProperty("count").GetInt64().ShouldBe(1);

        // The monthly report: CSV (with BOM, Chinese and English headings) and a printable page.
        using var csv = await http.GetAsync("api/audit/kpis/report?month=2026-03&format=csv");
        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("排名 rank,部门 department");
        var line = lines.Single(l => l.Contains(slow, StringComparison.Ordinal)).TrimEnd('\r').Split(',');
        line[1].ShouldBe(slow);
        line[11].ShouldBe("3");
        line[13].ShouldBe("1");
        line[17].ShouldBe("4");
        using var page = await http.GetAsync("api/audit/kpis/report?month=2026-03&format=html");
        var html = await page.Content.ReadAsStringAsync();
        html.ShouldContain("<meta charset=\"utf-8\">");
        html.ShouldContain("共享绩效月报");
        html.ShouldContain(slow);
    }

    private static JsonElement? Department(JsonElement report, string department) =>
        report.GetProperty("departments").EnumerateArray().Where(d => d.GetProperty("department").GetString() == department)
            .Select(d => (JsonElement?)d).SingleOrDefault();

    private static RecordMetadata Metadata(string fonds, string title, string sharing) => new(
        $"OA-{Guid.NewGuid():N}", fonds, $"{fonds}-2023-Y-0001", title, "市档案局办公室", new DateOnly(2023, 5, 8), "档发〔2023〕12号",
        "permanent", "public", "administrative", ["档案"], "示例", sharing);

    private static string Query(DateTimeOffset from, DateTimeOffset to, string bucket) =>
        $"api/audit/traffic?bucket={bucket}&from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}";

    private static string Key(JsonElement pair) =>
        $"{pair.GetProperty("fromDepartment").GetString()}>{pair.GetProperty("toDepartment").GetString()}>{pair.GetProperty("kind").GetString()}>{pair.GetProperty("outcome").GetString()}";

    private static async Task<Dictionary<string, long>> CountsAsync(HttpClient http, DateTimeOffset from, DateTimeOffset to, string bucket = "minute")
    {
        var report = await http.GetJsonAsync(Query(from, to, bucket));
        return report.GetProperty("pairs").EnumerateArray().ToDictionary(Key, p => p.GetProperty("count").GetInt64());
    }
}
