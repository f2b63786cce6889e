using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults;

/// <summary>OpenTelemetry for traces, metrics and logs; OTLP when configured, Prometheus always.</summary>
public static class Telemetry
{
    /// <summary>The platform's own activity source and meter name.</summary>
    public const string SourceName = "Platform";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts the producer span of a message sent later from a table (the outbox, the saga's scheduled timeouts), as a
    /// child of the W3C trace context stored with it, so the send continues the trace of the work that stored it.
    /// </summary>
    public static Activity? StartStoredSend(string name, string? traceParent, string? traceState, Guid messageId)
    {
        ActivityContext.TryParse(traceParent, traceState, out var parent);
        var activity = Source.StartActivity(name, ActivityKind.Producer, parent);
        activity?.SetTag("messaging.message.id", messageId);
        return activity;
    }

    /// <summary>Most series one metric keeps per process unless <c>Telemetry:MetricSeriesLimit</c> says otherwise.</summary>
    internal const int DefaultMetricSeriesLimit = 500;

    internal static void AddPlatformTelemetry(this WebApplicationBuilder builder, string serviceName, string nodeId)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var seriesLimit = builder.Configuration.GetValue("Telemetry:MetricSeriesLimit", DefaultMetricSeriesLimit);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(serviceName: serviceName, serviceNamespace: nodeId)
                .AddAttributes([new("platform.node", nodeId)]))
            .WithTracing(tracing => tracing
                .AddSource(SourceName, "MassTransit")
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(SourceName, "MassTransit", "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                // Every instrument preallocates one point per possible series: 2,000 by default, 72 instruments here,
                // 10 MB of large-object heap per process (measured). The busiest series set, HTTP routes × status codes
                // of the sharing service, stays under 250; series past the limit are kept as one overflow series.
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = seriesLimit })
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
