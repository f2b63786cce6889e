using System.Security.Cryptography;

namespace Platform.Authority;

/// <summary>
/// The exchange on one RabbitMQ broker, set up through its management API (idempotent: applying it again changes
/// nothing; applying it with one more department adds that department everywhere):
/// <list type="bullet">
/// <item>the hub vhost <c>{p}exchange</c> and, per department, a vhost <c>{p}{dept}</c> with a user of the same name that
/// may do everything there and nothing anywhere else;</item>
/// <item>broadcasts: exchanges <c>broadcast.*</c> federated both ways between each department and the hub (federation's
/// own loop detection keeps a department's broadcast from coming back to it);</item>
/// <item>directed messages: the topic exchange <c>directed</c> (routing key <c>{addressee}.{kind}</c>) in every vhost; a
/// department's queue <c>directed.outbound</c> takes what is addressed to another department and a shovel carries it to
/// the hub, where <c>directed.to.{dept}</c> and another shovel carry it to the addressee only. A department's own
/// bindings never reach the hub, so it cannot pull another department's directed messages.</item>
/// </list>
/// </summary>
public static class BrokerTopology
{
    public const string DirectedExchange = "directed";
    public const string OutboundQueue = "directed.outbound";
    private const string BroadcastPolicy = "federate-broadcasts";
    private const string BroadcastPattern = @"^broadcast\.";
    private const string HubUpstream = "hub";

    /// <summary>Applies the topology and returns each department's amqp URI (its own user and vhost, on the AMQP port).</summary>
    public static async Task<IReadOnlyDictionary<string, Uri>> ApplyAsync(HttpClient management, BrokerTopologyOptions options,
        CancellationToken cancellationToken = default)
    {
        foreach (var department in options.Departments) DepartmentId.Validate(department);
        var api = new BrokerManagement(management);
        var hub = options.HubVirtualHost;

        await DeclareVirtualHostAsync(api, options, hub, cancellationToken);
        var uris = new Dictionary<string, Uri>();
        foreach (var department in options.Departments)
        {
            await DeclareVirtualHostAsync(api, options, options.VirtualHost(department), cancellationToken);
            var password = options.ExistingPasswords?.GetValueOrDefault(department) ?? RandomNumberGenerator.GetHexString(32, lowercase: true);
            await DeclareDepartmentUserAsync(api, options.VirtualHost(department), password, cancellationToken);
            uris[department] = options.DepartmentUri(department, password);
        }

        foreach (var department in options.Departments)
        {
            await DeclareDepartmentAsync(api, options, department, cancellationToken);
        }
        await DeclareHubAsync(api, options, cancellationToken);
        return uris;
    }

    private static async Task DeclareVirtualHostAsync(BrokerManagement api, BrokerTopologyOptions options, string vhost, CancellationToken cancellationToken)
    {
        await api.PutAsync($"api/vhosts/{BrokerManagement.Escape(vhost)}", new { }, cancellationToken);
        await api.PutAsync($"api/permissions/{BrokerManagement.Escape(vhost)}/{BrokerManagement.Escape(options.AdminUser)}", AllPermissions, cancellationToken);
        await api.PutAsync($"api/exchanges/{BrokerManagement.Escape(vhost)}/{DirectedExchange}",
            new { type = "topic", durable = true, auto_delete = false, @internal = false, arguments = new { } }, cancellationToken);
    }

    /// <summary>The department's user (named as its vhost), allowed in its vhost only; <c>management</c> lets its console read its queues.</summary>
    private static async Task DeclareDepartmentUserAsync(BrokerManagement api, string user, string password, CancellationToken cancellationToken)
    {
        await api.PutAsync($"api/users/{BrokerManagement.Escape(user)}", new { password, tags = "management" }, cancellationToken);
        await api.PutAsync($"api/permissions/{BrokerManagement.Escape(user)}/{BrokerManagement.Escape(user)}", AllPermissions, cancellationToken);
        var granted = await api.GetAsync($"api/users/{BrokerManagement.Escape(user)}/permissions", cancellationToken);
        foreach (var permission in granted.EnumerateArray())
        {
            var vhost = permission.GetProperty("vhost").GetString()!;
            if (vhost != user) await api.DeleteAsync($"api/permissions/{BrokerManagement.Escape(vhost)}/{BrokerManagement.Escape(user)}", cancellationToken);
        }
        var topicGrants = await api.GetAsync($"api/users/{BrokerManagement.Escape(user)}/topic-permissions", cancellationToken);
        foreach (var permission in topicGrants.EnumerateArray())
        {
            var vhost = permission.GetProperty("vhost").GetString()!;
            if (vhost != user) await api.DeleteAsync($"api/topic-permissions/{BrokerManagement.Escape(vhost)}/{BrokerManagement.Escape(user)}", cancellationToken);
        }
    }

