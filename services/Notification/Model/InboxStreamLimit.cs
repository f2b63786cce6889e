using Microsoft.Extensions.Options;

namespace Platform.Notification.Model;

/// <summary>Settings of the live inbox stream (section <c>Notification:Inbox</c>).</summary>
public sealed class InboxOptions
{
    public const string Section = "Notification:Inbox";

    /// <summary>Streams one client may hold open at once on one notification process; more get 429.</summary>
    public int MaxStreamsPerClient { get; set; } = 5;
}

/// <summary>Counts the live inbox streams each client holds open here, so one client cannot tie up the service with them.</summary>
public sealed class InboxStreamLimit(IOptions<InboxOptions> options)
{
    private readonly Dictionary<string, int> _open = [];

    public int MaxPerClient => options.Value.MaxStreamsPerClient;

    /// <summary>A lease to dispose when the stream ends, or null when the client already holds its maximum.</summary>
    public IDisposable? TryOpen(string client)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(client);
            if (open >= MaxPerClient) return null;
            _open[client] = open + 1;
        }
        return new Lease(this, client);
    }

    private void Close(string client)
    {
        lock (_open)
        {
            if (_open.GetValueOrDefault(client) <= 1) _open.Remove(client);
            else _open[client]--;
        }
    }

    private sealed class Lease(InboxStreamLimit limit, string client) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) limit.Close(client);
        }
    }
}
