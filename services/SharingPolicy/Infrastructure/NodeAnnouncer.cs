using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>Announces this node (id, name, gateway URL, public node key) to the directory on the exchange, through the outbox.</summary>
public sealed partial class NodeAnnouncer(NodeKey key, IOptions<NodeOptions> node, IOptions<SharingOptions> options, IConfiguration configuration, TimeProvider clock)
{
    public string GatewayUrl { get; } = options.Value.PublicGatewayUrl is { Length: > 0 } url ? url
        : configuration["Auth:Authority"] ?? throw new InvalidOperationException("Sharing:PublicGatewayUrl or Auth:Authority must be configured.");

    public NodeAnnounced Announcement() =>
        new(node.Value.Id, node.Value.Name, GatewayUrl, key.KeyId, key.PublicJwk, clock.GetUtcNow());

    public void Announce(SharingDbContext db) => db.Publish(Announcement());
}

/// <summary>Announces the node once the database is ready, retrying until it is.</summary>
internal sealed partial class NodeAnnouncementService(IServiceScopeFactory scopes, ILogger<NodeAnnouncementService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
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
