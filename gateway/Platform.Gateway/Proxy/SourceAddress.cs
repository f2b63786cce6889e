using System.Net;
using System.Net.Sockets;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Where a request comes from, as limits and the denial audit count it: an IPv4 address, or the /64 prefix of an IPv6
/// address (one host usually holds a whole /64, so counting single IPv6 addresses would let it rotate past any limit).
/// </summary>
internal static class SourceAddress
{
    public static string Of(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } address) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
