using System.Globalization;

namespace Platform.Authority;

/// <summary>A command's arguments: <c>--name value</c> options and the positional rest.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = [];

    public CommandLine(IEnumerable<string> arguments)
    {
        using var each = arguments.GetEnumerator();
        while (each.MoveNext())
        {
            var argument = each.Current;
            if (argument.StartsWith("--", StringComparison.Ordinal))
            {
                var name = argument[2..];
                _options[name] = each.MoveNext() ? each.Current : throw new ArgumentException($"--{name} needs a value.");
            }
            else
            {
                Positional.Add(argument);
            }
        }
    }

    public List<string> Positional { get; } = [];

    public string? Optional(string name) => _options.GetValueOrDefault(name);

    public string Required(string name) => Optional(name) ?? throw new ArgumentException($"--{name} is required.");

    public int? Number(string name) => Optional(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
