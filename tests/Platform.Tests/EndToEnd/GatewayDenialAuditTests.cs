using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Calls the gateway turns away itself never reach a service, so the gateway counts them per source address, reason and
/// window and announces the counts: they appear in the node's audit log as denials (one entry per source and reason,
/// with a count and a few sample paths), without any secret, token or personal data of the requests. Each test sends
/// from a loopback address of its own, so its counts are its own.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class GatewayDenialAuditTests(TwoNodePlatform platform)
{
    private const string Secret = "s3cret-0f-the-caller";

    [Fact]
    public async Task A_call_without_a_token_and_a_call_with_a_bad_token_are_counted_as_denied_by_the_gateway()
    {
        var record = Guid.NewGuid();
        var source = LoopbackSource.New();
        using var anonymous = source.Client(platform.DeptA.Gateway);
        using (var denied = await anonymous.GetAsync($"api/catalogue/records/{record}?client_secret={Secret}&access_token={Secret}"))
        {
            denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var badToken = new HttpRequestMessage(HttpMethod.Delete, $"api/catalogue/records/{record}"))
        {
            badToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
            using var denied = await anonymous.SendAsync(badToken);
            denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var entries = await GatewayDenialEntries.OfAsync(platform.DeptA, source,
            items => GatewayDenialEntries.Counted(items, "unauthenticated") == 2, "two 401s counted");
        foreach (var entry in entries)
        {
            entry.GetProperty("outcome").GetString().ShouldBe("denied");
            entry.GetProperty("actor").GetString().ShouldBe("anonymous");
            var details = GatewayDenialEntries.Details(entry);
            details.GetProperty("status").GetInt32().ShouldBe(401);
            GatewayDenialEntries.Samples(entry, "paths").ShouldAllBe(p => p == $"/api/catalogue/records/{record}");
            entry.GetRawText().ShouldNotContain(Secret);
        }
        entries.SelectMany(e => GatewayDenialEntries.Samples(e, "methods")).ShouldBe(["GET", "DELETE"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_call_with_a_token_lacking_the_role_is_audited_as_denied()
    {
        var requester = platform.DeptA.RoleClients["requester"];
        using var http = await platform.DeptA.HttpAsync(requester);
        string traceId;
        using (var denied = await http.PostJsonAsync("api/catalogue/records", Records.Valid()))
        {
            denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            using var problem = JsonDocument.Parse(await denied.Content.ReadAsStringAsync());
            traceId = problem.RootElement.GetProperty("traceId").GetString()!;
        }

        var token = http.DefaultRequestHeaders.Authorization!.Parameter!;
        // The requester client is shared with other tests of the collection (AuthorizationMatrixTests posts with it too):
        // this call's entry is the one with its trace id.
        var matching = await Eventually.Until(
            async () => (await EntriesAsync($"actor={requester.Id}&action=api.catalogue.post", 1))
                .Where(e => e.GetProperty("traceId").GetString() == traceId).ToList(),
            items => items.Count > 0, TimeSpan.FromSeconds(30), $"the audit entry of trace {traceId}");
        var entry = matching.ShouldHaveSingleItem();
        entry.GetProperty("outcome").GetString().ShouldBe("denied");
        entry.GetProperty("department").GetString().ShouldBe(platform.DeptA.Id);
        entry.GetRawText().ShouldNotContain(token);
        entry.GetRawText().ShouldNotContain(requester.Secret);
    }

    [Fact]
    public async Task A_failed_token_request_is_counted_with_the_client_id_but_never_the_secret()
    {
        var clientId = $"intruder-{Guid.NewGuid():N}";
        var source = LoopbackSource.New();
        using var anonymous = source.Client(platform.DeptA.Gateway);
        using (var response = await anonymous.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = Secret,
        })))
        {
            ((int)response.StatusCode).ShouldBeInRange(400, 401);
        }

        var entry = (await GatewayDenialEntries.OfAsync(platform.DeptA, source, items => items.Count > 0, "the failed token request counted"))
            .ShouldHaveSingleItem();
        entry.GetProperty("actor").GetString().ShouldBe(clientId);
        entry.GetProperty("outcome").GetString().ShouldBeOneOf("denied", "rejected");
        var details = GatewayDenialEntries.Details(entry);
        details.GetProperty("reason").GetString().ShouldBe("token-request-failed");
        details.GetProperty("count").GetInt64().ShouldBe(1);
        GatewayDenialEntries.Samples(entry, "paths").ShouldBe(["/connect/token"]);
        entry.GetRawText().ShouldNotContain(Secret);
    }

    [Fact]
    public async Task Phone_and_ID_card_numbers_in_a_denied_path_are_masked_in_the_audit_log()
    {
        var phone = $"139{Random.Shared.Next(10_000_000, 99_999_999)}";
        var source = LoopbackSource.New();
        using var anonymous = source.Client(platform.DeptA.Gateway);
        using (var denied = await anonymous.GetAsync($"api/sharing/people/110101199003071234/{phone}"))
        {
            denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var masked = $"/api/sharing/people/110101********1234/{phone[..3]}****{phone[^4..]}";
        var entry = (await GatewayDenialEntries.OfAsync(platform.DeptA, source, items => items.Count > 0, "the denial counted")).ShouldHaveSingleItem();
        GatewayDenialEntries.Samples(entry, "paths").ShouldBe([masked]);
        entry.GetRawText().ShouldNotContain(phone);
        entry.GetRawText().ShouldNotContain("110101199003071234");
    }

    private async Task<IReadOnlyList<JsonElement>> EntriesAsync(string filter, int expected)
    {
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        return await Eventually.Until(async () =>
        {
            var page = await auditor.GetJsonAsync($"api/audit/entries?{filter}&limit=100");
            return (IReadOnlyList<JsonElement>)[.. page.GetProperty("items").EnumerateArray()];
        }, items => items.Count >= expected, TimeSpan.FromSeconds(30), $"{expected} audit entries matching {filter}");
    }
}
