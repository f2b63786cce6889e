using System.Net;
using System.Net.Http.Headers;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Requests without credentials are limited per source address before authentication (defaults: 20 a second, bursts of
/// 100), and the gateway audits what it turned away as counts per source, reason and window, so a flood neither reaches
/// the token check nor grows the audit log by an entry per request.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AnonymousRateLimitTests(TwoNodePlatform platform)
{
    private const int Burst = 100;
    private const int Flood = 200;

    [Fact]
    public async Task An_anonymous_flood_gets_429_after_the_burst_while_clients_with_tokens_get_through_and_the_log_holds_counts()
    {
        var source = LoopbackSource.New();
        using var anonymous = source.Client(platform.DeptA.Gateway);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? firstRejection = null;
        for (var i = 0; i < Flood; i++)
        {
            var response = await anonymous.GetAsync("api/catalogue/records", TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && firstRejection is null) firstRejection = response;
            else response.Dispose();
        }

        statuses.ShouldAllBe(s => s == HttpStatusCode.Unauthorized || s == HttpStatusCode.TooManyRequests);
        // The bucket refills at 20 a second while the flood runs, so a few more than the burst may get through.
        statuses.IndexOf(HttpStatusCode.TooManyRequests).ShouldBeGreaterThanOrEqualTo(Burst);
        var answered = statuses.Count(s => s == HttpStatusCode.Unauthorized);
        var rejected = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        rejected.ShouldBeGreaterThan(Flood / 4, $"{answered} answered 401");
        using (firstRejection)
        {
            firstRejection.ShouldNotBeNull();
            firstRejection.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            firstRejection.Headers.RetryAfter?.Delta.ShouldNotBeNull();
            firstRejection.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        }

        // A client with a token, from the same address, is limited per client, not by the anonymous bucket.
        using (var authenticated = source.Client(platform.DeptA.Gateway))
        {
            authenticated.DefaultRequestHeaders.Authorization =
                new AuthenticationHeaderValue("Bearer", await platform.DeptA.TokenAsync(platform.DeptA.RoleClients["requester"]));
            using var response = await authenticated.GetAsync("api/catalogue/records", TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var stillLimited = await anonymous.GetAsync("api/catalogue/records", TestContext.Current.CancellationToken))
        {
            stillLimited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
            rejected++;
        }

        var entries = await GatewayDenialEntries.OfAsync(platform.DeptA, source,
            items => GatewayDenialEntries.Counted(items, "unauthenticated") == answered && GatewayDenialEntries.Counted(items, "rate-limited") == rejected,
            $"{answered} 401s and {rejected} 429s counted");
        // One entry per reason and window: the flood spans a few windows of the test nodes (2 s), never one per request.
        entries.Count.ShouldBeLessThanOrEqualTo(8);
        foreach (var entry in entries)
        {
            entry.GetProperty("actor").GetString().ShouldBe("anonymous");
            GatewayDenialEntries.Samples(entry, "paths").ShouldBe(["/api/catalogue/records"]);
        }
        entries.Where(e => GatewayDenialEntries.Details(e).GetProperty("reason").GetString() == "rate-limited")
            .ShouldAllBe(e => e.GetProperty("outcome").GetString() == "rejected");
    }
}
