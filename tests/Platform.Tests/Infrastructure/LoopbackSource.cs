using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// A source address of a test's own: any 127.x.y.z reaches the nodes' 127.0.0.1 ports, and the gateway limits and counts
/// anonymous traffic per source, so a test that floods or counts denials is not mixed up with the others' requests.
/// </summary>
public sealed class LoopbackSource
{
    private LoopbackSource(IPAddress address) => Address = address;

    public IPAddress Address { get; }

    public static LoopbackSource New() =>
        new(new IPAddress([127, (byte)RandomNumberGenerator.GetInt32(1, 255), (byte)RandomNumberGenerator.GetInt32(0, 256),
            (byte)RandomNumberGenerator.GetInt32(1, 255)]));

    /// <summary>A client whose connections leave from this address.</summary>
    public HttpClient Client(Uri baseAddress) => new(Handler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A handler whose connections leave from this address.</summary>
    public SocketsHttpHandler Handler() => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(Address, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public override string ToString() => Address.ToString();
}
