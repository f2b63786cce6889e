using Scalar.AspNetCore;

namespace Platform.Gateway.Docs;

internal static class ApiDocs
{
    /// <summary>The services' OpenAPI documents, proxied by the gateway as /openapi/{name}.json (see appsettings.json).</summary>
    private static readonly (string Name, string Title)[] Documents =
    [
        ("catalogue", "Catalogue"),
        ("sharing", "Sharing policy"),
        ("audit", "Audit"),
        ("notify", "Notification"),
    ];

    /// <summary>/docs: the node's API reference (Scalar), its script served from the gateway itself, nothing fetched from a CDN.</summary>
    public static IEndpointConventionBuilder MapApiDocs(this IEndpointRouteBuilder app) =>
        app.MapScalarApiReference("/docs", options =>
        {
            options.WithTitle("Archive exchange platform API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp();
            foreach (var (name, title) in Documents)
            {
                options.AddDocument(name, title, isDefault: name == Documents[0].Name);
            }
        }).AllowAnonymous();
}
