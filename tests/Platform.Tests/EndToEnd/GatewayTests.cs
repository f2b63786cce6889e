using System.Net;
using System.Net.Http.Headers;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>The gateway is the only way in: tokens, roles, isolation between departments, API documents.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class GatewayTests(TwoNodePlatform platform)
{
    [Theory]
    [InlineData("GET", "api/catalogue/records")]
    [InlineData("POST", "api/catalogue/records")]
    [InlineData("GET", "api/catalogue/federated")]
    [InlineData("GET", "api/sharing/records")]
    [InlineData("GET", "api/audit/entries")]
    [InlineData("GET", "api/notify/subscriptions")]
    [InlineData("GET", "api/anything-else")]
    public async Task Api_calls_without_a_token_get_401(string method, string path)
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Services_refuse_calls_that_bypass_the_gateway_without_a_token()
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.ServiceUrl("catalogue") };
        using var response = await http.GetAsync("api/catalogue/records");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_wrong_client_secret_gets_invalid_client_and_no_token()
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = platform.DeptA.Client.Id,
            ["client_secret"] = "not-the-secret",
        }));
        ((int)response.StatusCode).ShouldBeInRange(400, 401);
        (await response.ReadJsonAsync()).GetProperty("error").GetString().ShouldBe("invalid_client");
    }

    [Fact]
    public async Task A_token_from_another_departments_gateway_is_refused()
    {
        var deptBToken = await platform.DeptB.TokenAsync();
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", deptBToken);
        using var response = await http.GetAsync("api/catalogue/records");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var direct = new HttpClient { BaseAddress = platform.DeptA.ServiceUrl("catalogue") };
        direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", deptBToken);
        using var bypass = await direct.GetAsync("api/catalogue/records");
        bypass.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_client_without_the_publisher_role_cannot_push_but_may_read_the_audit_log()
    {
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        using var push = await auditor.PostJsonAsync("api/catalogue/records", Records.Valid());
        push.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var entries = await auditor.GetAsync("api/audit/entries");
        entries.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("catalogue", "/api/catalogue/records")]
    [InlineData("sharing", "/api/sharing/records")]
    [InlineData("audit", "/api/audit/entries")]
    [InlineData("notify", "/api/notify/subscriptions")]
    public async Task Each_services_OpenAPI_document_is_served_by_the_gateway(string service, string path)
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        var document = await http.GetJsonAsync($"openapi/{service}.json");
        document.GetProperty("paths").TryGetProperty(path, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task The_API_reference_is_browsable_at_docs()
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var response = await http.GetAsync("docs");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
    }

    [Fact]
    public async Task Gateways_report_ready()
    {
        using var http = new HttpClient();
        foreach (var node in new[] { platform.DeptA, platform.DeptB })
        {
            using var response = await http.GetAsync(new Uri(node.Gateway, "health/ready"));
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }
}
