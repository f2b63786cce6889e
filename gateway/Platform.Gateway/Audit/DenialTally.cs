using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Gateway.Audit;

/// <summary>
/// Counts the gateway's own denials per source address, reason and window (<c>Gateway:DenialAudit:Window</c>, a minute by
/// default) and announces each count as one <see cref="GatewayDenialsCounted"/> once its window has closed, so a flood
/// costs one audit entry per source and reason a minute, however many requests it sends. Memory is bounded too: past
/// <see cref="MaxSources"/> counters in a window, further sources are counted together as <c>other</c>.
/// </summary>
internal sealed partial class DenialTally(IBus bus, IOptions<NodeOptions> node, IOptions<DenialAuditOptions> options, TimeProvider clock,
    ILogger<DenialTally> logger) : BackgroundService
{
    public const int MaxSources = 10_000;
    private const int MaxSamples = 5;
    private const int MaxSampleLength = 200;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<(DateTimeOffset Window, string Source, string Reason, int Status), Counter> _counters = new();

    // Counts the broker did not take (away, or too slow under load) go out with the next flush instead of being lost.
    private readonly ConcurrentQueue<GatewayDenialsCounted> _unsent = new();
    private readonly TimeSpan _window = options.Value.Window;

    public void Add(string source, string reason, int status, string method, string path, string? clientId, string? department)
    {
        var now = clock.GetUtcNow();
        var window = new DateTimeOffset(now.UtcTicks - now.UtcTicks % _window.Ticks, TimeSpan.Zero);
        if (_counters.Count >= MaxSources && !_counters.ContainsKey((window, source, reason, status))) source = "other";
        _counters.GetOrAdd((window, source, reason, status), _ => new Counter(now)).Add(now, method, path, clientId, department);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_window < TimeSpan.FromSeconds(1) ? _window : TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A second's grace for a denial counted just as its window closed.
                await FlushAsync(clock.GetUtcNow() - _window - TimeSpan.FromSeconds(1));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Windows still open are announced as they stand rather than lost with the process.
        await FlushAsync(DateTimeOffset.MaxValue);
    }

    /// <summary>Announces and forgets every counter whose window started at or before <paramref name="closedBy"/>.</summary>
    private async Task FlushAsync(DateTimeOffset closedBy)
    {
        var closed = _counters.Keys.Where(k => k.Window <= closedBy).ToList();
        var announcements = new List<GatewayDenialsCounted>(closed.Count + _unsent.Count);
        while (_unsent.TryDequeue(out var unsent)) announcements.Add(unsent);
        foreach (var key in closed)
        {
            if (_counters.TryRemove(key, out var counter))
            {
                announcements.Add(counter.Announcement(node.Value.Id, key.Source, key.Reason, key.Status, key.Window));
            }
        }
        foreach (var chunk in announcements.Chunk(100))
        {
            await Task.WhenAll(chunk.Select(PublishAsync));
        }
    }

    private async Task PublishAsync(GatewayDenialsCounted counted)
    {
        try
        {
            using var timeout = new CancellationTokenSource(PublishTimeout);
            await bus.Publish(counted, timeout.Token);
        }
        catch (Exception exception)
        {
            if (_unsent.Count < MaxSources)
            {
                _unsent.Enqueue(counted);
                LogPublishDeferred(logger, exception, counted.Count, counted.Reason, counted.Source);
            }
            else
            {
                LogPublishFailed(logger, exception, counted.Count, counted.Reason, counted.Source);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Count} gateway denials ({Reason}) from {Source} for the audit log yet; will try again")]
    private static partial void LogPublishDeferred(ILogger logger, Exception exception, long count, string reason, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped {Count} gateway denials ({Reason}) from {Source}: too many counts wait for the broker")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, long count, string reason, string source);

    private sealed class Counter(DateTimeOffset first)
    {
        private readonly DateTimeOffset _first = first;
        private readonly Lock _lock = new();
        private readonly List<string> _clientIds = [];
        private readonly List<string> _methods = [];
        private readonly List<string> _paths = [];
        private long _count;
        private DateTimeOffset _last = first;
        private string? _department;

        public void Add(DateTimeOffset at, string method, string path, string? clientId, string? department)
        {
            lock (_lock)
            {
                _count++;
                if (at > _last) _last = at;
                _department ??= department;
                Sample(_methods, method);
                Sample(_paths, path);
                if (clientId is not null) Sample(_clientIds, clientId);
            }
        }

        public GatewayDenialsCounted Announcement(string node, string source, string reason, int status, DateTimeOffset window)
        {
            lock (_lock)
            {
                return new(node, source, reason, status, _count, window, _first, _last, _department, [.. _clientIds], [.. _methods], [.. _paths]);
            }
        }

        private static void Sample(List<string> samples, string value)
        {
            if (samples.Count >= MaxSamples) return;
            var fitted = StoredText.Fit(value, MaxSampleLength);
            if (!samples.Contains(fitted)) samples.Add(fitted);
        }
    }
}

/// <summary>How long the gateway counts denials before it announces them (<c>Gateway:DenialAudit</c>).</summary>
internal sealed class DenialAuditOptions
{
    public const string Section = "Gateway:DenialAudit";

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
