using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;

namespace Platform.ServiceDefaults;

/// <summary>Services accept the access tokens their node's gateway issues, and check roles per endpoint.</summary>
public static class Authentication
{
    internal static void AddPlatformAuthentication(this WebApplicationBuilder builder, NodeOptions node)
    {
        var authority = builder.Configuration["Auth:Authority"]
            ?? throw new InvalidOperationException("Auth:Authority (the node gateway's URL) is not configured (Auth__Authority).");
        var authorityUri = new Uri(authority);

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = authority;
            options.Audience = PlatformClaims.Audience;
            // Plain HTTP to the gateway is allowed only on loopback (local nodes); anything else needs HTTPS.
            options.RequireHttpsMetadata = builder.Configuration.GetValue("Auth:RequireHttpsMetadata", !authorityUri.IsLoopback);
            options.MapInboundClaims = false;
            options.TokenValidationParameters.NameClaimType = PlatformClaims.Subject;
            options.TokenValidationParameters.RoleClaimType = PlatformClaims.Role;
        }).AddExternalIdentityProvider(builder.Configuration, node, JwtBearerDefaults.AuthenticationScheme);
        builder.Services.WithoutDataProtectionWarmUp();

        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(DepartmentPolicy(node).Build())
            .SetFallbackPolicy(DepartmentPolicy(node).Build())
            .AddRolePolicies(node);
    }

    /// <summary>Any authenticated client of this node's own department that holds at least one platform role.</summary>
    private static AuthorizationPolicyBuilder DepartmentPolicy(NodeOptions node) =>
        new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireClaim(PlatformClaims.Department, node.Id)
            .RequireClaim(PlatformClaims.Role, Roles.All);

    private static AuthorizationBuilder AddRolePolicies(this AuthorizationBuilder authorization, NodeOptions node)
    {
        foreach (var role in Roles.All)
        {
            authorization.AddPolicy(role, policy => policy
                .Combine(DepartmentPolicy(node).Build())
                .RequireRole(role, Roles.Admin));
        }
        return authorization;
    }
}
