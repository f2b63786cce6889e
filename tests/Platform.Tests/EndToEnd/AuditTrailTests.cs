using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>API calls and denials in the audit log, and an export checked offline with exactly the commands in docs/AUDIT.md.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed partial class AuditTrailTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_state_changing_call_is_audited_with_client_department_roles_result_and_trace_id()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        // Only this push's entry: other tests of the collection push with the same client (a batch push's entry, already
        // there, used to be found before this one's arrived).
        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O"));
        using var pushed = await deptA.PostJsonAsync("api/catalogue/records", Records.Valid());
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created);

        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var entry = await Eventually.Until(
            () => FindAsync(auditor, $"actor={platform.DeptA.Client.Id}&action=api.catalogue.post&subject=%2Fapi%2Fcatalogue%2Frecords&from={since}"),
            found => found is not null, Patience, "the audited push");
        entry!.Value.GetProperty("department").GetString().ShouldBe("dept-a");
        entry.Value.GetProperty("subject").GetString().ShouldBe("/api/catalogue/records");
        entry.Value.GetProperty("outcome").GetString().ShouldBe("ok");
        entry.Value.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
        var details = JsonDocument.Parse(entry.Value.GetProperty("details").GetString()!).RootElement;
        details.GetProperty("status").GetInt32().ShouldBe(201);
        details.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldContain("publisher");
    }

    [Fact]
    public async Task Denied_calls_are_audited_with_who_was_denied()
    {
        using var auditorOnly = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        using var forbidden = await auditorOnly.PostJsonAsync("api/catalogue/records", Records.Valid());
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // Straight at the service, past the gateway, without a token: the service itself refuses and records it.
        using var anonymous = new HttpClient { BaseAddress = platform.DeptA.ServiceUrl("sharing") };
        using var unauthorized = await anonymous.GetAsync("api/sharing/records");
        unauthorized.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var denied = await Eventually.Until(
            () => FindAsync(auditorOnly, $"actor={platform.DeptA.AuditorClient.Id}&action=api.catalogue.post"),
            found => found is not null, Patience, "the audited 403");
        denied!.Value.GetProperty("outcome").GetString().ShouldBe("denied");
        JsonDocument.Parse(denied.Value.GetProperty("details").GetString()!).RootElement.GetProperty("status").GetInt32().ShouldBe(403);

        var anonymousEntry = await Eventually.Until(
            () => FindAsync(auditorOnly, "actor=anonymous&action=api.sharingpolicy.get"),
            found => found is not null, Patience, "the audited 401");
        anonymousEntry!.Value.GetProperty("outcome").GetString().ShouldBe("denied");
    }

    [Fact]
    public async Task An_export_verifies_offline_with_the_documented_commands_and_a_changed_line_does_not()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        using (var pushed = await deptA.PostJsonAsync("api/catalogue/records", Records.Valid())) pushed.EnsureSuccessStatusCode();
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        await Eventually.Until(() => FindAsync(auditor, $"actor={platform.DeptA.Client.Id}"), found => found is not null, Patience, "an entry");

        var work = Directory.CreateTempSubdirectory("audit-export-");
        File.Copy(Path.Combine(Repository.Root, "docs", "audit", "verify-chain.py"), Path.Combine(work.FullName, "verify-chain.py"));
        var (exit, output) = await BashAsync(DocumentedCommands(), work.FullName, await platform.DeptA.TokenAsync(platform.DeptA.AuditorClient));
        exit.ShouldBe(0, output);
        output.ShouldContain("Verified OK");
        output.ShouldMatch(@"chain OK: entries 1\.\.\d+");

        // The same check fails once one exported line is altered, or the manifest is.
        var lines = await File.ReadAllLinesAsync(Path.Combine(work.FullName, "entries.jsonl"));
        // The log also holds peers' events, so alter the first line that names any department.
        var altered = Array.FindIndex(lines, line => line.Contains("\"dept-", StringComparison.Ordinal));
        lines[altered] = lines[altered].Replace("\"dept-", "\"dopt-", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(Path.Combine(work.FullName, "entries.jsonl"), lines);
        var (chainExit, chainOutput) = await BashAsync("python3 verify-chain.py manifest.json entries.jsonl", work.FullName, "");
        chainExit.ShouldNotBe(0);
        chainOutput.ShouldContain("FAIL");
        var manifest = await File.ReadAllTextAsync(Path.Combine(work.FullName, "manifest.json"));
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "manifest.json"), manifest.Replace("\"entries\":", "\"entries\":1", StringComparison.Ordinal));
        var (signatureExit, _) = await BashAsync("openssl dgst -sha256 -verify node-key.pem -signature manifest.sig manifest.json", work.FullName, "");
        signatureExit.ShouldNotBe(0);
        work.Delete(recursive: true);
    }

    private static string DocumentedCommands()
    {
        var doc = File.ReadAllText(Path.Combine(Repository.Root, "docs", "AUDIT.md"));
        return OfflineBlock().Match(doc) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException("docs/AUDIT.md has no offline-verification bash block.");
    }

    [GeneratedRegex(@"<!-- offline-verification -->\s*```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex OfflineBlock();

    private async Task<(int Exit, string Output)> BashAsync(string script, string directory, string token)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["GATEWAY"] = platform.DeptA.Gateway.ToString().TrimEnd('/');
        start.Environment["TOKEN"] = token;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<JsonElement?> FindAsync(HttpClient auditor, string query)
    {
        var page = await auditor.GetJsonAsync($"api/audit/entries?{query}&limit=1000");
        return page.GetProperty("items").EnumerateArray().Select(e => (JsonElement?)e).LastOrDefault();
    }
}
