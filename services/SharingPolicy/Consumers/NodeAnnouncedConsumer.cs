using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Trust;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>
/// Keeps the node directory from authority-signed entries only: an entry whose signature does not verify, that is older
/// than the one held, or that speaks for another department than the announcement's is refused and not stored. A node
/// heard of for the first time (or with a newer entry) gets this node's own announcement back, so a node that starts
/// later still learns the nodes that announced before it.
/// </summary>
public sealed partial class NodeAnnouncedConsumer(SharingDbContext db, NodeAnnouncer announcer, NodeDirectory directory, IOptions<NodeOptions> node,
    ILogger<NodeAnnouncedConsumer> logger) : IdempotentConsumer<SharingDbContext, NodeAnnounced>(db)
{
    protected override async Task HandleAsync(ConsumeContext<NodeAnnounced> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        string? refusal = "no signed entry";
        DirectoryEntry? entry = null;
        if (message.Entry is null || !directory.TryAccept(message.Entry, out entry, out refusal) || entry is null)
        {
            LogRefused(logger, message.Department, refusal ?? "no signed entry");
            return;
        }
        if (entry.Department != message.Department)
        {
            LogRefused(logger, message.Department, $"the signed entry is {entry.Department}'s");
            return;
        }
        var known = await Db.Nodes.SingleOrDefaultAsync(n => n.Department == entry.Department, cancellationToken);
        if (known is not null && known.IssuedAt > entry.IssuedAt)
        {
            return;
        }
        var changed = known is null || known.IssuedAt != entry.IssuedAt;
        if (known is null)
        {
            known = new PeerNode { Department = entry.Department, Name = entry.Name, GatewayUrl = entry.GatewayUrl, Entry = message.Entry.Entry, Signature = message.Entry.Signature };
            Db.Nodes.Add(known);
        }
        known.Name = entry.Name;
        known.GatewayUrl = entry.GatewayUrl;
        known.Keys = [.. entry.Keys];
        known.IssuedAt = entry.IssuedAt;
        known.Entry = message.Entry.Entry;
        known.Signature = message.Entry.Signature;
        known.AnnouncedAt = message.AnnouncedAt;
        if (changed && entry.Department != node.Value.Id)
        {
            announcer.Announce(Db);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a node announcement for {Department}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string department, string reason);
}
