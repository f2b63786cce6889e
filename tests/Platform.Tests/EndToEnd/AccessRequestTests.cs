using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// dept-b asks for dept-a's records across two real nodes: the request is routed to dept-a only, decided by dept-a's
/// policy or reviewers, and granted content is fetched from dept-a's gateway with a grant signed by dept-a's node key.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AccessRequestTests(TwoNodePlatform platform)
{
    private const string PersonalDetails = "经办人张三，身份证号110101199003071234，联系电话13812345678。";

    [Fact]
    public async Task Unconditional_request_is_granted_at_once_and_content_is_fetched_masked()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"masked-{flow.Fonds.ToLowerInvariant()}", new
        {
            sharing = "unconditional", fondsCode = flow.Fonds,
            masks = new Dictionary<string, string> { ["description"] = "id-card,phone", ["creator"] = "name" },
        });
        var recordId = await flow.PublishAsync("unconditional", r => { r["description"] = PersonalDetails; r["creator"] = "张三"; });

        var request = await flow.RequestAsync(recordId);
        var requestId = request.GetProperty("id").GetString()!;
        var approved = await flow.RequesterSeesStatusAsync(requestId, "approved");
        approved.GetProperty("automatic").GetBoolean().ShouldBeTrue();
        var grantId = await flow.GrantIdAsync(requestId);

        var (status, content) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        var record = content.GetProperty("record");
        record.GetProperty("description").GetString().ShouldBe("经办人张三，身份证号110101********1234，联系电话138****5678。");
        record.GetProperty("creator").GetString().ShouldBe("张*");
        record.GetProperty("fondsCode").GetString().ShouldBe(flow.Fonds);
        content.GetProperty("maskedFields").EnumerateArray().Select(f => f.GetString()).Order().ShouldBe(["creator", "description"]);

        // The owner has the same request, incoming, decided by policy, and counts the delivery on the grant.
        var incoming = await flow.OwnerSeesStatusAsync(requestId, "approved");
        incoming.GetProperty("role").GetString().ShouldBe("incoming");
        var issued = await flow.Owner.GetJsonAsync($"api/sharing/grants/{grantId}");
        issued.GetProperty("deliveries").GetInt32().ShouldBe(1);
        issued.GetProperty("requesterDepartment").GetString().ShouldBe("dept-b");
    }

    [Fact]
    public async Task Conditional_request_waits_for_review_then_is_approved_and_fetched()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("conditional");
        var requestId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;

        var pending = await flow.RequesterSeesStatusAsync(requestId, "pending-review");
        var deadline = pending.GetProperty("reviewDeadline").GetDateTimeOffset();
        // 10 working days: 12 to 14 calendar days depending on the weekday it starts.
        (deadline - DateTimeOffset.UtcNow).ShouldBeInRange(TimeSpan.FromDays(11.9), TimeSpan.FromDays(16));
        pending.GetProperty("overdue").GetBoolean().ShouldBeFalse();

        // A reviewer of dept-b cannot decide dept-a's request: not at dept-b (it is dept-b's outgoing request) ...
        using (var atB = await flow.Requester.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "self-service" }))
        {
            atB.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await atB.Content.ReadAsStringAsync());
        }
        // ... nor at dept-a's gateway with a dept-b token.
        using (var atA = new HttpClient { BaseAddress = platform.DeptA.Gateway })
        {
            atA.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await platform.DeptB.TokenAsync());
            using var response = await atA.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "from dept-b" });
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        // An auditor of dept-a has no reviewer role.
        using (var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient))
        using (var response = await auditor.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "auditor" }))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using var approve = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "同意，用于年度审计" });
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        using var again = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/reject", new { comment = "too late" });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        // The grant and the decision travel as two messages; the reviewer's comment comes with the decision.
        var approved = await flow.RequesterSeesAsync(requestId,
            r => r.GetProperty("status").GetString() == "approved" && r.GetProperty("reason").ValueKind == JsonValueKind.String,
            $"dept-b seeing request {requestId} approved with the reviewer's comment");
        approved.GetProperty("reason").GetString().ShouldBe("同意，用于年度审计");
        approved.GetProperty("automatic").GetBoolean().ShouldBeFalse();
        approved.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString())
            .ShouldBe(["submitted", "pending-review", "approved"]);
        var (status, content) = await flow.FetchAsync(await flow.GrantIdAsync(requestId));
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        content.GetProperty("record").GetProperty("description").GetString().ShouldBe("示例记录");
    }

    [Fact]
    public async Task Conditional_request_rejected_by_reviewer_shows_the_reason_to_the_requester()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("conditional");
        var requestId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;
        await flow.OwnerSeesStatusAsync(requestId, "pending-review");

        using var noReason = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/reject", new { comment = " " });
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noReason.ReadJsonAsync()).GetProperty("errors").TryGetProperty("comment", out _).ShouldBeTrue();

        using var reject = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/reject", new { comment = "用途与档案内容无关" });
        reject.StatusCode.ShouldBe(HttpStatusCode.OK, await reject.Content.ReadAsStringAsync());
        var rejected = await flow.RequesterSeesStatusAsync(requestId, "rejected");
        rejected.GetProperty("reason").GetString().ShouldBe("用途与档案内容无关");
        rejected.GetProperty("grant").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Conditional_request_past_its_review_deadline_is_flagged_overdue_on_both_sides()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"urgent-{flow.Fonds.ToLowerInvariant()}", new { sharing = "conditional", fondsCode = flow.Fonds, reviewTimeLimit = "PT2S" });
        var recordId = await flow.PublishAsync("conditional");
        var requestId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;

        var overdue = await Eventually.Until(() => flow.Owner.GetJsonAsync("api/sharing/requests?role=incoming&overdue=true"),
            list => list.EnumerateArray().Any(r => r.GetProperty("id").GetString() == requestId), SharingFlow.Patience, "the overdue list at dept-a");
        overdue.EnumerateArray().Single(r => r.GetProperty("id").GetString() == requestId).GetProperty("status").GetString().ShouldBe("pending-review");
        var seen = await flow.RequesterSeesAsync(requestId, r => r.GetProperty("overdue").GetBoolean(), "dept-b seeing the review overdue");
        seen.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()).ShouldContain("overdue");

        // Overdue is a flag, not an end: the reviewer can still decide.
        using var approve = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "late but fine" });
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_record_not_shared_is_never_announced_and_a_request_for_it_is_refused_at_the_requester()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"closed-{flow.Fonds.ToLowerInvariant()}", new { sharing = "none", fondsCode = flow.Fonds });
        var closed = await flow.PublishAsync("unconditional");
        // A shared record pushed after it: once dept-b holds that one, the announcer has decided on the closed one too.
        var open = await flow.PublishAsync("unconditional", r => r["fondsCode"] = "A012");
        await flow.RequestAsync(open);

        (await platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [closed])).ShouldBe(0);
        using var response = await flow.Requester.PostJsonAsync("api/sharing/requests", new { recordId = closed, purpose = "核查2023年度人事档案 audit" });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("recordId")[0].GetString()!.ShouldContain("No other department has published");
    }

    [Fact]
    public async Task Rule_naming_departments_and_purposes_rejects_other_purposes()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"purposes-{flow.Fonds.ToLowerInvariant()}", new
        {
            sharing = "unconditional", fondsCode = flow.Fonds, allowedDepartments = new[] { "dept-b" }, purposes = new[] { "审计" },
            fields = new[] { "title", "archivalCode" },
        });
        var recordId = await flow.PublishAsync("unconditional");

        var wrong = (await flow.RequestAsync(recordId, purpose: "好奇")).GetProperty("id").GetString()!;
        (await flow.RequesterSeesStatusAsync(wrong, "rejected")).GetProperty("reason").GetString()!.ShouldContain("审计");

        var right = (await flow.RequestAsync(recordId, purpose: "年度审计")).GetProperty("id").GetString()!;
        var (status, content) = await flow.FetchAsync(await flow.GrantIdAsync(right));
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        content.GetProperty("record").EnumerateObject().Select(p => p.Name).Order().ShouldBe(["archivalCode", "title"]);
    }

    [Fact]
    public async Task Revoked_grant_is_refused_on_the_next_fetch()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var requestId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;
        var grantId = await flow.GrantIdAsync(requestId);
        (await flow.FetchAsync(grantId)).Status.ShouldBe(HttpStatusCode.OK);

        using var noReason = await flow.Owner.PostJsonAsync($"api/sharing/grants/{grantId}/revoke", new { });
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var fromRequester = await flow.Requester.PostJsonAsync($"api/sharing/grants/{grantId}/revoke", new { reason = "not mine" });
        fromRequester.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var revoke = await flow.Owner.PostJsonAsync($"api/sharing/grants/{grantId}/revoke", new { reason = "项目已结束" });
        revoke.StatusCode.ShouldBe(HttpStatusCode.OK, await revoke.Content.ReadAsStringAsync());

        var (status, refusal) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.Forbidden);
        refusal.GetProperty("detail").GetString()!.ShouldContain("revoked");
        var seen = await flow.RequesterSeesStatusAsync(requestId, "revoked");
        seen.GetProperty("grant").GetProperty("state").GetString().ShouldBe("revoked");
    }

    [Fact]
    public async Task Expired_grant_is_refused()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"short-{flow.Fonds.ToLowerInvariant()}", new { sharing = "unconditional", fondsCode = flow.Fonds, grantValidity = "PT3S" });
        var recordId = await flow.PublishAsync("unconditional");
        var grantId = await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);

        var grant = await flow.Requester.GetJsonAsync($"api/sharing/grants/{grantId}");
        var expiresAt = grant.GetProperty("expiresAt").GetDateTimeOffset();
        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, TestContext.Current.CancellationToken);

        var (status, refusal) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.Forbidden);
        refusal.GetProperty("detail").GetString()!.ShouldContain("expired");
    }

    [Fact]
    public async Task Forged_and_altered_grants_and_other_departments_callers_are_refused_by_the_owner()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var grantId = await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);
        var realGrant = (await flow.Requester.GetJsonAsync($"api/sharing/grants/{grantId}")).GetProperty("token").GetString()!;

        using var stranger = RSA.Create(2048);
        var strangerKey = new RsaSecurityKey(stranger) { KeyId = "stranger" };

        // Forged: a grant for the same id and record, signed by a key that is not dept-a's.
        var forged = Sign(strangerKey, "grant+jwt", new Dictionary<string, object>
        {
            ["iss"] = "dept-a", ["sub"] = "dept-b", ["jti"] = grantId, ["record"] = recordId,
            ["fields"] = new[] { "title", "description" }, ["exp"] = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds(),
        });
        (await CallOwnerAsync(grantId, forged, Sign(strangerKey, "node-proof+jwt", Proof("dept-b", grantId)))).ShouldBe(HttpStatusCode.Forbidden);

        // Altered: dept-a's real grant with its payload changed (widened to dept-c).
        var parts = realGrant.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[1]))!;
        payload["sub"] = JsonSerializer.SerializeToElement("dept-c");
        var altered = $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.{parts[2]}";
        (await CallOwnerAsync(grantId, altered, Sign(strangerKey, "node-proof+jwt", Proof("dept-c", grantId)))).ShouldBe(HttpStatusCode.Forbidden);

        // A third department's caller holding dept-b's real grant: unknown node, or claiming to be dept-b without its key.
        (await CallOwnerAsync(grantId, realGrant, Sign(strangerKey, "node-proof+jwt", Proof("dept-c", grantId)))).ShouldBe(HttpStatusCode.Forbidden);
        (await CallOwnerAsync(grantId, realGrant, Sign(strangerKey, "node-proof+jwt", Proof("dept-b", grantId)))).ShouldBe(HttpStatusCode.Forbidden);
        // No proof at all.
        (await CallOwnerAsync(grantId, realGrant, null)).ShouldBe(HttpStatusCode.Unauthorized);
        // dept-b's own node token is no proof either: the peer route is not the API.
        using (var withToken = new HttpClient { BaseAddress = platform.DeptA.Gateway })
        {
            withToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await platform.DeptB.TokenAsync());
            using var response = await withToken.GetAsync($"api/sharing/grants/{grantId}/content");
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // Meanwhile the rightful requester still gets the content.
        (await flow.FetchAsync(grantId)).Status.ShouldBe(HttpStatusCode.OK);
        // And dept-a's issued grant counts exactly that one delivery.
        (await flow.Owner.GetJsonAsync($"api/sharing/grants/{grantId}")).GetProperty("deliveries").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Bad_rule_and_bad_request_get_problem_details_naming_the_fields()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        using var rule = await flow.Owner.PutAsync("api/sharing/rules/Bad Name", SharingFlow.JsonContent(new
        {
            sharing = "sometimes", masks = new Dictionary<string, string> { ["title"] = "blur", ["salary"] = "redact" }, grantValidity = "forever",
        }));
        rule.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await rule.ReadJsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "name", "sharing", "masks.title", "masks.salary", "grantValidity", "scope" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }

        using var request = await flow.Requester.PostJsonAsync("api/sharing/requests", new { recordId = Guid.NewGuid(), purpose = "", fields = new[] { "salary" } });
        request.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var requestErrors = (await request.ReadJsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "recordId", "purpose", "fields" })
        {
            requestErrors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }

        // Only admins change rules.
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        using var forbidden = await auditor.PutAsync("api/sharing/rules/x", SharingFlow.JsonContent(new { sharing = "none", fondsCode = "X" }));
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Rule_changes_are_versioned()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var name = $"versioned-{flow.Fonds.ToLowerInvariant()}";
        await flow.PutRuleAsync(name, new { sharing = "conditional", fondsCode = flow.Fonds });
        await flow.PutRuleAsync(name, new { sharing = "unconditional", fondsCode = flow.Fonds, grantValidity = "P7D" });
        var versions = await flow.Owner.GetJsonAsync($"api/sharing/rules/{name}/versions");
        versions.GetArrayLength().ShouldBe(2);
        versions[0].GetProperty("rule").GetProperty("sharing").GetString().ShouldBe("conditional");
        versions[1].GetProperty("rule").GetProperty("grantValidity").GetString().ShouldBe("P7D");
        (await flow.Owner.GetJsonAsync($"api/sharing/rules/{name}")).GetProperty("version").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task A_third_department_in_the_directory_cannot_use_dept_bs_grant()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var grantId = await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);
        var grant = (await flow.Requester.GetJsonAsync($"api/sharing/grants/{grantId}")).GetProperty("token").GetString()!;

        // dept-c is enrolled and proves its identity correctly with its own node key, but the grant was issued to dept-b.
        var deptC = platform.Signer("dept-c");
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"peer/sharing/grants/{grantId}/content");
        request.Headers.Add("X-Platform-Grant", grant);
        request.Headers.Add("X-Platform-Node-Proof", NodeProof(deptC, grantId));
        using var response = await http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("issued to dept-b, not to dept-c");
    }

    [Fact]
    public async Task A_captured_grant_and_node_proof_presented_again_are_refused_and_audited()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var grantId = await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);
        var grant = (await flow.Requester.GetJsonAsync($"api/sharing/grants/{grantId}")).GetProperty("token").GetString()!;
        var proof = NodeProof(platform.Signer("dept-b"), grantId);

        async Task<HttpResponseMessage> FetchAsync()
        {
            using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"peer/sharing/grants/{grantId}/content");
            request.Headers.Add("X-Platform-Grant", grant);
            request.Headers.Add("X-Platform-Node-Proof", proof);
            return await http.SendAsync(request);
        }

        using (var first = await FetchAsync()) first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        using var replayed = await FetchAsync();
        replayed.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await replayed.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("already used");
        await Eventually.Until(() => platform.DeptA.CountAsync("audit",
                "SELECT count(*) FROM audit_entries WHERE action = 'content.denied' AND subject = ANY(@ids) AND details LIKE '%already used%'", [grantId]),
            count => count == 1, SharingFlow.Patience, "the replay audited as content.denied at dept-a");
    }

    /// <summary>A node proof (ES256, the node's own key) as the requesting node's sharing service makes one for a fetch.</summary>
    private static string NodeProof(TestSigner node, string grantId) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "node-proof+jwt",
            Claims = Proof(node.Department, grantId),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(node.Key) { KeyId = node.KeyId }, SecurityAlgorithms.EcdsaSha256),
        });

    private static Dictionary<string, object> Proof(string issuer, string grantId) => new()
    {
        ["iss"] = issuer, ["aud"] = "dept-a", ["grant"] = grantId, ["jti"] = Guid.NewGuid().ToString(),
        ["nbf"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["exp"] = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds(),
    };

    private static string Sign(SecurityKey key, string type, Dictionary<string, object> claims) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = type,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

    /// <summary>Calls dept-a's gateway as another node would: the peer route, a grant and a node proof, no token.</summary>
    private async Task<HttpStatusCode> CallOwnerAsync(string grantId, string grant, string? proof)
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"peer/sharing/grants/{grantId}/content");
        request.Headers.Add("X-Platform-Grant", grant);
        if (proof is not null) request.Headers.Add("X-Platform-Node-Proof", proof);
        using var response = await http.SendAsync(request);
        var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        response.IsSuccessStatusCode.ShouldBeFalse(body);
        return response.StatusCode;
    }
}
