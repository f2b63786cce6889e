using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// A dept-a node configured against an external OpenID Connect provider (a Keycloak-shaped realm run in the test on
/// 127.0.0.1), with realm and client roles mapped to the platform's roles.
/// </summary>
public sealed class ExternalIdentityNode(TestInfrastructure infrastructure) : IAsyncLifetime
{
    public const string Audience = "archive-platform";

    public OidcIssuer Issuer { get; private set; } = null!;
    public PlatformNode Node { get; private set; } = null!;
    public Uri VirtualHost { get; private set; } = null!;

    /// <summary>The settings every process of the node gets: what a department's operator would configure.</summary>
    public Dictionary<string, string> Settings() => new()
    {
        ["Auth__External__Authority"] = Issuer.Issuer,
        ["Auth__External__Audience"] = Audience,
        ["Auth__External__RoleClaim"] = $"realm_access.roles,resource_access.{Audience}.roles",
        ["Auth__External__RoleMap__archive-publisher"] = "publisher",
        ["Auth__External__RoleMap__archive-requester"] = "requester",
        ["Auth__External__RoleMap__archive-reviewer"] = "reviewer",
        ["Auth__External__RoleMap__archive-auditor"] = "auditor",
        ["Auth__External__RoleMap__archive-operator"] = "operator",
        ["Auth__External__RoleMap__archive-admin"] = "admin",
        ["Auth__External__DepartmentClaim"] = "dept",
        ["Auth__External__Department"] = "dept-a",
        ["Auth__External__ClockSkew"] = "00:00:05",
    };

    /// <summary>A virtual host of its own, for extra processes that must not compete for the node's queues.</summary>
    public Task<Uri> IsolatedVirtualHostAsync() => infrastructure.CreateVirtualHostAsync($"o{Guid.NewGuid():N}"[..9]);

    public async ValueTask InitializeAsync()
    {
        Issuer = await OidcIssuer.StartAsync("dept-a");
        var runId = $"o{Guid.NewGuid():N}"[..9];
        VirtualHost = await infrastructure.CreateVirtualHostAsync(runId);
        Node = await PlatformNode.StartAsync(infrastructure, "dept-a", runId, VirtualHost, Settings());
    }

    public async ValueTask DisposeAsync()
    {
        if (Node is not null) await Node.DisposeAsync();
        if (Issuer is not null) await Issuer.DisposeAsync();
    }
}

public sealed class ExternalIdentityProviderTests(ExternalIdentityNode fixture) : IClassFixture<ExternalIdentityNode>
{
    private PlatformNode Node => fixture.Node;
    private OidcIssuer Issuer => fixture.Issuer;

