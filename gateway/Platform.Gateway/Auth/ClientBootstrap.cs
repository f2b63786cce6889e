using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Gateway.Auth;

/// <summary>Makes the database's OpenIddict applications match the configured clients (create or update; others are left alone).</summary>
internal sealed partial class ClientBootstrap(
    IOpenIddictApplicationManager applications,
    IOptions<ClientRegistrationOptions> options,
    ILogger<ClientBootstrap> logger)
{
    public async Task UpsertAsync(CancellationToken cancellationToken)
    {
        foreach (var client in options.Value.Clients)
        {
            var application = await applications.FindByClientIdAsync(client.ClientId, cancellationToken);
            if (application is null)
            {
                var created = Describe(new OpenIddictApplicationDescriptor(), client);
                created.ClientId = client.ClientId;
                created.ClientSecret = client.ClientSecret;
                await applications.CreateAsync(created, cancellationToken);
                LogCreated(logger, client.ClientId, client.Roles);
                continue;
            }

            var current = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(current, application, cancellationToken);
            var secretChanged = !await applications.ValidateClientSecretAsync(application, client.ClientSecret, cancellationToken);
            var unchanged = !secretChanged
                && current.DisplayName == DisplayName(client)
                && ClientRegistrations.GetRoles(current.Properties).SequenceEqual(client.Roles.Distinct().Order(StringComparer.Ordinal))
                && current.ClientType == ClientTypes.Confidential
                && current.Permissions.IsSupersetOf(RequiredPermissions);
            if (unchanged)
            {
                continue;
            }

            var updated = Describe(current, client);
            if (secretChanged)
            {
                // A plain secret here differs from the stored hash, so OpenIddict hashes it on update.
                updated.ClientSecret = client.ClientSecret;
            }
            await applications.UpdateAsync(application, updated, cancellationToken);
            LogUpdated(logger, client.ClientId, client.Roles, secretChanged);
        }
    }

    private static readonly string[] RequiredPermissions = [Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials];

    private static OpenIddictApplicationDescriptor Describe(OpenIddictApplicationDescriptor descriptor, ClientRegistration client)
    {
        descriptor.ClientType = ClientTypes.Confidential;
        descriptor.DisplayName = DisplayName(client);
        descriptor.Permissions.UnionWith(RequiredPermissions);
        ClientRegistrations.SetRoles(descriptor, client.Roles);
        return descriptor;
    }

    private static string DisplayName(ClientRegistration client) =>
        string.IsNullOrWhiteSpace(client.DisplayName) ? client.ClientId : client.DisplayName;

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId} created with roles {Roles}")]
    private static partial void LogCreated(ILogger logger, string clientId, IList<string> roles);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId} updated: roles {Roles}, secret changed: {SecretChanged}")]
    private static partial void LogUpdated(ILogger logger, string clientId, IList<string> roles, bool secretChanged);
}
