using Platform.Tests.Infrastructure;
using Platform.Benchmarks;
using Platform.Benchmarks.Scenarios;

// deploy/local/platform bench [--quick] [--only <text>[,<text>…]]: starts two nodes on the run's servers, runs every scenario,
// prints one table and writes it as Markdown and JSON under .local/bench/.
var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var postgres = Environment.GetEnvironmentVariable("PLATFORM_TEST_POSTGRES")
    ?? throw new InvalidOperationException("PLATFORM_TEST_POSTGRES is not set: run through `deploy/local/platform bench`.");
var rabbit = new Uri(Environment.GetEnvironmentVariable("PLATFORM_TEST_RABBITMQ")
    ?? throw new InvalidOperationException("PLATFORM_TEST_RABBITMQ is not set: run through `deploy/local/platform bench`."));

IScenario[] scenarios =
[
    new MemoryScenario("idle", settle: true),
    new GatewayOverheadScenario(),
    new ExternalTokenScenario(),
    new SinglePushIngestionScenario(),
    new MessageSigningScenario(),
    new EventThroughputScenario(),
    new BatchIngestionScenario(),
    new SearchLatencyScenario(),
    new WebhookDeliveryScenario(),
    new AccessRequestScenario(),
    new BulkRequestScenario(),
    new ReviewDecisionScenario(),
    new AuditAppendScenario(),
    new AuditVerifyScenario(),
    new TrafficQueryScenario(),
    new MixedLoadScenario(),
    new MemoryScenario("after load"),
];

var total = System.Diagnostics.Stopwatch.StartNew();
await using var run = new BenchmarkRun(postgres, rabbit, quick);
Console.WriteLine($"Benchmark {run.RunId} ({(quick ? "quick" : "full")}) on {Environment.ProcessorCount} cores; starting two nodes…");
await run.StartNodesAsync();
await Task.Delay(TimeSpan.FromSeconds(5)); // let start-up work settle before the idle reading

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 10 : 60));
// --only takes one name part or several separated by commas (e.g. `--only memory,events,batches`).
var onlyParts = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
foreach (var scenario in scenarios.Where(s => onlyParts is null ? !quick || s.InQuickRun : onlyParts.Any(part => s.Name.Contains(part, StringComparison.OrdinalIgnoreCase))))
{
    Console.WriteLine($"== {scenario.Name}");
    var took = System.Diagnostics.Stopwatch.StartNew();
    try
    {
        await scenario.RunAsync(run, cancel.Token);
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"   {scenario.Name} failed: {ex.Message}");
        run.Add(new Figure(scenario.Name, "FAILED: " + ex.Message, double.NaN, ""));
    }
    Console.WriteLine($"   ({took.Elapsed.TotalSeconds:N0} s)");
}
run.Add(new Figure("run", "wall time from node start to the last scenario (excludes build and infrastructure start)",
    total.Elapsed.TotalSeconds, "s", Target: quick ? "whole command < 180 s" : null));

var output = ResultWriter.Write(run, Path.Combine(Repository.Root, ".local", "bench"));
Console.WriteLine();
Console.WriteLine(File.ReadAllText(output.Markdown));
Console.WriteLine($"Written to {output.Markdown} and {output.Json}");
return run.Figures.Any(f => double.IsNaN(f.Value)) ? 1 : 0;
