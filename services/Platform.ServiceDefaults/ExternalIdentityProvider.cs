using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Contracts;

namespace Platform.ServiceDefaults;

/// <summary>
/// <c>Auth:External</c>: an OpenID Connect provider (e.g. a department's Keycloak realm) whose access tokens the node
/// accepts in place of, or next to, the tokens its gateway issues. Unset <see cref="Authority"/> = off.
/// </summary>
public sealed class ExternalIdentityProviderOptions
{
    public const string Section = "Auth:External";

    /// <summary>The provider's issuer URL; its <c>/.well-known/openid-configuration</c> and JWKS are fetched from there.</summary>
    public string? Authority { get; set; }

    /// <summary>The discovery document's URL when it is not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The <c>iss</c> the tokens carry when it differs from the discovery document's (default: the document's).</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every accepted token must carry (required).</summary>
    public string? Audience { get; set; }

    /// <summary>Where the roles are: claim paths separated by commas, dots going into objects (Keycloak: <c>realm_access.roles</c>).</summary>
    public string RoleClaim { get; set; } = "realm_access.roles";

    /// <summary>External role name → platform role. When empty, only roles named exactly like the platform's count.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = [];

    /// <summary>Claim path of the caller's department id; a token naming another department than this node's is refused.</summary>
    public string DepartmentClaim { get; set; } = PlatformClaims.Department;

    /// <summary>
    /// The department of tokens that carry no <see cref="DepartmentClaim"/> (a provider that serves this department only);
    /// must be this node's id.
    /// </summary>
    public string? Department { get; set; }

    /// <summary>Who the caller is in the audit log and for rate limits (falls back to <c>azp</c>, then <c>sub</c>).</summary>
    public string ActorClaim { get; set; } = "preferred_username";

    /// <summary>Whether the tokens of the node's own <c>/connect/token</c> stay accepted next to the provider's.</summary>
    public bool AcceptNodeTokens { get; set; } = true;

    /// <summary>HTTPS for the discovery document and JWKS (default: required unless the authority is on loopback).</summary>
    public bool? RequireHttpsMetadata { get; set; }

    /// <summary>Tolerated clock difference for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>
/// Adds the external provider's JWT bearer scheme next to the node's own and makes a selector (by the token's unvalidated
/// <c>iss</c>) the default scheme, so every role and department policy applies unchanged. The provider's token is validated
/// in full (signature against its JWKS, issuer, audience, lifetime) by each process that receives it, the gateway and every
/// service alike; its claims are then replaced by the platform's own (<see cref="PlatformClaims"/>).
/// </summary>
public static partial class ExternalIdentityProvider
{
    public const string Scheme = "external-oidc";

    /// <summary>The default scheme when an external provider is configured: picks the node's or the provider's scheme per token.</summary>
    public const string SelectorScheme = "platform-token";

    /// <summary>Marks identities that came from the external provider (value: its issuer).</summary>
    public const string IdentityProviderClaim = "idp";

