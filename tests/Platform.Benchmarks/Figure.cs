using System.Globalization;

namespace Platform.Benchmarks;

/// <summary>
/// One measured figure, with the raw baseline measured in the same run where there is one, and the target
/// the issue sets. Ratio = value / baseline.
/// </summary>
public sealed record Figure(
    string Scenario,
    string Metric,
    double Value,
    string Unit,
    string? Baseline = null,
    double? BaselineValue = null,
    string? Target = null)
{
    public double? Ratio => BaselineValue is > 0 ? Value / BaselineValue : null;

    public static string Format(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("N1", CultureInfo.InvariantCulture),
        _ => value.ToString("N2", CultureInfo.InvariantCulture),
    };
}
