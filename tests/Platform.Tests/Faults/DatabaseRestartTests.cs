using System.Diagnostics;
using System.Net;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>PostgreSQL restarted under a running node: fail fast with 503 while it is down, recover by itself, lose nothing.</summary>
public sealed class DatabaseRestartTests(TestInfrastructure infrastructure)
{
    [Fact]
    public async Task While_the_database_is_down_pushes_fail_fast_with_503_and_after_it_returns_nothing_acknowledged_is_lost()
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

        await postgres.StartAsync();
        var retried = await Eventually.Until(async () =>
        {
            var response = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
            return response;
        }, response => response.StatusCode == HttpStatusCode.Created, TimeSpan.FromSeconds(60), "pushes to succeed again");
        acknowledged.Add((await retried.ReadJsonAsync()).GetProperty("id").GetString()!);

        foreach (var id in acknowledged)
        {
            (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("id").GetString().ShouldBe(id);
        }
        // Every acknowledged push is announced and audited once the database is back.
        await Eventually.Until(
            async () => (await http.GetJsonAsync("api/audit/entries?action=record.published&limit=1000")).GetProperty("items").GetArrayLength(),
            count => count >= acknowledged.Count, TimeSpan.FromSeconds(300), "every acknowledged record audited");
        (await http.GetJsonAsync("api/audit/entries?action=record.published&limit=1000")).GetProperty("items").GetArrayLength().ShouldBe(acknowledged.Count);
    }
}