    // Only asymmetric signatures: an HMAC token "signed" with a public key, or an unsigned one, is never accepted.
    private static readonly string[] AllowedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    /// <summary>
    /// When <c>Auth:External:Authority</c> is set: the provider's scheme, and a default scheme that sends tokens of the
    /// provider's issuer to it and all others to <paramref name="nodeScheme"/> (unless node tokens are turned off).
    /// </summary>
    public static AuthenticationBuilder AddExternalIdentityProvider(this AuthenticationBuilder authentication,
        IConfiguration configuration, NodeOptions node, string nodeScheme)
    {
        var section = configuration.GetSection(ExternalIdentityProviderOptions.Section);
        authentication.Services.Configure<ExternalIdentityProviderOptions>(section);
        var options = section.Get<ExternalIdentityProviderOptions>() ?? new ExternalIdentityProviderOptions();
        if (!options.IsConfigured) return authentication;
        Validate(options, node);

        var authority = new Uri(options.Authority!, UriKind.Absolute);
        var expectedIssuer = Normalise(options.Issuer ?? options.Authority!);
        var mapping = new ExternalClaimMapping(options);

        authentication.AddJwtBearer(Scheme, bearer =>
        {
            bearer.Authority = options.Authority;
            if (options.MetadataAddress is { Length: > 0 } metadata) bearer.MetadataAddress = metadata;
            bearer.Audience = options.Audience;
            bearer.RequireHttpsMetadata = options.RequireHttpsMetadata ?? !authority.IsLoopback;
            bearer.MapInboundClaims = false;
            bearer.SaveToken = false;
            var validation = bearer.TokenValidationParameters;
            if (options.Issuer is { Length: > 0 } issuer) validation.ValidIssuer = issuer;
            validation.ValidateIssuer = true;
            validation.ValidateAudience = true;
            validation.ValidateLifetime = true;
            validation.RequireExpirationTime = true;
            validation.RequireSignedTokens = true;
            validation.ValidateIssuerSigningKey = true;
            validation.ValidAlgorithms = AllowedAlgorithms;
            validation.ClockSkew = options.ClockSkew;
            validation.NameClaimType = PlatformClaims.Subject;
            validation.RoleClaimType = PlatformClaims.Role;
        });
        authentication.Services.AddOptions<JwtBearerOptions>(Scheme).Configure<ILoggerFactory>((bearer, loggers) =>
            bearer.Events = Events(mapping, node, loggers.CreateLogger(typeof(ExternalIdentityProvider).FullName!)));

        authentication.AddPolicyScheme(SelectorScheme, "Node or external provider token", selector =>
            selector.ForwardDefaultSelector = context =>
                !options.AcceptNodeTokens || IsFromIssuer(context, expectedIssuer) ? Scheme : nodeScheme);
        authentication.Services.Configure<AuthenticationOptions>(auth =>
        {
            auth.DefaultScheme = SelectorScheme;
            auth.DefaultAuthenticateScheme = SelectorScheme;
            auth.DefaultChallengeScheme = SelectorScheme;
            auth.DefaultForbidScheme = SelectorScheme;
        });
        return authentication;
    }

    private static JwtBearerEvents Events(ExternalClaimMapping mapping, NodeOptions node, ILogger logger) => new()
    {
        OnTokenValidated = context =>
        {
            if (context.SecurityToken is not JsonWebToken token)
            {
                context.Fail("The token is not a JSON Web Token.");
                return Task.CompletedTask;
            }
            using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
            var identity = mapping.Map(payload.RootElement);
            if (identity.Subject.Length == 0)
            {
                context.Fail("The token has no subject (sub).");
                return Task.CompletedTask;
            }
            context.Principal = new ClaimsPrincipal(identity.ToClaimsIdentity(Scheme));
            if (identity.Roles.Count == 0 || identity.Department != node.Id)
            {
                // Authenticated all the same, so the policies' 403 is audited with who it was.
                LogRefused(logger, identity.Actor, identity.Department ?? "(none)",
                    identity.Roles.Count == 0 ? "no role the platform recognises" : "another department");
            }
            return Task.CompletedTask;
        },
        OnAuthenticationFailed = context =>
        {
            LogInvalidToken(logger, context.Exception.Message);
            return Task.CompletedTask;
        },
    };

