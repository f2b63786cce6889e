using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Trust;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// Announces this node's directory entry, exactly as the authority signed it (from Trust:DirectoryFile), to the exchange
/// through the outbox. A node cannot announce anything about itself the authority did not sign.
/// </summary>
public sealed class NodeAnnouncer(NodeDirectory directory, IOptions<NodeOptions> node, TimeProvider clock)
{
    public NodeAnnounced Announcement() =>
        new(node.Value.Id, directory.SignedEntry(node.Value.Id)
            ?? throw new InvalidOperationException($"Trust:DirectoryFile has no authority-signed entry for {node.Value.Id} (see `platform authority enrol`)."),
            clock.GetUtcNow());

    public void Announce(SharingDbContext db) => db.Publish(Announcement());
}

/// <summary>
/// Once the database is ready (retrying until it is): gives the directory back the signed entries heard before a restart
/// (it starts from Trust:DirectoryFile only), then announces the node.
/// </summary>
internal sealed partial class NodeAnnouncementService(IServiceScopeFactory scopes, NodeDirectory directory, ILogger<NodeAnnouncementService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
                foreach (var heard in await db.Nodes.AsNoTracking().Select(n => new SignedDirectoryEntry(n.Entry, n.Signature)).ToListAsync(stoppingToken))
                {
                    // An older entry than the file's is refused, as it should be: the newer one stays.
                    directory.TryAccept(heard, out _, out _);
                }
                scope.ServiceProvider.GetRequiredService<NodeAnnouncer>().Announce(db);
                await db.SaveChangesAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing the node failed (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);
}