    private static async Task DeclareDepartmentAsync(BrokerManagement api, BrokerTopologyOptions options, string department, CancellationToken cancellationToken)
    {
        var vhost = BrokerManagement.Escape(options.VirtualHost(department));
        await api.PutAsync($"api/queues/{vhost}/{OutboundQueue}", QuorumQueue, cancellationToken);
        // Addressed to any other department: to the hub. Never the department's own id, so nothing comes back to it.
        foreach (var other in options.Departments.Where(d => d != department))
        {
            await api.PostAsync($"api/bindings/{vhost}/e/{DirectedExchange}/q/{OutboundQueue}", new { routing_key = $"{other}.#", arguments = new { } },
                cancellationToken);
        }
        await api.PutAsync($"api/parameters/federation-upstream/{vhost}/{HubUpstream}",
            new { value = Upstream(options.LinkUri(options.HubVirtualHost), maxHops: 2) }, cancellationToken);
        await api.PutAsync($"api/policies/{vhost}/{BroadcastPolicy}",
            Policy(new Dictionary<string, object> { ["federation-upstream"] = HubUpstream }), cancellationToken);
        await api.PutAsync($"api/parameters/shovel/{vhost}/directed-to-hub",
            new { value = Shovel(options.LinkUri(options.VirtualHost(department)), OutboundQueue, options.LinkUri(options.HubVirtualHost)) },
            cancellationToken);
    }

    private static async Task DeclareHubAsync(BrokerManagement api, BrokerTopologyOptions options, CancellationToken cancellationToken)
    {
        var hub = BrokerManagement.Escape(options.HubVirtualHost);
        foreach (var department in options.Departments)
        {
            var queue = $"directed.to.{department}";
            await api.PutAsync($"api/queues/{hub}/{queue}", QuorumQueue, cancellationToken);
            await api.PostAsync($"api/bindings/{hub}/e/{DirectedExchange}/q/{queue}", new { routing_key = $"{department}.#", arguments = new { } },
                cancellationToken);
            await api.PutAsync($"api/parameters/federation-upstream/{hub}/{department}",
                new { value = Upstream(options.LinkUri(options.VirtualHost(department)), maxHops: 1) }, cancellationToken);
            await api.PutAsync($"api/parameters/shovel/{hub}/directed-to-{department}",
                new { value = Shovel(options.LinkUri(options.HubVirtualHost), queue, options.LinkUri(options.VirtualHost(department))) },
                cancellationToken);
        }
        await api.PutAsync($"api/policies/{hub}/{BroadcastPolicy}",
            Policy(new Dictionary<string, object> { ["federation-upstream-set"] = "all" }), cancellationToken);
    }

    private static readonly object AllPermissions = new { configure = ".*", write = ".*", read = ".*" };

    private static readonly object QuorumQueue = new
    {
        durable = true, auto_delete = false, arguments = new Dictionary<string, object> { ["x-queue-type"] = "quorum" },
    };

    private static Dictionary<string, object> Policy(Dictionary<string, object> definition) => new()
    {
        ["pattern"] = BroadcastPattern,
        ["apply-to"] = "exchanges",
        ["definition"] = definition,
        ["priority"] = 0,
    };

    private static Dictionary<string, object> Upstream(string uri, int maxHops) => new()
    {
        ["uri"] = uri,
        ["max-hops"] = maxHops,
        ["ack-mode"] = "on-confirm",
        ["trust-user-id"] = false,
        ["reconnect-delay"] = 1,
    };

    /// <summary>No destination exchange: the shovel republishes to the message's own exchange with its own routing key.</summary>
    private static Dictionary<string, object> Shovel(string sourceUri, string sourceQueue, string destinationUri) => new()
    {
        ["src-protocol"] = "amqp091",
        ["src-uri"] = sourceUri,
        ["src-queue"] = sourceQueue,
        ["dest-protocol"] = "amqp091",
        ["dest-uri"] = destinationUri,
        ["ack-mode"] = "on-confirm",
        ["src-delete-after"] = "never",
        ["reconnect-delay"] = 1,
        // Marks each message as having come through a shovel, so a receiver knows it arrived from the exchange.
        ["add-forward-headers"] = true,
    };
}
