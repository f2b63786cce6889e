using System.Security.Cryptography;
using MassTransit;
using Platform.Authority;
using Platform.Contracts;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// Three department nodes, dept-a, dept-b and dept-c, on the test PostgreSQL and the exchange's broker topology (a hub
/// vhost and one vhost and broker user per department, named with the prefix <c>{RunId}.</c>), each enrolled with an
/// authority of the run's own. dept-a reaches the broker through <see cref="DeptABroker"/>, and every federation link
/// and shovel through <see cref="Hub"/>, so tests can take either away. dept-c signs its messages with an SM2/SM3
/// message key (the others with ES256), so every test across departments also proves the two algorithms interoperate.
/// </summary>
public sealed class TwoNodePlatform(TestInfrastructure infrastructure) : IAsyncLifetime
{
    public static readonly IReadOnlyList<string> Departments = ["dept-a", "dept-b", "dept-c"];

    /// <summary>The department whose node signs messages with SM2/SM3.</summary>
    public const string SmDepartment = "dept-c";

    private IReadOnlyDictionary<string, Uri> _brokers = new Dictionary<string, Uri>();
    private readonly Dictionary<string, NodeEnrolment> _enrolments = [];
    private readonly Dictionary<string, PlatformNode> _nodes = [];
    private readonly Dictionary<string, ECDsa> _signingKeys = [];

    public string RunId { get; } = $"t{RandomNumberGenerator.GetHexString(8, true)}";

    public TestInfrastructure Infrastructure => infrastructure;

    public PlatformNode DeptA => _nodes["dept-a"];
    public PlatformNode DeptB => _nodes["dept-b"];
    public PlatformNode DeptC => _nodes["dept-c"];

    public PlatformNode Node(string department) => _nodes[department];

    /// <summary>dept-a's only way to the broker.</summary>
    public TcpProxy DeptABroker { get; private set; } = null!;

    /// <summary>The only way of every federation link and shovel between the departments' vhosts and the hub.</summary>
    public TcpProxy Hub { get; private set; } = null!;

    /// <summary>The run's authority: its key signs directory entries (a test may sign one of its own).</summary>
    public RunAuthority Authority { get; private set; } = null!;

    /// <summary>The authority's hub virtual host.</summary>
    public string HubVirtualHost => $"{RunId}.exchange";

    /// <summary>A department's virtual host (its broker user has the same name).</summary>
    public string VirtualHostOf(string department) => $"{RunId}.{department}";

    /// <summary>A department's broker connection: its own user and vhost, straight to the broker (not through a proxy).</summary>
    public Uri BrokerUri(string department) => _brokers[department];

    /// <summary>A department's node key (PEM and files) and its signed directory entry.</summary>
    public NodeEnrolment Enrolment(string department) => _enrolments[department];

    /// <summary>dept-a's broker connection (its own user and vhost).</summary>
    public Uri VirtualHost => BrokerUri("dept-a");

    /// <summary>
    /// Gives dept-a its broker back and waits until each of its processes is healthy again (every receive endpoint
    /// consuming). Each endpoint reconnects on MassTransit's own back-off, up to 30 s after the broker returns; without the
    /// wait, the next test could meet one still away, e.g. a reviewer's decision waiting for a saga that is not consuming yet.
    /// </summary>
    public async Task RestoreDeptABrokerAsync()
    {
        DeptABroker.Restore();
        await DeptA.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));
    }

    public async ValueTask InitializeAsync()
    {
        var broker = infrastructure.RabbitMq;
        Authority = new RunAuthority(RunId);
        Hub = new TcpProxy(broker.Host, broker.Port);
        DeptABroker = new TcpProxy(broker.Host, broker.Port);
        using (var management = infrastructure.ManagementClient())
        {
            _brokers = await BrokerTopology.ApplyAsync(management, new BrokerTopologyOptions
            {
                Prefix = $"{RunId}.",
                Departments = Departments,
                Host = broker.Host,
                AmqpPort = broker.Port,
                LinkPort = Hub.Port,
                AdminUser = infrastructure.AdminUser,
                AdminPassword = infrastructure.AdminPassword,
            }, TestContext.Current.CancellationToken);
        }

        // Ports first (the gateway URL goes into the signed entry), then every enrolment, then the processes: each node
        // starts with the whole directory.
        foreach (var department in Departments) _nodes[department] = PlatformNode.Create(infrastructure, department, RunId);
        foreach (var (department, node) in _nodes)
        {
            _enrolments[department] = Authority.Enrol(department, node.Gateway, department == SmDepartment ? NodeKeyAlgorithms.Sm2 : null);
        }
        var starting = _nodes.Select(pair => pair.Value.LaunchAsync(
            pair.Key == "dept-a" ? new UriBuilder(BrokerUri("dept-a")) { Port = DeptABroker.Port }.Uri : BrokerUri(pair.Key),
            Authority.TrustSettings(_enrolments[pair.Key]))).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            // LaunchAsync stops a node that failed; stop the others too.
            foreach (var node in _nodes.Values) await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Publishes as <paramref name="department"/>'s broker user into its own vhost, with a bus of its own, as a faulty
    /// (or hostile) service of that department would; nothing signs the messages unless <paramref name="publish"/> does
    /// (<see cref="Signer"/>).
    /// </summary>
    public Task PublishAsAsync(string department, Func<IBus, Task> publish) => TestSigner.PublishAsync(BrokerUri(department), publish);

    /// <summary>
    /// Signs as <paramref name="department"/>'s node could, with its enrolled ES256 node key (valid for messages too, also
    /// for dept-c, whose node itself signs them with its SM2 message key).
    /// </summary>
    public TestSigner Signer(string department)
    {
        lock (_signingKeys)
        {
            if (!_signingKeys.TryGetValue(department, out var key))
            {
                key = ECDsa.Create();
                key.ImportFromPem(Enrolment(department).NodeKeyPem);
                _signingKeys[department] = key;
            }
            return new TestSigner(department, key, Enrolment(department).KeyId);
        }
    }

    /// <summary>
    /// Enrols a department that runs no node here (the authority signs its entry into the run's directory) and signs as it:
    /// for tests that play another department's node on the exchange.
    /// </summary>
    public TestSigner EnrolOutsider(string department)
    {
        var enrolment = Authority.Enrol(department, new Uri("http://127.0.0.1:9/"));
        var key = ECDsa.Create();
        key.ImportFromPem(enrolment.NodeKeyPem);
        return new TestSigner(department, key, enrolment.KeyId);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values) await node.DisposeAsync();
        if (DeptABroker is not null) await DeptABroker.DisposeAsync();
        if (Hub is not null) await Hub.DisposeAsync();
        Authority?.Dispose();
        foreach (var key in _signingKeys.Values) key.Dispose();
        // The run's links would otherwise keep reconnecting to a proxy that is gone.
        using var management = infrastructure.ManagementClient();
        foreach (var vhost in Departments.Select(VirtualHostOf).Append(HubVirtualHost))
        {
            try
            {
                using var deleted = await management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(vhost)}");
                using var user = await management.DeleteAsync($"api/users/{Uri.EscapeDataString(vhost)}");
            }
            catch (HttpRequestException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TwoNodeCollection : ICollectionFixture<TwoNodePlatform>
{
    public const string Name = "two nodes";
}
