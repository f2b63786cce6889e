using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using Platform.Contracts;
using Platform.Gateway.Infrastructure;
using Platform.ServiceDefaults;

namespace Platform.Gateway.Auth;

internal static class AuthExtensions
{
    /// <summary>The policy of every /api route: a valid token issued by this node, for this node's department.</summary>
    public const string NodeClientPolicy = "node-client";

    /// <summary>
    /// The node's OAuth2 server (client credentials only, plain signed JWT access tokens for the node's services)
    /// and the gateway's own check of those tokens before it proxies a call.
    /// </summary>
    public static WebApplicationBuilder AddGatewayAuth(this WebApplicationBuilder builder, NodeOptions node)
    {
        var auth = builder.Configuration.GetSection("Auth");

        builder.Services.AddClientRegistrations();
        builder.Services.AddScoped<ClientBootstrap>();

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<GatewayDbContext>())
            .AddServer(server =>
            {
                if (auth["Issuer"] is { Length: > 0 } issuer)
                {
                    server.SetIssuer(new Uri(issuer, UriKind.Absolute));
                }
                server.SetTokenEndpointUris("connect/token")
                    .AllowClientCredentialsFlow()
                    .SetAccessTokenLifetime(auth.GetValue("AccessTokenLifetime", TimeSpan.FromHours(1)))
                    // The services validate tokens themselves with the JWKS, so tokens are signed JWTs, not encrypted.
                    .DisableAccessTokenEncryption()
                    // Self-contained tokens need no row per issued token (nothing here revokes or introspects them).
                    .DisableTokenStorage()
                    .AddEphemeralEncryptionKey();
                // Local nodes listen on plain HTTP on 127.0.0.1; elsewhere TLS ends in front of the gateway.
                server.UseAspNetCore()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.AddAudiences(PlatformClaims.Audience);
                validation.UseAspNetCore();
            });
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, SigningKeyConfiguration>();
        // Load (or create) the signing key at start-up, not on the first token request.
        builder.Services.AddOptions<OpenIddictServerOptions>().ValidateOnStart();

        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .AddExternalIdentityProvider(builder.Configuration, node, OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        // A token without any platform role (possible from an external provider) is turned away here already.
        var nodeClient = new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireClaim(PlatformClaims.Department, node.Id)
            .RequireClaim(PlatformClaims.Role, Roles.All)
            .Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(NodeClientPolicy, nodeClient)
            // Anything mapped without an explicit policy is closed too; the anonymous endpoints say so.
            .SetFallbackPolicy(nodeClient);
        return builder;
    }
}
