using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Requests without credentials, or with a token that does not authenticate, are limited per source address (defaults:
/// 20 a second, bursts of 100), and the gateway audits what it turned away as counts per source, reason and window, so a
/// flood neither reaches the services nor grows the audit log by an entry per request.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AnonymousRateLimitTests(TwoNodePlatform platform)
{
    private const int Burst = 100;
    private const int PermitsPerSecond = 20;
    private const int Flood = 400;

    [Theory]
    [InlineData(null)]
    [InlineData("made-up-token")]
    public async Task An_anonymous_flood_gets_429_after_the_burst_while_clients_with_tokens_get_through_and_the_log_holds_counts(string? madeUpToken)
    {
        var token = await platform.DeptA.TokenAsync(platform.DeptA.RoleClients["requester"]);
        var source = LoopbackSource.New();
        using var anonymous = source.Client(platform.DeptA.Gateway);
        // A token that does not authenticate makes no difference: it draws on the same bucket.
        if (madeUpToken is not null) anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", madeUpToken);
        // Many at once: the bucket refills at 20 a second, faster than one request after another on a busy machine.
        using var inFlight = new SemaphoreSlim(32);
        (string? MediaType, TimeSpan? RetryAfter)? rejection = null;
        var started = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, Flood).Select(async _ =>
        {
            await inFlight.WaitAsync(TestContext.Current.CancellationToken);
            try
            {
                using var response = await anonymous.GetAsync("api/catalogue/records", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    rejection ??= (response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
                }
                return response.StatusCode;
            }
            finally
            {
                inFlight.Release();
            }
        }));
        var elapsed = started.Elapsed;

        statuses.ShouldAllBe(s => s == HttpStatusCode.Unauthorized || s == HttpStatusCode.TooManyRequests);
        var answered = statuses.Count(s => s == HttpStatusCode.Unauthorized);
        var rejected = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        // The burst, plus what the bucket refilled while the flood ran.
        answered.ShouldBeGreaterThanOrEqualTo(Burst);
        answered.ShouldBeLessThanOrEqualTo(Burst + PermitsPerSecond * (int)Math.Ceiling(elapsed.TotalSeconds + 1), $"in {elapsed}");
        rejected.ShouldBeGreaterThan(0);
        rejection.ShouldNotBeNull();
        rejection.Value.MediaType.ShouldBe("application/problem+json");
        rejection.Value.RetryAfter.ShouldNotBeNull();
        rejection.Value.RetryAfter.Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));

        // A client with a token, from the same address and right after the flood, is limited per client, not by the
        // anonymous bucket.
        using (var authenticated = source.Client(platform.DeptA.Gateway))
        {
            authenticated.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await authenticated.GetAsync("api/catalogue/records", TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var entries = await GatewayDenialEntries.OfAsync(platform.DeptA, source,
            items => GatewayDenialEntries.Counted(items, "unauthenticated") == answered && GatewayDenialEntries.Counted(items, "rate-limited") == rejected,
            $"{answered} 401s and {rejected} 429s counted");
        // One entry per reason and window (2 s on the test nodes), never one per request.
        entries.Count.ShouldBeLessThanOrEqualTo(2 * ((int)(elapsed.TotalSeconds / 2) + 2));
        foreach (var entry in entries)
        {
            entry.GetProperty("actor").GetString().ShouldBe("anonymous");
            GatewayDenialEntries.Samples(entry, "paths").ShouldBe(["/api/catalogue/records"]);
        }
        entries.Where(e => GatewayDenialEntries.Details(e).GetProperty("reason").GetString() == "rate-limited")
            .ShouldAllBe(e => e.GetProperty("outcome").GetString() == "rejected");
    }
}
