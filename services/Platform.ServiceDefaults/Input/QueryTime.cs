namespace Platform.ServiceDefaults.Input;

/// <summary>
/// The times a query may name: a year or more inside <see cref="DateTimeOffset"/>'s range, so the ranges and buckets
/// computed from them (an hour before, a month after) cannot leave it. 0001-01-01 is an answer of 400, not 500.
/// </summary>
public static class QueryTime
{
    public static readonly DateTimeOffset Earliest = new(2, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Latest = new(9998, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Records an error for each of <paramref name="times"/> outside the range, by parameter name.</summary>
    public static Dictionary<string, string[]> Errors(params ReadOnlySpan<(string Name, DateTimeOffset? Value)> times)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, value) in times)
        {
            if (value < Earliest || value > Latest) errors[name] = [$"Must be between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}."];
        }
        return errors;
    }
}
