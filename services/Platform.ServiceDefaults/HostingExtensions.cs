using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Platform.ServiceDefaults.Input;

namespace Platform.ServiceDefaults;

/// <summary>The one place where every process of a node gets its hosting: identity, telemetry, health, errors, auth.</summary>
public static class HostingExtensions
{
    /// <summary>Health checks with this tag decide /health/ready.</summary>
    public const string ReadyTag = "ready";

    /// <summary>What the gateway and every service share: node identity, telemetry, health, problem details.</summary>
    public static NodeOptions AddHostingDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddOptions<NodeOptions>()
            .Bind(builder.Configuration.GetSection(NodeOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var node = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();

        builder.AddPlatformTelemetry(serviceName, node.Id);

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<DependencyUnavailableHandler>();
        // Binding failures reach BadRequestHandler as exceptions, so they are answered as problems naming the field.
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new StorableStringConverter()));
        builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestLineSize = RequestTargetGuard.MaxRequestLineBytes);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        if (builder.Configuration.GetValue(MemoryRelease.EnabledKey, true))
        {
            builder.Services.AddHostedService<MemoryRelease>();
        }

        // SIGTERM: give in-flight requests and consumers time to finish.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Hosting for one of the node's four services: defaults plus JWT validation, role policies and OpenAPI.</summary>
    public static NodeOptions AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        var node = builder.AddHostingDefaults(serviceName);
        builder.AddPlatformAuthentication(node);
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = $"Archive exchange platform: {serviceName} API";
            document.Info.Description = "Served through the node's gateway; every call needs a bearer token from POST /connect/token.";
            // Paths are the same through the gateway, so the document's server is wherever it was fetched from.
            document.Servers = [new OpenApiServer { Url = "/" }];
            // Tells integrators (and Scalar at /docs) how to get a token: client credentials at the gateway.
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["node-token"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.OAuth2,
                    Description = "OAuth2 client credentials at the node gateway's POST /connect/token.",
                    Flows = new OpenApiOAuthFlows
                    {
                        ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri("/connect/token", UriKind.Relative) },
                    },
                },
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("node-token", document)] = [] }];
            return Task.CompletedTask;
        }));
        return node;
    }

    /// <summary>
    /// Exception → problem details, empty error statuses → problem details, authentication and authorization, request
    /// target checks; <paramref name="authenticated"/> adds middleware that must see who the caller is before authorization.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app, Action<WebApplication>? authenticated = null)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestTargetGuard();
        app.UseApiCallAudit();
        app.UseAuthentication();
        authenticated?.Invoke(app);
        app.UseAuthorization();
        return app;
    }

    /// <summary>Health, metrics and the OpenAPI document: the anonymous endpoints every process exposes.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        if (app.Services.GetService<IOptions<Microsoft.AspNetCore.OpenApi.OpenApiOptions>>() is not null)
        {
            app.MapOpenApi("/openapi/v1.json").AllowAnonymous();
        }
        return app;
    }

    public static string RequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Connection string '{name}' is not configured (ConnectionStrings__{name}).");
}
