using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// A real, minimal OpenID Connect issuer shaped like a Keycloak realm, on 127.0.0.1: the discovery document at
/// <c>/realms/{realm}/.well-known/openid-configuration</c>, the JWKS at <c>/realms/{realm}/protocol/openid-connect/certs</c>,
/// and RS256 access tokens with Keycloak's claims (<c>realm_access.roles</c>, <c>resource_access.{client}.roles</c>,
/// <c>azp</c>, <c>preferred_username</c>, <c>typ</c>). Tokens are minted in process; nodes fetch the keys over HTTP.
/// </summary>
public sealed class OidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _jwksRequests;

    private OidcIssuer(WebApplication app, string realm)
    {
        _app = app;
        Realm = realm;
    }

    public string Realm { get; }

    /// <summary>The realm's URL, which is also the <c>iss</c> of its tokens (as in Keycloak).</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>The published signing key.</summary>
    public SigningCredentials Signing { get; } = NewKey("realm-key-1");

    /// <summary>A key the JWKS never lists.</summary>
    public SigningCredentials Unpublished { get; } = NewKey("unpublished-key");

    /// <summary>How often the JWKS was fetched: proof that nodes discovered and used it.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public static async Task<OidcIssuer> StartAsync(string realm)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var issuer = new OidcIssuer(app, realm);
        app.MapGet($"/realms/{realm}/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = $"{issuer.Issuer}/protocol/openid-connect/certs",
            ["token_endpoint"] = $"{issuer.Issuer}/protocol/openid-connect/token",
            ["authorization_endpoint"] = $"{issuer.Issuer}/protocol/openid-connect/auth",
            ["response_types_supported"] = new List<string> { "code" },
            ["subject_types_supported"] = new List<string> { "public" },
            ["id_token_signing_alg_values_supported"] = new List<string> { "RS256" },
            ["grant_types_supported"] = new List<string> { "client_credentials", "authorization_code" },
        }));
        app.MapGet($"/realms/{realm}/protocol/openid-connect/certs", () =>
        {
            Interlocked.Increment(ref issuer._jwksRequests);
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey((RsaSecurityKey)issuer.Signing.Key);
            return Results.Json(new
            {
                keys = new[] { new { kid = jwk.Kid, kty = jwk.Kty, alg = "RS256", use = "sig", n = jwk.N, e = jwk.E } },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        issuer.Issuer = $"{address.TrimEnd('/')}/realms/{realm}";
        return issuer;
    }

    /// <summary>
    /// An access token as Keycloak issues it to a confidential client's service account (or a user), with the request's
    /// realm roles in <c>realm_access.roles</c> and its client roles in <c>resource_access.{first audience}.roles</c>.
    /// </summary>
    public string Mint(TokenRequest request)
    {
        var now = DateTime.UtcNow;
        var expires = request.Expires ?? now.AddMinutes(5);
        // An already expired token was issued before it expired; any other was issued now.
        var issued = expires < now ? expires.AddMinutes(-5) : now;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = request.Subject,
            ["typ"] = "Bearer",
            ["azp"] = request.AuthorizedParty,
            ["preferred_username"] = request.Username,
            ["scope"] = "profile email",
            ["jti"] = Guid.NewGuid().ToString(),
            ["aud"] = request.Audiences.ToList(),
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = request.RealmRoles.ToList() },
            ["resource_access"] = new Dictionary<string, object>
            {
                [request.Audiences[0]] = new Dictionary<string, object> { ["roles"] = request.ClientRoles.ToList() },
                ["account"] = new Dictionary<string, object> { ["roles"] = new List<string> { "manage-account", "view-profile" } },
            },
        };
        if (request.Department is not null) claims["dept"] = request.Department;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = request.Issuer ?? Issuer,
            Claims = claims,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expires,
            SigningCredentials = request.WithoutSignature ? null : request.SigningKey ?? Signing,
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>Same header and payload, the signature of another key: a forged or altered token.</summary>
    public static string WithSignatureOf(string token, string otherToken) =>
        string.Join('.', token.Split('.')[..2]) + "." + otherToken.Split('.')[2];

    private static SigningCredentials NewKey(string kid) =>
        new(new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid }, SecurityAlgorithms.RsaSha256);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What a minted token says; the defaults are a valid dept-a publisher.</summary>
public sealed record TokenRequest
{
    public string Subject { get; init; } = Guid.NewGuid().ToString();
    public string Username { get; init; } = "service-account-dept-a-archive-system";
    public string AuthorizedParty { get; init; } = "dept-a-archive-system";
    public IReadOnlyList<string> Audiences { get; init; } = ["archive-platform", "account"];
    public IReadOnlyList<string> RealmRoles { get; init; } = ["offline_access", "uma_authorization", "default-roles-dept-a"];
    public IReadOnlyList<string> ClientRoles { get; init; } = [];
    public string? Department { get; init; } = "dept-a";
    public string? Issuer { get; init; }
    public DateTime? Expires { get; init; }
    public SigningCredentials? SigningKey { get; init; }

    /// <summary><c>alg: none</c>.</summary>
    public bool WithoutSignature { get; init; }
}
