using Npgsql;
using Platform.ServiceDefaults;

namespace Platform.Notification.Model;

/// <summary>
/// Tells the inbox streams that inbox items may have been added. A trigger on <c>inbox_items</c> sends a PostgreSQL
/// <c>NOTIFY</c> when an insert commits, whichever replica wrote it; one connection per process listens and wakes every
/// waiting stream, so an idle stream costs no queries.
/// </summary>
public sealed partial class InboxSignal(IConfiguration configuration, ILogger<InboxSignal> logger) : BackgroundService
{
    /// <summary>The channel the trigger of migration <c>InboxItemsNotify</c> notifies.</summary>
    public const string Channel = "inbox_items";

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes at the next change. Take it before reading the inbox, so a change committed while reading is not missed.
    /// </summary>
    public Task NextChange => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every stream waiting on <see cref="NextChange"/>.</summary>
    public void Raise() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(configuration.RequiredConnectionString("Database"))
        {
            // The listening connection lives as long as the process; a pool would only hand it back with its LISTEN reset.
            Pooling = false,
            KeepAlive = 30,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => Raise();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Items added while no one listened (at start-up, or while reconnecting) are found by a look now.
                Raise();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogListenFailed(logger, ex);
                // Streams fall back to their heartbeat look until the listener is back.
                Raise();
                await Task.Delay(ReconnectDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for new inbox items failed; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
