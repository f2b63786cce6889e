using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using Platform.Contracts;

namespace Platform.Gateway.Auth;

/// <summary>One machine client of this node, as configured; upserted into the database at start-up.</summary>
public sealed class ClientRegistration
{
    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    public string? DisplayName { get; set; }

    public IList<string> Roles { get; } = [];
}

/// <summary>Every configured client: section <c>Clients</c> plus the <c>Clients</c> of the optional <c>Auth:ClientsFile</c>.</summary>
public sealed class ClientRegistrationOptions
{
    public const string Section = "Clients";

    public List<ClientRegistration> Clients { get; } = [];
}

internal static class ClientRegistrations
{
    /// <summary>The application property that holds a client's roles (a JSON array of role names).</summary>
    private const string RolesProperty = "roles";

    public static void AddClientRegistrations(this IServiceCollection services)
    {
        services.AddOptions<ClientRegistrationOptions>()
            .Configure<IConfiguration, IHostEnvironment>((options, configuration, environment) =>
            {
                options.Clients.AddRange(Read(configuration));
                if (configuration["Auth:ClientsFile"] is { Length: > 0 } file)
                {
                    // A separate source, not merged into the app's configuration: its Clients:0 must not overwrite ours.
                    var path = Path.GetFullPath(file, environment.ContentRootPath);
                    options.Clients.AddRange(Read(new ConfigurationBuilder().AddJsonFile(path, optional: true).Build()));
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClientRegistrationOptions>, ClientRegistrationValidator>();
    }

    public static IReadOnlyList<string> GetRoles(IReadOnlyDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(RolesProperty, out var roles) && roles.ValueKind == JsonValueKind.Array
            ? [.. roles.EnumerateArray().Select(role => role.GetString()).OfType<string>()]
            : [];

    public static void SetRoles(OpenIddictApplicationDescriptor descriptor, IEnumerable<string> roles) =>
        descriptor.Properties[RolesProperty] = JsonSerializer.SerializeToElement(roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private static List<ClientRegistration> Read(IConfiguration configuration) =>
        configuration.GetSection(ClientRegistrationOptions.Section).Get<List<ClientRegistration>>() ?? [];
}

/// <summary>Stops start-up with a clear message when a configured client is incomplete or names an unknown role.</summary>
internal sealed class ClientRegistrationValidator : IValidateOptions<ClientRegistrationOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientRegistrationOptions options)
    {
        var errors = new List<string>();
        foreach (var (client, index) in options.Clients.Select((client, index) => (client, index)))
        {
            var label = string.IsNullOrWhiteSpace(client.ClientId) ? $"Clients[{index}]" : $"Client '{client.ClientId}'";
            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                errors.Add($"{label}: ClientId is required");
            }
            if (string.IsNullOrWhiteSpace(client.ClientSecret))
            {
                errors.Add($"{label}: ClientSecret is required (clients are confidential)");
            }
            foreach (var role in client.Roles.Where(role => !Roles.All.Contains(role)))
            {
                errors.Add($"{label}: unknown role '{role}' (known roles: {string.Join(", ", Roles.All)})");
            }
        }
        foreach (var duplicate in options.Clients.GroupBy(client => client.ClientId, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            errors.Add($"Client '{duplicate.Key}' is configured {duplicate.Count()} times (section Clients and Auth:ClientsFile together)");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
