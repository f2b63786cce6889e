using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Platform.Notification.Model;

public sealed class WebhookOptions
{
    public const string Section = "Notification";

    /// <summary>Allow loopback/private/link-local webhook targets (local demos and tests only).</summary>
    public bool AllowPrivateTargets { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before a delivery is dead-lettered; with the default delays they span about two hours.</summary>
    public int MaxAttempts { get; set; } = 40;
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Cap of the backoff: a receiver that comes back is probed again within this time, then its backlog drains.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the dispatcher looks for due deliveries when nothing woke it: deliveries this process queues wake it
    /// at once, so the poll only finds retries that fell due and deliveries queued by another replica.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Subscriptions drained at the same time, each on its own database connection (a subscription's deliveries go one after another).</summary>
    public int Concurrency { get; set; } = 8;
    public int BatchPerSubscription { get; set; } = 200;

    /// <summary>Exponential backoff capped at <see cref="MaxRetryDelay"/>, with jitter between half and all of it (<paramref name="random"/> in [0, 1)).</summary>
    public TimeSpan RetryDelay(int attempts, double random)
    {
        var backoff = FirstRetryDelay * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = backoff < MaxRetryDelay ? backoff : MaxRetryDelay;
        // Jitter, so many failing receivers do not retry in lockstep.
        return capped * (0.5 + random / 2);
    }
}

/// <summary>
/// SSRF protection: webhook URLs must be http(s), and every address actually connected to is checked, so a
/// name that resolves (or re-resolves) to a private address is refused unless the node allows it.
/// </summary>
public sealed class WebhookTargetGuard(IOptions<WebhookOptions> options)
{
    // Ranges that reach other addresses (NAT64 and 6to4 embed an IPv4 address) or are not on the public internet.
    private static readonly IPNetwork[] NotPublic =
    [
        IPNetwork.Parse("64:ff9b::/96"),
        IPNetwork.Parse("64:ff9b:1::/48"),
        IPNetwork.Parse("2002::/16"),
        IPNetwork.Parse("198.18.0.0/15"),
    ];

    /// <summary>Returns the reason the URL is refused, or null when it is acceptable.</summary>
    public async Task<string?> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "The webhook URL must be an absolute http:// or https:// URL.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The webhook URL must not contain credentials.";
        }
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.DnsSafeHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.DnsSafeHost, cancellationToken);
        }
        catch (SocketException)
        {
            return $"The webhook host '{uri.Host}' cannot be resolved.";
        }
        var refused = addresses.FirstOrDefault(a => !IsAllowed(a));
        return refused is null ? null : $"The webhook host '{uri.Host}' resolves to {refused}, a loopback, private, link-local or other non-public address, which this node does not call.";
    }

    public bool IsAllowed(IPAddress address) => options.Value.AllowPrivateTargets || IsPublic(address);

    /// <summary>An HTTP handler that follows no redirects, uses no proxy and connects only to allowed addresses.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        // Through a proxy (HTTP_PROXY) the connection checked below would be the proxy's, not the target's.
        UseProxy = false,
        UseCookies = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
            var allowed = addresses.Where(IsAllowed).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"Refused to connect to '{context.DnsEndPoint.Host}': not a public address.");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    internal static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || NotPublic.Any(network => network.Contains(address)))
        {
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
        }
        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 0 || b[0] >= 224
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127));
    }
}
