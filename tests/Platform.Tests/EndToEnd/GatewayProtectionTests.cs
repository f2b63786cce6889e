using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The gateway's own protection, end to end: per-client rate and concurrency limits (429 + Retry-After), body size limits
/// (JSON small, uploads larger), security headers, and no internal details in error answers. Limits are tested on a
/// second gateway of dept-a with low limits, so the shared nodes keep their normal ones.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class GatewayProtectionTests(TwoNodePlatform platform) : IAsyncLifetime
{
    private const int PermitsPerSecond = 10;
    private const int ConcurrentRequests = 2;
    private const int MaxJsonBodyBytes = 64 * 1024;
    private const int MaxUploadBodyBytes = 256 * 1024;

    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static Uri? _strictGateway;

    public async ValueTask InitializeAsync()
    {
        await StartLock.WaitAsync();
        try
        {
            if (_strictGateway is not null) return;
            var vhost = await platform.Infrastructure.CreateVirtualHostAsync($"{platform.RunId}-strict-gateway");
            _strictGateway = await platform.DeptA.StartVariantAsync("gateway", "strict", vhost, new Dictionary<string, string>
            {
                ["Gateway__RateLimit__PermitsPerSecond"] = PermitsPerSecond.ToString(CultureInfo.InvariantCulture),
                ["Gateway__RateLimit__ConcurrentRequests"] = ConcurrentRequests.ToString(CultureInfo.InvariantCulture),
                ["Gateway__Limits__MaxJsonBodyBytes"] = MaxJsonBodyBytes.ToString(CultureInfo.InvariantCulture),
                ["Gateway__Limits__MaxUploadBodyBytes"] = MaxUploadBodyBytes.ToString(CultureInfo.InvariantCulture),
                // The notification service "is down" behind this gateway: nothing listens there.
                ["ReverseProxy__Clusters__notify__Destinations__primary__Address"] = $"http://127.0.0.1:{ClosedPort()}/",
                ["Gateway__ReadyChecksServices"] = "false",
            });
        }
        finally
        {
            StartLock.Release();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<HttpClient> StrictAsync((string Id, string Secret) client)
    {
        // The variant issues tokens with the node's issuer and signing key, so tokens of the node's gateway are valid there.
        var http = new HttpClient { BaseAddress = _strictGateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await platform.DeptA.TokenAsync(client));
        return http;
    }

    [Fact]
    public async Task A_client_over_its_requests_per_second_gets_429_with_retry_after_and_then_gets_through_again()
    {
        using var http = await StrictAsync(platform.DeptA.AuditorClient);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? rejected = null;
        for (var i = 0; i < 4 * PermitsPerSecond; i++)
        {
            var response = await http.GetAsync("api/audit/entries?limit=1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && rejected is null) rejected = response;
            else response.Dispose();
        }

        statuses.ShouldContain(HttpStatusCode.OK);
        rejected.ShouldNotBeNull("40 requests in well under 4 s must pass 10 per second somewhere");
        using (rejected)
        {
            rejected.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(1));
            rejected.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            var problem = await rejected.ReadJsonAsync();
            problem.GetProperty("status").GetInt32().ShouldBe(429);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using var after = await http.GetAsync("api/audit/entries?limit=1");
        after.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_client_with_too_many_requests_in_flight_gets_429_for_the_extra_ones()
    {
        // Verification with witnesses waits for peers, so these calls stay in flight long enough to overlap.
        using var http = await StrictAsync(platform.DeptA.Client);
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.GetAsync("api/audit/verify?witnesses=true")));
        try
        {
            var statuses = responses.Select(r => r.StatusCode).ToList();
            statuses.ShouldContain(HttpStatusCode.OK);
            statuses.ShouldContain(HttpStatusCode.TooManyRequests);
            statuses.ShouldAllBe(s => s == HttpStatusCode.OK || s == HttpStatusCode.TooManyRequests);
            responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests).Headers.RetryAfter.ShouldNotBeNull();
        }
        finally
        {
            foreach (var response in responses) response.Dispose();
        }
    }

    [Fact]
    public async Task A_JSON_body_over_the_JSON_limit_gets_413_problem_details_without_reaching_the_service()
    {
        using var http = await StrictAsync(platform.DeptA.RoleClients["publisher"]);
        using var content = new StringContent($$"""{"title":"{{new string('x', MaxJsonBodyBytes)}}"}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("api/catalogue/records", content);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await response.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain(MaxJsonBodyBytes.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    [InlineData("application/pdf")]
    [InlineData("text/csv")]
    [InlineData(null)]
    public async Task A_body_over_the_JSON_limit_gets_413_whatever_type_it_declares(string? contentType)
    {
        using var http = await StrictAsync(platform.DeptA.RoleClients["publisher"]);
        using var content = new ByteArrayContent(new byte[MaxJsonBodyBytes * 2]);
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        using var response = await http.PostAsync("api/catalogue/records", content);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_chunked_body_over_the_JSON_limit_gets_413_too()
    {
        using var http = await StrictAsync(platform.DeptA.RoleClients["publisher"]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/catalogue/records/batch")
        {
            Content = new StringContent($$"""{"items":[{"title":"{{new string('x', MaxJsonBodyBytes * 2)}}"}]}""", System.Text.Encoding.UTF8, "text/plain"),
        };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Uploads_may_be_larger_than_JSON_bodies_but_not_larger_than_the_upload_limit()
    {
        using var http = await StrictAsync(platform.DeptA.RoleClients["publisher"]);
        var path = $"api/catalogue/records/{Guid.NewGuid()}/attachments";

        using var allowed = new ByteArrayContent(new byte[MaxJsonBodyBytes * 2]);
        allowed.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var passed = await http.PostAsync(path, allowed);
        // Past the gateway: the catalogue answers for itself (the record does not exist).
        passed.StatusCode.ShouldNotBe(HttpStatusCode.RequestEntityTooLarge);
        passed.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The CSV import is an upload too.
        using var csv = new StringContent("title\n" + new string('x', MaxJsonBodyBytes * 2), System.Text.Encoding.UTF8, "text/csv");
        using var imported = await http.PostAsync("api/catalogue/records/csv", csv);
        imported.StatusCode.ShouldNotBe(HttpStatusCode.RequestEntityTooLarge);

        using var tooLarge = new ByteArrayContent(new byte[MaxUploadBodyBytes + 1]);
        tooLarge.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var refused = await http.PostAsync(path, tooLarge);
        refused.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_service_that_is_down_gives_a_problem_answer_without_internal_addresses_or_stack_traces()
    {
        using var http = await StrictAsync(platform.DeptA.Client);
        using var response = await http.GetAsync("api/notify/subscriptions");

        ((int)response.StatusCode).ShouldBeInRange(500, 599);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldNotContain("127.0.0.1");
        body.ShouldNotContain("Exception");
        body.ShouldNotContain(" at ");
        if (body.Length > 0) response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Theory]
    [InlineData("api/catalogue/records", true)]
    [InlineData("api/audit/entries", true)]
    [InlineData("openapi/audit.json", false)]
    [InlineData("docs", false)]
    public async Task Every_answer_carries_the_security_headers_and_no_server_banner(string path, bool api)
    {
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.GetAsync(path);

        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
        response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"]);
        response.Headers.Contains("Server").ShouldBeFalse();
        if (api)
        {
            response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("default-src 'none'");
            response.Headers.CacheControl?.NoStore.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Denials_and_failed_token_requests_carry_the_security_headers_too()
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var denied = await http.GetAsync("api/catalogue/records");
        denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        denied.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);

        using var token = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "nobody",
            ["client_secret"] = "wrong",
        }));
        token.Headers.CacheControl?.NoStore.ShouldBeTrue();
        token.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
    }

    private static int ClosedPort() => PlatformNode.FreePort();
}
