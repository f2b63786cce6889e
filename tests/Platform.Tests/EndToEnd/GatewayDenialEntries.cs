using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Tests.EndToEnd;

/// <summary>The audit entries in which a node's gateway counted the calls it turned away from one source.</summary>
internal static class GatewayDenialEntries
{
    public const string Action = "api.gateway.denied";

    /// <summary>Waits (30 s at most) until the entries for <paramref name="source"/> satisfy <paramref name="until"/>.</summary>
    public static async Task<IReadOnlyList<JsonElement>> OfAsync(PlatformNode node, LoopbackSource source,
        Func<IReadOnlyList<JsonElement>, bool> until, string what)
    {
        using var auditor = await node.HttpAsync(node.AuditorClient);
        return await Eventually.Until(async () =>
        {
            var page = await auditor.GetJsonAsync($"api/audit/entries?action={Action}&subject={source}&limit=1000");
            return (IReadOnlyList<JsonElement>)[.. page.GetProperty("items").EnumerateArray()];
        }, until, TimeSpan.FromSeconds(30), what);
    }

    /// <summary>An entry's details (stored as JSON text).</summary>
    public static JsonElement Details(JsonElement entry)
    {
        using var details = JsonDocument.Parse(entry.GetProperty("details").GetString()!);
        return details.RootElement.Clone();
    }

    /// <summary>How many calls the entries counted for <paramref name="reason"/>.</summary>
    public static long Counted(IEnumerable<JsonElement> entries, string reason) =>
        entries.Select(Details).Where(d => d.GetProperty("reason").GetString() == reason).Sum(d => d.GetProperty("count").GetInt64());

    public static IEnumerable<string> Samples(JsonElement entry, string name) =>
        Details(entry).GetProperty(name).EnumerateArray().Select(e => e.GetString()!);
}
