using System.Security.Cryptography;
using Npgsql;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks;

/// <summary>
/// What every scenario gets: the run's PostgreSQL and RabbitMQ (started by <c>deploy/local/platform bench</c>),
/// two running nodes, whether this is a quick run, and where its figures go.
/// </summary>
public sealed class BenchmarkRun(string postgresServer, Uri rabbitMq, bool quick) : IDatabaseServer, IAsyncDisposable
{
    public string RunId { get; } = $"b{RandomNumberGenerator.GetHexString(6, true)}";
    public bool Quick { get; } = quick;
    public string PostgresServer { get; } = postgresServer;
    public Uri RabbitMq { get; } = rabbitMq;
    public List<Figure> Figures { get; } = [];
    public PlatformNode DeptA { get; private set; } = null!;
    public PlatformNode DeptB { get; private set; } = null!;

    /// <summary>Scales a count down in quick mode.</summary>
    public int Size(int full, int quickSize) => Quick ? quickSize : full;

    public TimeSpan Duration(int fullSeconds, int quickSeconds) => TimeSpan.FromSeconds(Quick ? quickSeconds : fullSeconds);

    public string Database(string name) => new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name }.ConnectionString;

    /// <summary>
    /// The services' own background timings (their defaults), not the test suite's fast ones (an audit checkpoint
    /// every 2 s, a deadline sweep every second), so idle and load figures are those of a deployed node.
    /// </summary>
    private static readonly Dictionary<string, string> DeployedTimings = new()
    {
        ["Audit__Checkpoints__Interval"] = "00:01:00",
        ["Audit__Checkpoints__WitnessWait"] = "00:00:03",
        ["Sharing__DeadlineSweepInterval"] = "00:00:30",
    };

    /// <summary>The run's coordinating authority: it enrolled both nodes.</summary>
    public RunAuthority Authority { get; private set; } = null!;

    /// <summary>Each department's broker connection (its own user and vhost), as the authority set them up.</summary>
    public IReadOnlyDictionary<string, Uri> Brokers { get; private set; } = new Dictionary<string, Uri>();

    /// <summary>The management API with the broker admin's credentials (those of <see cref="RabbitMq"/>).</summary>
    public HttpClient ManagementClient()
    {
        var management = new Uri(Environment.GetEnvironmentVariable("PLATFORM_TEST_RABBITMQ_MANAGEMENT")
            ?? throw new InvalidOperationException("PLATFORM_TEST_RABBITMQ_MANAGEMENT is not set: run through `deploy/local/platform bench`."));
        var http = new HttpClient { BaseAddress = management };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(RabbitMq.UserInfo))));
        return http;
    }

    /// <summary>
    /// Two nodes on the federated exchange as deployed: each department its own vhost and broker user, a hub between them,
    /// every node enrolled (with its real gateway URL) by the run's authority, so every message is signed and verified.
    /// </summary>
    public async Task StartNodesAsync()
    {
        string[] departments = ["dept-a", "dept-b"];
        Authority = new RunAuthority(RunId);
        var admin = Uri.UnescapeDataString(RabbitMq.UserInfo).Split(':', 2);
        using (var management = ManagementClient())
        {
            Brokers = await Platform.Authority.BrokerTopology.ApplyAsync(management, new Platform.Authority.BrokerTopologyOptions
            {
                Prefix = $"{RunId}.",
                Departments = departments,
                Host = RabbitMq.Host,
                AmqpPort = RabbitMq.Port,
                LinkPort = RabbitMq.Port,
                AdminUser = admin[0],
                AdminPassword = admin[1],
            }, CancellationToken.None);
        }
        var nodes = departments.Select(d => PlatformNode.Create(this, d, RunId)).ToArray();
        var starting = nodes.Select(node =>
        {
            var settings = Authority.TrustSettings(Authority.Enrol(node.Id, node.Gateway)).Concat(DeployedTimings).ToDictionary();
            return node.LaunchAsync(Brokers[node.Id], settings);
        }).ToList();
        try
        {
            await Task.WhenAll(starting);
            (DeptA, DeptB) = (nodes[0], nodes[1]);
        }
        catch
        {
            // The node that did start must not outlive the run (its consumers would take the next run's messages).
            foreach (var node in nodes) await node.DisposeAsync();
            throw;
        }
    }

    public void Add(Figure figure)
    {
        Figures.Add(figure);
        Console.WriteLine($"  {figure.Scenario} | {figure.Metric}: {Figure.Format(figure.Value)} {figure.Unit}" +
            (figure.BaselineValue is { } b ? $" (baseline {figure.Baseline}: {Figure.Format(b)}, ratio {figure.Ratio:P0})" : ""));
    }

    public async ValueTask DisposeAsync()
    {
        if (DeptA is not null) await DeptA.DisposeAsync();
        if (DeptB is not null) await DeptB.DisposeAsync();
        Authority?.Dispose();
    }
}

/// <summary>One benchmark scenario; adds its figures to the run.</summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>Whether a quick run includes it (a full run, or one named with --only, always does).</summary>
    bool InQuickRun => true;

    Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken);
}
