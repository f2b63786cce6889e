using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Monitoring;

/// <summary>
/// deploy/prometheus: the alert rules pass promtool, and Debian's Prometheus, configured by the same script that
/// `deploy/local/platform up --monitoring` uses, scrapes every process of both test nodes with the rules loaded.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class PrometheusTests(TwoNodePlatform platform)
{
    private static readonly string Rules = Path.Combine(Repository.Root, "deploy", "prometheus", "alerts.yml");

    [Fact]
    public async Task Alert_rules_pass_promtool()
    {
        var (code, output) = await RunAsync("promtool", "check", "rules", Rules);
        code.ShouldBe(0, output);
        output.ShouldContain("SUCCESS");
    }

    [Fact]
    public async Task Prometheus_scrapes_every_process_of_both_nodes_with_the_rules_loaded()
    {
        var directory = Directory.CreateTempSubdirectory("prometheus-test");
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        var specs = new[] { platform.DeptA, platform.DeptB }.Select(node => $"{node.Id}=" + string.Join(',',
            PlatformNode.Processes.Select(p => $"{p.Name}:{(p.Name == "gateway" ? node.Gateway : node.ServiceUrl(p.Name)).Port}")));
        var (written, writeOutput) = await RunAsync(Path.Combine(Repository.Root, "deploy", "prometheus", "write-config"), [config, Rules, .. specs]);
        written.ShouldBe(0, writeOutput);
        var (checkedConfig, checkOutput) = await RunAsync("promtool", "check", "config", config);
        checkedConfig.ShouldBe(0, checkOutput);

        var port = FreePort();
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus",
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}", $"--web.listen-address=127.0.0.1:{port}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var targets = await Eventually.Until(async () =>
            {
                try
                {
                    return (await http.GetJsonAsync("api/v1/targets")).GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
                }
                catch (HttpRequestException)
                {
                    return [];
                }
            }, t => t.Count == 10 && t.All(target => target.GetProperty("health").GetString() == "up"), TimeSpan.FromSeconds(90),
                "Prometheus to report all 10 targets up");
            targets.Select(t => t.GetProperty("labels").GetProperty("node").GetString()).Distinct().Order().ShouldBe(["dept-a", "dept-b"]);

            var rules = (await http.GetJsonAsync("api/v1/rules")).GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).Select(r => r.GetProperty("name").GetString()).ToList();
            rules.ShouldContain("ServiceDown");
            rules.ShouldContain("AuditVerificationFailed");

            // The platform's own gauges arrive: every service's outbox, and the gateway's view of the queues.
            var backlog = await Eventually.Until(() => QueryAsync(http, "platform_outbox_backlog"), r => r.Count == 8, TimeSpan.FromSeconds(60),
                "the outbox backlog of the 8 services");
            backlog.Select(r => r.GetProperty("metric").GetProperty("process").GetString()).Distinct().Order()
                .ShouldBe(["audit", "catalogue", "notification", "sharing"]);
            await Eventually.Until(() => QueryAsync(http, "platform_queue_messages_ready{node=\"dept-a\"}"), r => r.Count > 0, TimeSpan.FromSeconds(60),
                "dept-a's queue depths");
            await Eventually.Until(() => QueryAsync(http, "platform_audit_chain_length"), r => r.Count == 2, TimeSpan.FromSeconds(60),
                "both audit chains' length");
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }

    private static async Task<List<JsonElement>> QueryAsync(HttpClient http, string query) =>
        (await http.GetJsonAsync($"api/v1/query?query={Uri.EscapeDataString(query)}")).GetProperty("data").GetProperty("result").EnumerateArray().ToList();

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static int FreePort() => PlatformNode.FreePort();
}
