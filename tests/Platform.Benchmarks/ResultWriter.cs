using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Platform.Benchmarks;

/// <summary>Writes a run's figures as one Markdown table and as JSON, so runs can be compared.</summary>
public static class ResultWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerOptions.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static (string Markdown, string Json) Write(BenchmarkRun run, string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var markdown = Path.Combine(directory, $"bench-{stamp}.md");
        var json = Path.Combine(directory, $"bench-{stamp}.json");

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Benchmark {run.RunId}, {(run.Quick ? "quick" : "full")} run, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores")
            .AppendLine()
            .AppendLine("| scenario | metric | value | baseline (same run) | ratio | target |")
            .AppendLine("|---|---|---:|---|---:|---|");
        foreach (var f in run.Figures)
        {
            var baseline = f.BaselineValue is { } b ? $"{f.Baseline}: {Figure.Format(b)} {f.Unit}" : "";
            var ratio = f.Ratio is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "";
            table.AppendLine(CultureInfo.InvariantCulture, $"| {f.Scenario} | {f.Metric} | {Figure.Format(f.Value)} {f.Unit} | {baseline} | {ratio} | {f.Target} |");
        }
        File.WriteAllText(markdown, table.ToString());
        File.WriteAllText(json, JsonSerializer.Serialize(new { run.RunId, run.Quick, at = DateTime.UtcNow, figures = run.Figures },
            JsonOptions));
        return (markdown, json);
    }
}
