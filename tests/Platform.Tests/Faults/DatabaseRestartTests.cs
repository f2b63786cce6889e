using System.Diagnostics;
using System.Net;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>PostgreSQL restarted under a running node with load on it: fail fast with 503 while it is down, recover by itself, lose nothing.</summary>
public sealed class DatabaseRestartTests(TestInfrastructure infrastructure)
{
    [Fact]
    public async Task While_the_database_is_down_under_load_pushes_fail_fast_with_503_and_after_it_returns_nothing_acknowledged_is_lost()
    {
        await using var postgres = await PostgresServer.StartNewAsync();
        var runId = $"f{Guid.NewGuid():N}"[..9];
        var vhost = await infrastructure.CreateVirtualHostAsync(runId);
        await using var node = await PlatformNode.StartAsync(postgres, "dept-a", runId, vhost);
        using var http = await node.HttpAsync();

        var acknowledged = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var pushed = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
            pushed.StatusCode.ShouldBe(HttpStatusCode.Created);
            acknowledged.Add((await pushed.ReadJsonAsync()).GetProperty("id").GetString()!);
        }

        // Load keeps coming while the database goes away and comes back: each push is acknowledged (201) or refused
        // fast with a 503 problem, never left hanging and never a 500.
        using var stopLoad = new CancellationTokenSource();
        var unexpected = new List<string>();
        var refusedUnderLoad = 0;
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var client = await node.HttpAsync();
            while (!stopLoad.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    using var response = await client.PostJsonAsync("api/catalogue/records", Records.Valid());
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var id = (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
                        lock (acknowledged) acknowledged.Add(id);
                    }
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable
                             && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                             && watch.Elapsed < TimeSpan.FromSeconds(10))
                    {
                        Interlocked.Increment(ref refusedUnderLoad);
                        await Task.Delay(200);
                    }
                    else
                    {
                        lock (unexpected) unexpected.Add($"{(int)response.StatusCode} after {watch.Elapsed.TotalSeconds:0.0} s");
                    }
                }
                catch (HttpRequestException ex)
                {
                    // No answer: the client does not know, and may send it again (pushes are idempotent).
                    lock (unexpected) unexpected.Add($"no answer: {ex.Message}");
                }
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(3));

        await postgres.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var refused = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "a request while the database is down must not hang");
            refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            refused.Headers.RetryAfter.ShouldNotBeNull();
        }
        await Task.Delay(TimeSpan.FromSeconds(3));

        await postgres.StartAsync();
        var retried = await Eventually.Until(async () =>
        {
            var response = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
            return response;
        }, response => response.StatusCode == HttpStatusCode.Created, TimeSpan.FromSeconds(60), "pushes to succeed again");
        acknowledged.Add((await retried.ReadJsonAsync()).GetProperty("id").GetString()!);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);
        unexpected.ShouldBeEmpty();
        refusedUnderLoad.ShouldBeGreaterThan(0, "the load saw the outage");

        foreach (var id in acknowledged)
        {
            (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("id").GetString().ShouldBe(id);
        }
        // Every acknowledged push is announced and audited once the database is back.
        await Eventually.Until(
            async () => (await http.GetJsonAsync("api/audit/entries?action=record.published&limit=1000")).GetProperty("items").GetArrayLength(),
            count => count >= acknowledged.Count, TimeSpan.FromSeconds(300), "every acknowledged record audited");
        var audited = (await http.GetJsonAsync("api/audit/entries?action=record.published&limit=1000")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("subject").GetString()!).ToList();
        audited.Count.ShouldBe(audited.Distinct().Count(), "no record audited twice");
        acknowledged.ShouldAllBe(id => audited.Contains(id));
    }
}
