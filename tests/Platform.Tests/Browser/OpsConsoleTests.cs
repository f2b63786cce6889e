using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;
using Platform.Contracts;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Browser;

/// <summary>The ops console in headless Chromium (Debian's package, driven by Playwright) against the two running nodes.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class OpsConsoleTests(TwoNodePlatform platform)
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Screenshots land here (deploy/local/platform test creates it), to look at after a run.</summary>
    private static readonly string Artifacts = Path.Combine(Repository.Root, ".local", "test-artifacts");

    [Fact]
    public async Task Console_signs_in_and_shows_the_traffic_the_test_produced()
    {
        File.Exists(Chromium).ShouldBeTrue("Chromium is missing: deploy/local/platform test installs Debian's chromium package.");
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var request = await flow.RequestAsync(recordId, "运维控制台浏览器测试 console test");
        await flow.GrantIdAsync(request.GetProperty("id").GetString()!);
        var submitted = await Eventually.Until(() => SubmittedAsync(flow.Owner), count => count >= 1, SharingFlow.Patience, "the request in dept-a's traffic");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { Locale = "zh-CN", ViewportSize = new() { Width = 1400, Height = 2400 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };

        await page.GotoAsync(new Uri(platform.DeptA.Gateway, "console").ToString());
        (await page.TitleAsync()).ShouldBe("运维控制台");
        await page.FillAsync("#client-id", platform.DeptA.Client.Id);
        await page.FillAsync("#client-secret", "wrong secret");
        await page.ClickAsync("#signin button[type=submit]");
        await Until(() => page.TextContentAsync("#signin-error"), text => text?.Contains("登录失败", StringComparison.Ordinal) == true, "the sign-in error");
        errors.Clear(); // the browser logs the token endpoint's refusal as a failed resource

        await page.FillAsync("#client-secret", platform.DeptA.Client.Secret);
        await page.ClickAsync("#signin button[type=submit]");
        var cell = page.Locator("#traffic-matrix tbody tr[data-from='dept-b'] td[data-to='dept-a']");
        var shown = await Until(async () => await cell.CountAsync() == 1 ? await cell.TextContentAsync() : null,
            text => long.TryParse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) && n >= submitted, "dept-b → dept-a in the matrix");
        long.Parse(shown!, NumberStyles.AllowThousands, CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(submitted);

        await Until(() => page.TextContentAsync("#services tbody"), text => text?.Contains("catalogue", StringComparison.Ordinal) == true, "the services table");
        (await page.Locator("#services tbody tr").CountAsync()).ShouldBe(5);
        (await page.Locator("#services tbody .ok").CountAsync()).ShouldBe(5);
        // Messages the node refused and quarantined, summed over its services (a count, zero or more).
        (await page.TextContentAsync("#messages-rejected") ?? "").ShouldMatch(@"^[0-9,]+$");
        await Until(() => page.TextContentAsync("#peers tbody"), text => text?.Contains("dept-b", StringComparison.Ordinal) == true, "dept-b among the peers");
        await Until(() => page.TextContentAsync("#queues tbody"), text => text?.Contains("dept-a.audit", StringComparison.Ordinal) == true, "the node's queues");
        await Until(() => page.TextContentAsync("#audit-chain"), text => text == "完整", "the audit chain status");
        await Until(() => page.TextContentAsync("#kpis tbody"), text => text?.Contains("dept-a", StringComparison.Ordinal) == true, "the KPI table");
        (await page.EvaluateAsync<bool>("() => Chart.getChart('traffic-chart') !== undefined && Chart.getChart('queue-chart') !== undefined")).ShouldBeTrue();

        Directory.CreateDirectory(Artifacts);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "ops-console-zh.png"), FullPage = true });

        await page.ClickAsync("#lang");
        (await page.TextContentAsync("h1 [data-i18n=title]")).ShouldBe("Ops console");
        await Until(() => page.TextContentAsync("#audit-chain"), text => text == "intact", "the audit chain status in English");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "ops-console-en.png"), FullPage = true });
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ops_overview_reports_services_peers_and_queues_to_operators_only()
    {
        using var operatorHttp = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Operator]);
        var overview = await Eventually.Until(() => operatorHttp.GetJsonAsync("api/ops/overview"),
            o => o.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("department").GetString() == "dept-b"), SharingFlow.Patience,
            "dept-b among dept-a's peers");
        var services = overview.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s);
        services.Keys.Order().ShouldBe(["audit", "catalogue", "gateway", "notify", "sharing"]);
        services.Values.ShouldAllBe(s => s.GetProperty("status").GetString() == "Healthy");
        var queues = overview.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToList();
        queues.ShouldContain(q => q.StartsWith("dept-a.audit.", StringComparison.Ordinal));
        queues.ShouldAllBe(q => q.StartsWith("dept-a.", StringComparison.Ordinal));

        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        (await auditor.GetAsync("api/ops/overview")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var anonymous = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        (await anonymous.GetAsync("api/ops/overview")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var otherDepartment = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        otherDepartment.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await platform.DeptB.TokenAsync());
        (await otherDepartment.GetAsync("api/ops/overview")).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
    }

    private static async Task<long> SubmittedAsync(HttpClient owner)
    {
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-59).ToString("O", CultureInfo.InvariantCulture));
        var report = await owner.GetJsonAsync($"api/audit/traffic?bucket=minute&from={from}&to={to}&kind=request.submitted");
        return report.GetProperty("pairs").EnumerateArray().Where(p => p.GetProperty("fromDepartment").GetString() == "dept-b")
            .Sum(p => p.GetProperty("count").GetInt64());
    }

    private static Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, string what) =>
        Eventually.Until(probe, done, TimeSpan.FromSeconds(45), what);
}
