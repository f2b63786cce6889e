using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>
/// Keeps the node directory. A node heard of for the first time (or with a new key or address) gets this node's own
/// announcement back, so a node that starts later still learns the nodes that announced before it.
/// </summary>
public sealed class NodeAnnouncedConsumer(SharingDbContext db, NodeAnnouncer announcer, IOptions<NodeOptions> node)
    : IdempotentConsumer<SharingDbContext, NodeAnnounced>(db)
{
    protected override async Task HandleAsync(ConsumeContext<NodeAnnounced> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var known = await Db.Nodes.SingleOrDefaultAsync(n => n.Department == message.Department, cancellationToken);
        if (known is not null && known.AnnouncedAt > message.AnnouncedAt)
        {
            return;
        }
        var changed = known is null || known.KeyId != message.KeyId || known.GatewayUrl != message.GatewayUrl;
        if (known is null)
        {
            known = new PeerNode { Department = message.Department, Name = message.Name, GatewayUrl = message.GatewayUrl, KeyId = message.KeyId, PublicKeyJwk = message.PublicKeyJwk };
            Db.Nodes.Add(known);
        }
        known.Name = message.Name;
        known.GatewayUrl = message.GatewayUrl;
        known.KeyId = message.KeyId;
        known.PublicKeyJwk = message.PublicKeyJwk;
        known.AnnouncedAt = message.AnnouncedAt;
        if (changed && message.Department != node.Value.Id)
        {
            announcer.Announce(Db);
        }
    }
}
