using System.Diagnostics;
using System.Net;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>SIGTERM drains what is in flight; a service started before its database and broker waits for them.</summary>
public sealed class ShutdownAndStartupTests(TestInfrastructure infrastructure)
{
    [Fact]
    public async Task SIGTERM_lets_an_in_flight_batch_finish_and_the_service_exits_by_itself()
    {
        var runId = $"s{Guid.NewGuid():N}"[..9];
        var vhost = await infrastructure.CreateVirtualHostAsync(runId);
        await using var node = await PlatformNode.StartAsync(infrastructure, "dept-a", runId, vhost);
        using var http = await node.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(2);
        var records = Enumerable.Range(0, 300).Select(_ => Records.Valid()).ToArray();

        // The client uploads half the batch, SIGTERM reaches the catalogue while it is receiving the request, then the
        // rest follows: the request is in flight at the service for certain, whatever the machine's load.
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { records }, System.Text.Json.JsonSerializerOptions.Web);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var content = new PausedContent(body, resume.Task);
        var batch = Task.Run(async () =>
        {
            using var response = await http.PostAsync("api/catalogue/records/batch", content);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        });
        await content.HalfSent.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        using var catalogue = Process.GetProcessById(node.ProcessIds["catalogue"]);
        await SignalAsync(catalogue.Id, "TERM");
        await Task.Delay(TimeSpan.FromSeconds(1));
        catalogue.HasExited.ShouldBeFalse("the catalogue waits for the request in flight");
        resume.SetResult();

        var (status, responseBody) = await batch;
        status.ShouldBe(HttpStatusCode.OK, responseBody);
        await catalogue.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(45));

        // Every acknowledged record is there after a restart, and re-sending the batch changes nothing.
        await node.KillAsync("catalogue");
        node.Start("catalogue");
        await node.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));
        var ids = System.Text.Json.JsonDocument.Parse(responseBody).RootElement.GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("record").GetProperty("id").GetString()!).ToList();
        ids.Count.ShouldBe(records.Length);
        foreach (var id in ids.Take(20)) (await http.GetAsync($"api/catalogue/records/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var again = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        (await again.ReadJsonAsync()).GetProperty("results").EnumerateArray()
            .ShouldAllBe(r => r.GetProperty("record").GetProperty("outcome").GetString() == "unchanged");
        // The events of the drained batch were kept in the outbox and are announced (and audited) once.
        await Eventually.Until(
            async () => (await http.GetJsonAsync("api/audit/entries?action=record.published&limit=1000")).GetProperty("items").GetArrayLength(),
            count => count >= records.Length, TimeSpan.FromMinutes(3), "the batch's events audited");
        (await http.GetJsonAsync("api/audit/entries?action=record.published&limit=1000")).GetProperty("items").GetArrayLength().ShouldBe(records.Length);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_service_started_before_its_database_and_broker_waits_for_them_instead_of_crashing()
    {
        await using var postgres = await PostgresServer.StartNewAsync();
        await using var broker = await RabbitMqServer.StartNewAsync();
        var runId = $"u{Guid.NewGuid():N}"[..9];
        await using var node = await PlatformNode.StartAsync(postgres, "dept-a", runId, broker.Uri);

        await node.KillAsync("catalogue");
        await postgres.StopAsync();
        await broker.StopAsync();
        node.Start("catalogue");

        await Task.Delay(TimeSpan.FromSeconds(15));
        using var catalogue = Process.GetProcessById(node.ProcessIds["catalogue"]);
        catalogue.HasExited.ShouldBeFalse("the catalogue must wait for its database and broker, not exit");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = await IsReadyAsync(probe, node.ServiceUrl("catalogue"));
        ready.ShouldBeFalse("not ready without its database and broker");

        await postgres.StartAsync();
        await broker.StartAsync();
        await node.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));

        using var http = await node.HttpAsync();
        using var pushed = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created, await pushed.Content.ReadAsStringAsync());
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString();
        // The bus came up after the service did: the push's event still goes out.
        await Eventually.Until(
            async () => (await http.GetJsonAsync($"api/audit/entries?subject={id}&action=record.published")).GetProperty("items").GetArrayLength(),
            count => count == 1, TimeSpan.FromMinutes(3), "the record audited");
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, Uri service)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(service, "health/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>A JSON body sent in two halves, the second once the task it is given completes.</summary>
    private sealed class PausedContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly Task _resume;
        private readonly TaskCompletionSource _halfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PausedContent(byte[] body, Task resume)
        {
            (_body, _resume) = (body, resume);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public Task HalfSent => _halfSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var half = _body.Length / 2;
            await stream.WriteAsync(_body.AsMemory(0, half));
            await stream.FlushAsync();
            _halfSent.TrySetResult();
            await _resume;
            await stream.WriteAsync(_body.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        await kill.WaitForExitAsync();
        kill.ExitCode.ShouldBe(0);
    }
}
