using System.Net;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>
/// The exchange hub unreachable (every federation link and shovel through it down) in the middle of a large ingest: the
/// owner goes on accepting, and once the hub is back every record reaches the other departments exactly once.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class HubOutageTests(TwoNodePlatform platform)
{
    private const int Batches = 20;
    private const int BatchSize = 500;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_hub_down_during_a_10000_record_ingest_every_record_reaches_the_other_departments_once()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var http = await platform.DeptA.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(2);
        var acknowledged = new List<string>();
        try
        {
            for (var b = 0; b < Batches; b++)
            {
                if (b == 4) platform.Hub.Cut();
                // The hub stays away for a stretch of the ingest: the departments keep working on their own brokers.
                if (b == 14) platform.Hub.Restore();
                var records = Enumerable.Range(0, BatchSize).Select(_ => Records.Valid()).ToArray();
                using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
                response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(cancel));
                var results = (await response.ReadJsonAsync()).GetProperty("results").EnumerateArray().ToList();
                results.ShouldAllBe(r => r.GetProperty("status").GetString() == "accepted");
                acknowledged.AddRange(results.Select(r => r.GetProperty("record").GetProperty("id").GetString()!));
                if (b == 8)
                {
                    // Nothing of the last batches has crossed yet.
                    (await platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [.. acknowledged[^BatchSize..]]))
                        .ShouldBe(0, "no record crosses while the hub is away");
                }
            }
        }
        finally
        {
            platform.Hub.Restore();
        }

        acknowledged.Count.ShouldBe(Batches * BatchSize);
        var ids = acknowledged.ToArray();
        var patience = TimeSpan.FromMinutes(8);
        foreach (var node in new[] { platform.DeptB, platform.DeptC })
        {
            await Eventually.Until(() => node.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", ids),
                count => count == ids.Length, patience, $"every record federated at {node.Id}");
            await Eventually.Until(() => node.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids),
                count => count >= ids.Length, patience, $"every record audited at {node.Id}");
            (await node.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids))
                .ShouldBe(ids.Length, $"no record audited twice at {node.Id}");
        }
        await Eventually.Until(() => platform.DeptA.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids),
            count => count == ids.Length, patience, "every record audited once at dept-a");
    }
}
