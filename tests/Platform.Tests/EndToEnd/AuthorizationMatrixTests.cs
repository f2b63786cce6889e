using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Every operation in the services' OpenAPI documents (fetched through the gateway) × every role × own and other
/// department. The rule table below is the specification: an endpoint that is not in it fails the test.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AuthorizationMatrixTests(TwoNodePlatform platform)
{
    private const string AnyRole = "*";

    /// <summary>Node-to-node operations authenticated by a signed grant and node proof, not a token (see AccessRequestTests).</summary>
    private const string GrantAuthenticated = "grant";

    /// <summary>Which role an operation needs (admin always passes); <see cref="AnyRole"/> = any client of the department.</summary>
    private static readonly Dictionary<string, string> Rules = new()
    {
        ["POST /api/catalogue/records"] = Roles.Publisher,
        ["GET /api/catalogue/records"] = AnyRole,
        ["GET /api/catalogue/records/{id}"] = AnyRole,
        ["GET /api/catalogue/records/{id}/versions"] = AnyRole,
        ["DELETE /api/catalogue/records/{id}"] = Roles.Publisher,
        ["GET /api/catalogue/federated"] = AnyRole,
        ["GET /api/sharing/records"] = AnyRole,
        ["GET /api/sharing/records/{id}"] = AnyRole,
        ["GET /api/audit/entries"] = Roles.Auditor,
        ["GET /api/audit/verify"] = Roles.Auditor,
        ["GET /api/audit/export"] = Roles.Auditor,
        ["GET /api/audit/export/manifest"] = Roles.Auditor,
        ["GET /api/audit/export/signature"] = Roles.Auditor,
        ["GET /api/audit/node-key"] = Roles.Auditor,
        ["POST /api/notify/subscriptions"] = Roles.Operator,
        ["GET /api/notify/subscriptions"] = Roles.Operator,
        ["GET /api/notify/subscriptions/{id}"] = Roles.Operator,
        ["DELETE /api/notify/subscriptions/{id}"] = Roles.Operator,
        ["GET /api/notify/subscriptions/{id}/deliveries"] = Roles.Operator,
        ["GET /api/catalogue/quality"] = AnyRole,
        ["GET /api/catalogue/secrecy-review"] = Roles.SecrecyReviewer,
        ["POST /api/catalogue/secrecy-review/decisions"] = Roles.SecrecyReviewer,
        ["POST /api/catalogue/records/batch"] = Roles.Publisher,
        ["POST /api/catalogue/records/csv"] = Roles.Publisher,
        ["POST /api/catalogue/records/{id}/attachments"] = Roles.Publisher,
        ["GET /api/catalogue/records/{id}/attachments"] = AnyRole,
        ["GET /api/catalogue/records/{id}/attachments/{attachmentId}"] = AnyRole,
        ["GET /api/catalogue/records/{id}/attachments/{attachmentId}/verify"] = Roles.Auditor,
        ["GET /api/sharing/records/{id}/policy"] = AnyRole,
        ["GET /peer/grants/{id}/content"] = GrantAuthenticated,
        ["GET /api/sharing/nodes"] = AnyRole,
        ["GET /api/sharing/rules"] = AnyRole,
        ["GET /api/sharing/rules/{name}"] = AnyRole,
        ["PUT /api/sharing/rules/{name}"] = Roles.Admin,
        ["GET /api/sharing/rules/{name}/versions"] = AnyRole,
        ["GET /api/sharing/rules/{name}/reannouncement"] = AnyRole,
        ["POST /api/sharing/requests"] = Roles.Requester,
        ["GET /api/sharing/requests"] = AnyRole,
        ["GET /api/sharing/requests/{id}"] = AnyRole,
        ["POST /api/sharing/requests/{id}/approve"] = Roles.Reviewer,
        ["POST /api/sharing/requests/{id}/reject"] = Roles.Reviewer,
        ["GET /api/sharing/grants"] = AnyRole,
        ["GET /api/sharing/grants/{id}"] = AnyRole,
        ["POST /api/sharing/grants/{id}/revoke"] = Roles.Reviewer,
        ["GET /api/sharing/grants/{id}/content"] = Roles.Requester,
        ["GET /api/notify/deliveries/{id}"] = Roles.Operator,
        ["POST /api/notify/deliveries/{id}/replay"] = Roles.Operator,
        ["POST /api/notify/deliveries/replay"] = Roles.Operator,
        ["GET /api/notify/inbox"] = AnyRole,
        ["POST /api/notify/inbox/{id}/read"] = AnyRole,
        ["GET /api/notify/stream"] = AnyRole,
        ["GET /api/audit/traffic"] = Roles.Operator,
        ["GET /api/audit/kpis"] = Roles.Auditor,
        ["GET /api/audit/kpis/report"] = Roles.Auditor,
        ["GET /api/catalogue/operator/error-messages"] = Roles.Operator,
        ["POST /api/catalogue/operator/error-messages/replay"] = Roles.Operator,
        ["POST /api/catalogue/operator/error-messages/{messageId}/replay"] = Roles.Operator,
        ["GET /api/sharing/operator/error-messages"] = Roles.Operator,
        ["POST /api/sharing/operator/error-messages/replay"] = Roles.Operator,
        ["POST /api/sharing/operator/error-messages/{messageId}/replay"] = Roles.Operator,
        ["GET /api/audit/operator/error-messages"] = Roles.Operator,
        ["POST /api/audit/operator/error-messages/replay"] = Roles.Operator,
        ["POST /api/audit/operator/error-messages/{messageId}/replay"] = Roles.Operator,
        ["POST /api/sharing/bulk-requests"] = Roles.Requester,
        ["GET /api/sharing/bulk-requests"] = AnyRole,
        ["GET /api/sharing/bulk-requests/{id}"] = AnyRole,
        ["POST /api/sharing/subscriptions"] = Roles.Requester,
        ["GET /api/sharing/subscriptions"] = AnyRole,
        ["GET /api/sharing/subscriptions/{id}"] = AnyRole,
        ["DELETE /api/sharing/subscriptions/{id}"] = Roles.Requester,
        ["GET /api/sharing/grants/{id}/attachments/{sha256}"] = Roles.Requester,
        ["GET /peer/grants/{id}/attachments/{sha256}"] = GrantAuthenticated,
        ["GET /api/notify/operator/error-messages"] = Roles.Operator,
        ["POST /api/notify/operator/error-messages/replay"] = Roles.Operator,
        ["POST /api/notify/operator/error-messages/{messageId}/replay"] = Roles.Operator,
    };

    [Fact]
    public async Task Every_operation_has_a_rule_and_every_role_gets_exactly_what_the_rule_says()
    {
        var operations = await OperationsAsync();
        operations.Count.ShouldBeGreaterThan(10);
        operations.Where(o => !Rules.ContainsKey(o)).ShouldBeEmpty("operations without a rule in AuthorizationMatrixTests.Rules");

        var failures = new List<string>();
        var otherDepartment = await platform.DeptB.TokenAsync();
        foreach (var operation in operations)
        {
            var rule = Rules[operation];
            if (rule == GrantAuthenticated)
            {
                continue;
            }
            foreach (var role in Roles.All)
            {
                var token = await platform.DeptA.TokenAsync(platform.DeptA.RoleClients[role]);
                var status = await CallAsync(operation, token);
                var allowed = rule == AnyRole || role == rule || role == Roles.Admin;
                if (allowed ? status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden : status != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{operation} as {role}: {(int)status}, expected {(allowed ? "not 401/403" : "403")}");
                }
            }
            // A token of another department (even with every role) is not accepted at this node at all.
            var foreign = await CallAsync(operation, otherDepartment);
            if (foreign != HttpStatusCode.Unauthorized) failures.Add($"{operation} with dept-b's token: {(int)foreign}, expected 401");
            var anonymous = await CallAsync(operation, null);
            if (anonymous != HttpStatusCode.Unauthorized) failures.Add($"{operation} without a token: {(int)anonymous}, expected 401");
        }
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Another_departments_record_ids_are_not_found_here()
    {
        using var deptB = await platform.DeptB.HttpAsync();
        using var pushed = await deptB.PostJsonAsync("api/catalogue/records", Records.Valid());
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString();

        using var deptA = await platform.DeptA.HttpAsync();
        (await deptA.GetAsync($"api/catalogue/records/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.GetAsync($"api/catalogue/records/{id}/versions")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.DeleteAsync($"api/catalogue/records/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.GetAsync($"api/sharing/records/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptB.GetAsync($"api/catalogue/records/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<List<string>> OperationsAsync()
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        var operations = new List<string>();
        foreach (var document in new[] { "catalogue", "sharing", "audit", "notify" })
        {
            using var openApi = JsonDocument.Parse(await http.GetStringAsync($"openapi/{document}.json"));
            foreach (var path in openApi.RootElement.GetProperty("paths").EnumerateObject())
            {
                foreach (var method in path.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete"))
                {
                    var operation = $"{method.Name.ToUpperInvariant()} {path.Name}";
                    operations.Add(operation);
                    // Send a body of the type the operation declares, so routing does not answer 415 before authorization.
                    if (method.Value.TryGetProperty("requestBody", out var body) && body.TryGetProperty("content", out var content))
                    {
                        BodyTypes[operation] = content.EnumerateObject().First().Name;
                    }
                }
            }
        }
        return operations;
    }

    private static readonly Dictionary<string, string> BodyTypes = [];

    private async Task<HttpStatusCode> CallAsync(string operation, string? token)
    {
        var (method, template) = (operation[..operation.IndexOf(' ', StringComparison.Ordinal)], operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}", Guid.NewGuid().ToString());
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(BodyTypes.GetValueOrDefault(operation, "application/json"));
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
