using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Platform.Contracts;
using Platform.ServiceDefaults;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Gateway.Auth;

/// <summary>
/// POST /connect/token: OpenIddict has already checked the grant type and the client's secret;
/// this handler decides what the access token says about the client.
/// </summary>
internal static class TokenEndpoint
{
    public static IEndpointConventionBuilder MapTokenEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost("/connect/token", IssueAsync).AllowAnonymous().ExcludeFromDescription();

    private static async Task<IResult> IssueAsync(
        HttpContext context,
        IOpenIddictApplicationManager applications,
        IOptions<NodeOptions> node,
        IOptions<ExternalIdentityProviderOptions> external,
        CancellationToken cancellationToken)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request is missing: is the token endpoint passthrough enabled?");
        if (!request.IsClientCredentialsGrantType())
        {
            return Reject(Errors.UnsupportedGrantType, "Only the client_credentials grant is supported.");
        }

        if (external.Value is { IsConfigured: true, AcceptNodeTokens: false })
        {
            return Reject(Errors.UnauthorizedClient, "This node accepts access tokens from its external identity provider only.");
        }

        // OpenIddict has authenticated the client, so client_id is present; the lookup can still miss if it was deleted since.
        var clientId = request.ClientId!;
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return Reject(Errors.InvalidClient, "The client is not registered at this node.");
        }

        var roles = ClientRegistrations.GetRoles(await applications.GetPropertiesAsync(application, cancellationToken));

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(PlatformClaims.Subject, clientId)
            .SetClaim(PlatformClaims.ClientId, clientId)
            .SetClaim(PlatformClaims.Department, node.Value.Id)
            .SetClaims(PlatformClaims.Role, [.. roles]);
        identity.SetDestinations(static _ => [Destinations.AccessToken]);

        var principal = new ClaimsPrincipal(identity);
        principal.SetResources(PlatformClaims.Audience);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Reject(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