    [Fact]
    public async Task A_keycloak_token_with_mapped_roles_reaches_catalogue_sharing_and_audit_as_its_department()
    {
        var username = $"service-account-oa-{Guid.NewGuid():N}"[..40];
        using var http = Client(Node.Gateway, Issuer.Mint(new TokenRequest
        {
            Username = username,
            ClientRoles = ["archive-publisher", "archive-auditor"],
            RealmRoles = ["offline_access", "default-roles-dept-a", "archive-requester"],
        }));

        using var pushed = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
        ((int)pushed.StatusCode).ShouldBeOneOf(200, 201, 202);
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString();
        (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("id").GetString().ShouldBe(id);
        using (var rules = await http.GetAsync("api/sharing/rules")) rules.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var requests = await http.GetAsync("api/sharing/requests?role=outgoing")) requests.StatusCode.ShouldBe(HttpStatusCode.OK);

        // The push is in the audit log under the caller's name and department, with the mapped roles.
        var entry = (await EntriesAsync(http, $"actor={username}&action=api.catalogue.post", items => items.Count > 0)).ShouldHaveSingleItem();
        entry.GetProperty("department").GetString().ShouldBe("dept-a");
        entry.GetProperty("outcome").GetString().ShouldBe("ok");
        using var details = JsonDocument.Parse(entry.GetProperty("details").GetString()!);
        details.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString())
            .ShouldBe(["auditor", "publisher", "requester"], ignoreOrder: true);
        Issuer.JwksRequests.ShouldBeGreaterThan(0, "the node fetched the provider's keys from its JWKS");
    }

    [Fact]
    public async Task A_mapped_role_is_still_only_that_role()
    {
        using var http = Client(Node.Gateway, Issuer.Mint(new TokenRequest { ClientRoles = ["archive-requester"] }));

        using var push = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
        push.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var audit = await http.GetAsync("api/audit/entries");
        audit.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    public static TheoryData<string> InvalidTokens => ["wrong issuer", "wrong audience", "expired", "bad signature", "unknown key id", "unsigned", "no subject"];

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task An_invalid_external_token_is_refused_with_401_by_the_gateway_and_by_the_service_itself(string kind)
    {
        var token = Invalid(kind);

        using var gateway = Client(Node.Gateway, token);
        using (var response = await gateway.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, kind);
        }
        // Defence in depth: a service reached without the gateway validates the token itself.
        using var service = Client(Node.ServiceUrl("catalogue"), token);
        using (var response = await service.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, kind);
        }
    }

    [Fact]
    public async Task A_valid_token_of_another_department_or_without_a_platform_role_is_refused_and_the_denial_audited()
    {
        var otherDepartment = $"dept-b-user-{Guid.NewGuid():N}"[..24];
        var noRole = $"keycloak-admin-{Guid.NewGuid():N}"[..24];
        var tokens = new[]
        {
            (Actor: otherDepartment, Token: Issuer.Mint(new TokenRequest { Username = otherDepartment, Department = "dept-b", ClientRoles = ["archive-admin"] })),
            // "admin" in the realm is Keycloak's own role, not mapped to the platform: no platform role at all.
            (Actor: noRole, Token: Issuer.Mint(new TokenRequest { Username = noRole, RealmRoles = ["admin", "offline_access"] })),
        };

        foreach (var (actor, token) in tokens)
        {
            // From an address of its own: the gateway counts its denials per source address.
            using var gateway = Client(Node.Gateway, token, LoopbackSource.New());
            using (var response = await gateway.GetAsync("api/catalogue/records")) response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, actor);
            using (var response = await gateway.GetAsync("api/sharing/rules")) response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, actor);
            using var service = Client(Node.ServiceUrl("sharing"), token);
            using (var response = await service.GetAsync("api/sharing/rules")) response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, actor);
        }

        using var auditor = Client(Node.Gateway, Issuer.Mint(new TokenRequest { ClientRoles = ["archive-auditor"] }));
        // The gateway's two denials are counted in one entry per window, the service's own is an entry of its own.
        var other = await EntriesAsync(auditor, $"actor={otherDepartment}", GatewayAndServiceDenials);
        other.ShouldAllBe(e => e.GetProperty("outcome").GetString() == "denied");
        other.ShouldAllBe(e => e.GetProperty("department").GetString() == "dept-b");
        var roleless = await EntriesAsync(auditor, $"actor={noRole}", GatewayAndServiceDenials);
        roleless.ShouldAllBe(e => e.GetProperty("outcome").GetString() == "denied" && e.GetProperty("department").GetString() == "dept-a");

        static bool GatewayAndServiceDenials(IReadOnlyList<JsonElement> entries) =>
            entries.Any(e => e.GetProperty("action").GetString() == GatewayDenialEntries.Action)
            && entries.Any(e => e.GetProperty("action").GetString() == "api.sharingpolicy.get");
    }

    [Fact]
    public async Task An_invalid_external_token_is_audited_as_an_anonymous_denial()
    {
        var record = Guid.NewGuid();
        var source = LoopbackSource.New();
        using var gateway = Client(Node.Gateway, Invalid("bad signature"), source);
        using (var response = await gateway.DeleteAsync($"api/catalogue/records/{record}")) response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var auditor = Client(Node.Gateway, Issuer.Mint(new TokenRequest { ClientRoles = ["archive-auditor"] }));
        var entry = (await EntriesAsync(auditor, $"action={GatewayDenialEntries.Action}&subject={source}", items => items.Count > 0))
            .ShouldHaveSingleItem();
        entry.GetProperty("outcome").GetString().ShouldBe("denied");
        entry.GetProperty("actor").GetString().ShouldBe("anonymous");
        GatewayDenialEntries.Samples(entry, "paths").ShouldBe([$"/api/catalogue/records/{record}"]);
    }

    [Fact]
    public async Task The_nodes_own_client_credentials_tokens_still_work_next_to_the_external_ones()
    {
        using var http = await Node.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(2);
        using var pushed = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
        ((int)pushed.StatusCode).ShouldBeOneOf(200, 201, 202);
        using var audit = await http.GetAsync("api/audit/entries?limit=1");
        audit.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task With_node_tokens_turned_off_the_token_endpoint_refuses_and_node_tokens_are_refused()
    {
        var settings = fixture.Settings();
        settings["Auth__External__AcceptNodeTokens"] = "false";
        var virtualHost = await fixture.IsolatedVirtualHostAsync();
        var gateway = await Node.StartVariantAsync("gateway", "externalonly", virtualHost, settings);
        var catalogue = await Node.StartVariantAsync("catalogue", "externalonly", virtualHost, settings);

        using var anonymous = new HttpClient { BaseAddress = gateway };
        using (var response = await anonymous.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = Node.Client.Id,
            ["client_secret"] = Node.Client.Secret,
        })))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await response.ReadJsonAsync()).GetProperty("error").GetString().ShouldBe("unauthorized_client");
        }

        // A token the node's main gateway issued (same signing key and issuer) is no longer accepted anywhere.
        var nodeToken = await Node.TokenAsync();
        using (var http = Client(gateway, nodeToken))
        using (var response = await http.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var http = Client(catalogue, nodeToken))
        using (var response = await http.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // Every token now goes to the provider's validation, so a foreign issuer is refused there.
        using (var http = Client(gateway, Invalid("wrong issuer")))
        using (var response = await http.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var external = Issuer.Mint(new TokenRequest { ClientRoles = ["archive-publisher"] });
        using (var http = Client(gateway, external))
        using (var response = await http.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var http = Client(catalogue, external))
        using (var response = await http.GetAsync("api/catalogue/records"))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    private string Invalid(string kind)
    {
        var valid = new TokenRequest { ClientRoles = ["archive-admin"] };
        return kind switch
        {
            // Same key, same shape: only the iss differs (another realm of the same server).
            "wrong issuer" => Issuer.Mint(valid with { Issuer = Issuer.Issuer.Replace("/realms/dept-a", "/realms/dept-b", StringComparison.Ordinal) }),
            "wrong audience" => Issuer.Mint(valid with { Audiences = ["account", "some-other-client"] }),
            "expired" => Issuer.Mint(valid with { Expires = DateTime.UtcNow.AddMinutes(-2) }),
            // The published kid and a valid payload, but the signature of another key (a forged or altered token).
            "bad signature" => OidcIssuer.WithSignatureOf(Issuer.Mint(valid), Issuer.Mint(valid with { SigningKey = Issuer.Unpublished })),
            "unknown key id" => Issuer.Mint(valid with { SigningKey = Issuer.Unpublished }),
            "unsigned" => Issuer.Mint(valid with { WithoutSignature = true }),
            "no subject" => Issuer.Mint(valid with { Subject = "" }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static HttpClient Client(Uri baseAddress, string token, LoopbackSource? source = null)
    {
        var http = source?.Client(baseAddress) ?? new HttpClient { BaseAddress = baseAddress };
        // Generous: the whole suite runs in parallel on two cores.
        http.Timeout = TimeSpan.FromMinutes(2);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<IReadOnlyList<JsonElement>> EntriesAsync(HttpClient auditor, string filter, Func<IReadOnlyList<JsonElement>, bool> until) =>
        await Eventually.Until(async () =>
        {
            var page = await auditor.GetJsonAsync($"api/audit/entries?{filter}&limit=100");
            return (IReadOnlyList<JsonElement>)[.. page.GetProperty("items").EnumerateArray()];
        }, until, TimeSpan.FromMinutes(2), $"the audit entries matching {filter}");
}
