using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Shouldly;

namespace Platform.Tests.Unit;

/// <summary>How a Keycloak-shaped token's claims become the platform's role and department claims.</summary>
public sealed class ExternalClaimMappingTests
{
    private const string KeycloakToken = """
        {
          "iss": "https://sso.example.gov.cn/realms/dept-a", "sub": "5f0c9d2e", "azp": "dept-a-archive-system",
          "preferred_username": "service-account-dept-a-archive-system", "dept": "dept-a",
          "realm_access": { "roles": ["offline_access", "default-roles-dept-a", "auditor", "admin"] },
          "resource_access": {
            "archive.platform": { "roles": ["archive-publisher", "archive-reviewer"] },
            "account": { "roles": ["manage-account"] }
          }
        }
        """;

    [Fact]
    public void Without_a_role_map_only_realm_roles_named_like_platform_roles_count()
    {
        var identity = Map(new ExternalIdentityProviderOptions());

        identity.Roles.ShouldBe([Roles.Admin, Roles.Auditor]);
        identity.Department.ShouldBe("dept-a");
        identity.Actor.ShouldBe("service-account-dept-a-archive-system");
        identity.Issuer.ShouldBe("https://sso.example.gov.cn/realms/dept-a");
    }

    [Fact]
    public void With_a_role_map_only_mapped_roles_count_even_from_a_client_id_with_dots()
    {
        var identity = Map(new ExternalIdentityProviderOptions
        {
            RoleClaim = "realm_access.roles, resource_access.archive.platform.roles",
            RoleMap = new() { ["archive-publisher"] = Roles.Publisher, ["archive-reviewer"] = Roles.Reviewer },
        });

        // "admin" and "auditor" in the realm are Keycloak's own names here, not grants on the platform.
        identity.Roles.ShouldBe([Roles.Publisher, Roles.Reviewer]);
    }

    [Fact]
    public void The_fixed_department_applies_only_to_tokens_without_a_department_claim()
    {
        var options = new ExternalIdentityProviderOptions { Department = "dept-a" };

        Map(options, """{"sub":"u1","realm_access":{"roles":["publisher"]}}""").Department.ShouldBe("dept-a");
        Map(options, """{"sub":"u1","dept":"dept-b"}""").Department.ShouldBe("dept-b");
        Map(options, """{"sub":"u1","dept":["dept-a","dept-b"]}""").Department.ShouldBeNull();
        Map(options, """{"sub":"u1","dept":42}""").Department.ShouldBeNull();
        Map(new ExternalIdentityProviderOptions(), """{"sub":"u1"}""").Department.ShouldBeNull();
    }

    [Fact]
    public void A_nested_department_claim_and_an_actor_without_username_fall_back_to_the_client()
    {
        var identity = Map(new ExternalIdentityProviderOptions { DepartmentClaim = "org.department" },
            """{"sub":"u1","azp":"oa-system","org":{"department":"dept-a"}}""");

        identity.Department.ShouldBe("dept-a");
        identity.Actor.ShouldBe("oa-system");
        identity.Roles.ShouldBeEmpty();
    }

    [Fact]
    public void The_platform_identity_carries_only_the_platform_claims()
    {
        var claims = Map(new ExternalIdentityProviderOptions()).ToClaimsIdentity("test").Claims.Select(c => c.Type).Distinct().Order();

        claims.ShouldBe(new[] { PlatformClaims.ClientId, PlatformClaims.Department, ExternalIdentityProvider.IdentityProviderClaim, PlatformClaims.Role, PlatformClaims.Subject }.Order());
    }

    [Fact]
    public void A_misconfigured_provider_stops_the_process_naming_each_bad_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:External:Authority"] = "https://sso.example.gov.cn/realms/dept-a",
            ["Auth:External:Department"] = "dept-b",
            ["Auth:External:RoleMap:archive-boss"] = "superuser",
        }).Build();
        var authentication = new ServiceCollection().AddAuthentication();

        var error = Should.Throw<InvalidOperationException>(() =>
            authentication.AddExternalIdentityProvider(configuration, new NodeOptions { Id = "dept-a" }, "Bearer"));

        error.Message.ShouldContain("Auth:External:Audience");
        error.Message.ShouldContain("Auth:External:Department must be this node's id 'dept-a'");
        error.Message.ShouldContain("Auth:External:RoleMap:archive-boss: unknown role 'superuser'");
    }

    [Fact]
    public void Without_an_authority_nothing_changes()
    {
        var services = new ServiceCollection();
        services.AddAuthentication("Bearer").AddExternalIdentityProvider(new ConfigurationBuilder().Build(), new NodeOptions { Id = "dept-a" }, "Bearer");

        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Authentication.AuthenticationOptions>>()
            .Value.DefaultScheme.ShouldBe("Bearer");
    }

    private static ExternalIdentity Map(ExternalIdentityProviderOptions options, string payload = KeycloakToken)
    {
        using var document = JsonDocument.Parse(payload);
        return new ExternalClaimMapping(options).Map(document.RootElement);
    }
}
