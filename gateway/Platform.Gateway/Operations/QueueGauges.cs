using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults;

namespace Platform.Gateway.Operations;

/// <summary>
/// The node's queues as gauges (<c>platform.queue.messages</c>, <c>…messages_ready</c>, <c>…consumers</c>, tag <c>queue</c>),
/// read from the broker's management API every few seconds, so Prometheus can alert on consumer lag and error queues.
/// </summary>
internal sealed class QueueGauges(IHttpClientFactory clients, IConfiguration configuration, IOptions<OpsOptions> options,
    IOptions<NodeOptions> node) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private volatile IReadOnlyList<QueueStatus> _queues = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RabbitMqManagementUrl is null) return;
        PlatformMetrics.Meter.CreateObservableGauge("platform.queue.messages", () => Measure(q => q.Messages), "{message}",
            "Messages in each of the node's queues (ready and unacknowledged).");
        PlatformMetrics.Meter.CreateObservableGauge("platform.queue.messages_ready", () => Measure(q => q.Ready), "{message}",
            "Messages waiting for a consumer in each of the node's queues: the consumer lag.");
        PlatformMetrics.Meter.CreateObservableGauge("platform.queue.consumers", () => Measure(q => q.Consumers), "{consumer}",
            "Consumers attached to each of the node's queues.");
        using var timer = new PeriodicTimer(Interval);
        do
        {
            using var http = clients.CreateClient(OpsApi.HttpClientName);
            http.Timeout = options.Value.ProbeTimeout;
            var (queues, error) = await OpsApi.QueuesAsync(http, options.Value, configuration.GetConnectionString("RabbitMq"),
                node.Value.Id, stoppingToken);
            if (error is null) _queues = queues;
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private IEnumerable<Measurement<long>> Measure(Func<QueueStatus, long> value) =>
        _queues.Select(q => new Measurement<long>(value(q), new KeyValuePair<string, object?>("queue", q.Name)));

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