    private static void Validate(ExternalIdentityProviderOptions options, NodeOptions node)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out _)) errors.Add("Auth:External:Authority must be an absolute URL");
        if (string.IsNullOrWhiteSpace(options.Audience)) errors.Add("Auth:External:Audience is required (the aud the provider puts in tokens for this platform)");
        if (string.IsNullOrWhiteSpace(options.RoleClaim)) errors.Add("Auth:External:RoleClaim is required");
        if (options.Department is { Length: > 0 } department && department != node.Id)
        {
            errors.Add($"Auth:External:Department must be this node's id '{node.Id}' (it is '{department}')");
        }
        foreach (var (external, role) in options.RoleMap.Where(entry => !Roles.All.Contains(entry.Value)))
        {
            errors.Add($"Auth:External:RoleMap:{external}: unknown role '{role}' (known roles: {string.Join(", ", Roles.All)})");
        }
        if (errors.Count > 0) throw new InvalidOperationException("External identity provider: " + string.Join("; ", errors) + ".");
    }

    /// <summary>Reads the bearer token's <c>iss</c> without validating anything: only to choose the scheme that validates it.</summary>
    private static bool IsFromIssuer(HttpContext context, string expectedIssuer)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var token = header["Bearer ".Length..].Trim();
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token)) return false;
        try
        {
            return Normalise(handler.ReadJsonWebToken(token).Issuer) == expectedIssuer;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Normalise(string issuer) => issuer.TrimEnd('/');

    [LoggerMessage(Level = LogLevel.Information, Message = "External token refused: {Reason}")]
    private static partial void LogInvalidToken(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "External token of {Actor} (department {Department}) will be refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string actor, string department, string reason);
}

/// <summary>The platform's view of a caller authenticated by the external provider.</summary>
public sealed record ExternalIdentity(string Issuer, string Subject, string Actor, string? Department, IReadOnlyList<string> Roles)
{
    /// <summary>Only the platform's claims: nothing else the provider put in the token is seen by the policies.</summary>
    public ClaimsIdentity ToClaimsIdentity(string authenticationType)
    {
        var identity = new ClaimsIdentity(authenticationType, PlatformClaims.Subject, PlatformClaims.Role);
        identity.AddClaim(new Claim(PlatformClaims.Subject, Subject));
        identity.AddClaim(new Claim(PlatformClaims.ClientId, Actor));
        identity.AddClaim(new Claim(ExternalIdentityProvider.IdentityProviderClaim, Issuer));
        if (Department is not null) identity.AddClaim(new Claim(PlatformClaims.Department, Department));
        foreach (var role in Roles) identity.AddClaim(new Claim(PlatformClaims.Role, role));
        return identity;
    }
}

/// <summary>Maps a validated token's payload to the platform's claims per <see cref="ExternalIdentityProviderOptions"/>.</summary>
public sealed class ExternalClaimMapping(ExternalIdentityProviderOptions options)
{
    private readonly string[] _rolePaths = options.RoleClaim.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public ExternalIdentity Map(JsonElement payload)
    {
        var subject = Strings(payload, "sub").FirstOrDefault() ?? "";
        var actor = Strings(payload, options.ActorClaim).FirstOrDefault()
            ?? Strings(payload, "azp").FirstOrDefault()
            ?? Strings(payload, "client_id").FirstOrDefault()
            ?? subject;
        var roles = _rolePaths.SelectMany(path => Strings(payload, path))
            .SelectMany(MapRole)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new ExternalIdentity(Strings(payload, "iss").FirstOrDefault() ?? "", subject, actor, Department(payload), roles);
    }

    /// <summary>
    /// The token's department if it names exactly one, none if it names several or something that is not a string (refused
    /// by the policies); the configured fixed department only when the token carries no department claim at all.
    /// </summary>
    private string? Department(JsonElement payload)
    {
        if (Find(payload, options.DepartmentClaim.Split('.')) is not { } claim) return options.Department is { Length: > 0 } fixedDepartment ? fixedDepartment : null;
        var values = Values(claim);
        return values.Count == 1 && values[0].Length > 0 ? values[0] : null;
    }

    private IEnumerable<string> MapRole(string external)
    {
        if (options.RoleMap.Count == 0)
        {
            if (Roles.All.Contains(external)) yield return external;
        }
        else if (options.RoleMap.TryGetValue(external, out var role))
        {
            yield return role;
        }
    }

    private static List<string> Strings(JsonElement payload, string path) =>
        Find(payload, path.Split('.')) is { } element ? Values(element) : [];

    private static List<string> Values(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => [.. element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)],
        _ => [],
    };

    /// <summary>
    /// Follows a dotted path into objects; the longest matching name is tried first, so a claim or client id that itself
    /// contains dots (<c>resource_access.archive.platform.roles</c>, <c>https://example.org/roles</c>) is still found.
    /// </summary>
    private static JsonElement? Find(JsonElement element, ReadOnlySpan<string> segments)
    {
        if (segments.Length == 0) return element;
        if (element.ValueKind != JsonValueKind.Object) return null;
        for (var take = segments.Length; take >= 1; take--)
        {
            if (element.TryGetProperty(string.Join('.', segments[..take].ToArray()), out var child)
                && Find(child, segments[take..]) is { } found)
            {
                return found;
            }
        }
        return null;
    }
}
