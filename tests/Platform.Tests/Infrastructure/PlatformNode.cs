using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Contracts;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// One department node run as real processes, exactly as <c>deploy/local/platform up</c> runs it: the gateway and
/// the four services from the solution's build output, on free 127.0.0.1 ports, with their own databases.
/// </summary>
public sealed class PlatformNode : IAsyncDisposable
{
    public static readonly IReadOnlyList<(string Name, string Project, string Assembly)> Processes =
    [
        ("catalogue", "services/Catalogue", "Platform.Catalogue"),
        ("sharing", "services/SharingPolicy", "Platform.SharingPolicy"),
        ("audit", "services/Audit", "Platform.Audit"),
        ("notification", "services/Notification", "Platform.Notification"),
        ("gateway", "gateway/Platform.Gateway", "Platform.Gateway"),
    ];

    private readonly Dictionary<string, Process> _running = [];
    private readonly Dictionary<string, int> _ports = [];
    private readonly string _logDirectory;
    private readonly IDatabaseServer _infrastructure;
    private readonly string _databasePrefix;
    private Uri _rabbitMq = null!;
    private IReadOnlyDictionary<string, string> _settings = new Dictionary<string, string>();
    private readonly string _databasePassword = RandomNumberGenerator.GetHexString(32, true);

    private PlatformNode(IDatabaseServer infrastructure, string id, string databasePrefix, string logDirectory)
    {
        _infrastructure = infrastructure;
        Id = id;
        _databasePrefix = databasePrefix;
        _logDirectory = logDirectory;
        foreach (var (name, _, _) in Processes) _ports[name] = FreePort();
        Gateway = new Uri($"http://127.0.0.1:{_ports["gateway"]}/");
    }

    public string Id { get; }

    /// <summary>The run the node belongs to (its databases' prefix); nodes of one run share an authority.</summary>
    public string RunId => _databasePrefix;

    /// <summary>
    /// Gives a node started without <c>Trust__*</c> settings its own: the tests enrol it with an authority of its run.
    /// Not set (the benchmarks), a node gets none from here.
    /// </summary>
    public static Func<PlatformNode, IReadOnlyDictionary<string, string>>? DefaultTrust { get; set; }

    /// <summary>Where every test node's notification service sends e-mail; a test listens there with an SmtpReceiver.</summary>
    public static int SmtpPort { get; } = FreePort();
    public Uri Gateway { get; }

    /// <summary>A client with every role.</summary>
    public (string Id, string Secret) Client { get; } = ($"client-{RandomNumberGenerator.GetHexString(6, true)}", RandomNumberGenerator.GetHexString(32, true));

    /// <summary>A client that may only read the audit log.</summary>
    public (string Id, string Secret) AuditorClient { get; } = ($"auditor-{RandomNumberGenerator.GetHexString(6, true)}", RandomNumberGenerator.GetHexString(32, true));

    /// <summary>Operating-system process ids of the node's running processes, by name.</summary>
    public IReadOnlyDictionary<string, int> ProcessIds => _running.ToDictionary(p => p.Key, p => p.Value.Id);

    /// <summary>One client per role (only that role), for authorization tests.</summary>
    public IReadOnlyDictionary<string, (string Id, string Secret)> RoleClients { get; } = Roles.All.ToDictionary(
        role => role, role => ($"{role}-{RandomNumberGenerator.GetHexString(6, true)}", RandomNumberGenerator.GetHexString(32, true)));

    public Uri ServiceUrl(string process) => new($"http://127.0.0.1:{_ports[process]}/");

    public string DatabaseName(string process) => $"{_databasePrefix}_{Id.Replace('-', '_')}_{process}";

    /// <summary>The superuser's connection to one of the node's databases, for tests that look behind the services.</summary>
    public string DatabaseConnectionString(string process) => _infrastructure.Database(DatabaseName(process));

    /// <summary>The connection the service runs with: its runtime role, which owns nothing (<see cref="DatabaseRoles"/>).</summary>
    public string RuntimeConnectionString(string process) =>
        DatabaseRoles.As(_infrastructure, DatabaseName(process), DatabaseRoles.Runtime(DatabaseName(process)), _databasePassword);

    /// <summary>The connection its migrations run with: the role that owns the database.</summary>
    public string OwnerConnectionString(string process) =>
        DatabaseRoles.As(_infrastructure, DatabaseName(process), DatabaseRoles.Owner(DatabaseName(process)), _databasePassword);

    /// <summary>A <c>count(*)</c> on one of this node's databases; <c>@ids</c> in <paramref name="sql"/> is bound to <paramref name="ids"/>.</summary>
    public async Task<long> CountAsync(string process, string sql, string[]? ids = null)
    {
        await using var connection = new Npgsql.NpgsqlConnection(DatabaseConnectionString(process));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        if (ids is not null) command.Parameters.AddWithValue("ids", ids);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>How long a node may take to become ready: PLATFORM_TEST_START_TIMEOUT_SECONDS, default 3 minutes (a loaded machine needs more).</summary>
    private static TimeSpan StartTimeout { get; } =
        int.TryParse(System.Environment.GetEnvironmentVariable("PLATFORM_TEST_START_TIMEOUT_SECONDS"), out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(3);

    public static Task<PlatformNode> StartAsync(IDatabaseServer infrastructure, string id, string databasePrefix, Uri rabbitMq) =>
        StartAsync(infrastructure, id, databasePrefix, rabbitMq, new Dictionary<string, string>());

    /// <summary>A node whose every process also gets <paramref name="settings"/> (environment variables, e.g. <c>Auth__External__Authority</c>).</summary>
    public static async Task<PlatformNode> StartAsync(IDatabaseServer infrastructure, string id, string databasePrefix, Uri rabbitMq,
        IReadOnlyDictionary<string, string> settings)
    {
        var node = Create(infrastructure, id, databasePrefix);
        await node.LaunchAsync(rabbitMq, settings);
        return node;
    }

    /// <summary>A node with its ports (and so its gateway URL) chosen, not started yet: enrol it, then <see cref="LaunchAsync"/>.</summary>
    public static PlatformNode Create(IDatabaseServer infrastructure, string id, string databasePrefix)
    {
        var logs = Path.Combine(AppContext.BaseDirectory, "node-logs", databasePrefix);
        Directory.CreateDirectory(logs);
        return new PlatformNode(infrastructure, id, databasePrefix, logs);
    }

    /// <summary>Starts every process with the department's broker URI and <paramref name="settings"/>, and waits until they are ready.</summary>
    public async Task LaunchAsync(Uri rabbitMq, IReadOnlyDictionary<string, string> settings)
    {
        _rabbitMq = rabbitMq;
        _settings = settings.ContainsKey("Trust__AuthorityKeyFile") || DefaultTrust is null
            ? settings
            : DefaultTrust(this).Concat(settings).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        try
        {
            foreach (var (name, _, _) in Processes) await DatabaseRoles.ProvisionAsync(_infrastructure, DatabaseName(name), _databasePassword);
            foreach (var (name, _, _) in Processes) Start(name);
            await WaitUntilReadyAsync(StartTimeout);
        }
        catch
        {
            // A node that never became ready must not outlive the run: its consumers would keep taking messages from
            // the run's broker (or the next run's, on the same ports) and fail them.
            await DisposeAsync();
            throw;
        }
    }

    public void Start(string process)
    {
        var (_, project, assembly) = Processes.Single(p => p.Name == process);
        var dll = Path.Combine(Repository.Root, project, "bin", Repository.Configuration, "net10.0", $"{assembly}.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} does not exist: build the solution ({Repository.Configuration}) before running the end-to-end tests.");
        }

        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in Environment(process)) start.Environment[key] = value;

        var log = new StreamWriter(Path.Combine(_logDirectory, $"{Id}-{process}.log"), append: true) { AutoFlush = true };
        var running = new Process { StartInfo = start, EnableRaisingEvents = true };
        running.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        running.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        running.Exited += (_, _) => { lock (log) log.Dispose(); };
        running.Start();
        running.BeginOutputReadLine();
        running.BeginErrorReadLine();
        _running[process] = running;
    }

    /// <summary>
    /// Starts one more instance of <paramref name="process"/> for this node with its own port, database and RabbitMQ
    /// virtual host, and <paramref name="settings"/> on top of the usual ones (e.g. a stricter configuration); it signs
    /// with the node's key and trusts the node's directory. It is stopped with the node. Returns its URL.
    /// </summary>
    public async Task<Uri> StartVariantAsync(string process, string variant, Uri virtualHost, IReadOnlyDictionary<string, string> settings)
    {
        var name = $"{process}-{variant}";
        _ports[name] = FreePort();
        var database = name.Replace('-', '_');
        await DatabaseRoles.ProvisionAsync(_infrastructure, DatabaseName(database), _databasePassword);
        var (_, project, assembly) = Processes.Single(p => p.Name == process);
        var dll = Path.Combine(Repository.Root, project, "bin", Repository.Configuration, "net10.0", $"{assembly}.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in Environment(process)) start.Environment[key] = value;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_ports[name]}";
        start.Environment["ConnectionStrings__Database"] = RuntimeConnectionString(database);
        start.Environment["ConnectionStrings__DatabaseOwner"] = OwnerConnectionString(database);
        start.Environment["ConnectionStrings__RabbitMq"] = virtualHost.ToString();
        // A variant's console reads its own virtual host, with the credentials of its connection string.
        start.Environment.Remove("Ops__RabbitMqManagementUser");
        start.Environment.Remove("Ops__RabbitMqManagementPassword");
        foreach (var (key, value) in settings) start.Environment[key] = value;

        var log = new StreamWriter(Path.Combine(_logDirectory, $"{Id}-{name}.log"), append: true) { AutoFlush = true };
        var running = new Process { StartInfo = start, EnableRaisingEvents = true };
        running.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        running.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        running.Exited += (_, _) => { lock (log) log.Dispose(); };
        running.Start();
        running.BeginOutputReadLine();
        running.BeginErrorReadLine();
        _running[name] = running;

        var url = ServiceUrl(name);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Until(async () =>
        {
            if (running.HasExited) throw new InvalidOperationException($"{Id}-{name} exited with code {running.ExitCode}:\n{LogTail(name)}");
            try
            {
                using var response = await http.GetAsync(new Uri(url, "health/ready"));
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, ready => ready, TimeSpan.FromMinutes(2), $"{Id}-{name} to be ready");
        return url;
    }

    private Dictionary<string, string> Environment(string process)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_ports[process]}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Node__Id"] = Id,
            ["Node__Name"] = $"{Id} (test)",
            ["ConnectionStrings__Database"] = RuntimeConnectionString(process),
            ["ConnectionStrings__DatabaseOwner"] = OwnerConnectionString(process),
            ["ConnectionStrings__RabbitMq"] = _rabbitMq.ToString(),
            ["Auth__Authority"] = Gateway.ToString(),
            ["OTEL_SERVICE_NAME"] = $"{Id}-{process}",
            // Each line of a node's log (kept under node-logs/) carries its time, so a slow step can be placed.
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
            ["Notification__AllowPrivateTargets"] = "true",
            ["Notification__FirstRetryDelay"] = "00:00:00.500",
            ["Notification__MaxRetryDelay"] = "00:00:02",
            // About a minute of retries: enough to outlast a receiver that is down while a test pushes hundreds of
            // events, short enough for the dead-letter test.
            ["Notification__MaxAttempts"] = PlatformNodeDefaults.WebhookMaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notification__Smtp__Host"] = "127.0.0.1",
            ["Notification__Smtp__Port"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notification__Smtp__Security"] = "None",
            ["Notification__Smtp__From"] = $"notification@{Id}.test",
            ["Audit__Checkpoints__Interval"] = "00:00:02",
            ["Audit__Checkpoints__WitnessWait"] = "00:00:05",
        };
        if (process == "catalogue")
        {
            // The secrecy review holds only the records of one fonds, which SecrecyReviewTests use; other tests' personnel
            // records are announced at once.
            environment["Catalogue__SecrecyReview__Classifications"] = "";
            environment["Catalogue__SecrecyReview__Categories"] = "";
            environment["Catalogue__SecrecyReview__FondsCodes"] = PlatformNodeDefaults.SecrecyReviewFonds;
        }
        if (process == "audit")
        {
            environment["Audit__SigningKeyPath"] = Path.Combine(_logDirectory, $"{Id}-audit-signing-key.pem");
        }
        if (process == "notification")
        {
            environment["Notification__KeyRingCertificatePath"] = Path.Combine(_logDirectory, $"{Id}-key-ring-certificate.pem");
        }
        if (process == "sharing")
        {
            environment["Sharing__DeadlineSweepInterval"] = "00:00:01";
            // Small enough that a test can push a selection past it (BulkSharingTests).
            environment["Sharing__BulkMaxRecords"] = "20";
        }
        if (process == "gateway")
        {
            environment["Auth__Issuer"] = Gateway.ToString();
            // Denials are counted per window before they are audited; a short one keeps tests from waiting a minute.
            environment["Gateway__DenialAudit__Window"] = "00:00:02";
            if (System.Environment.GetEnvironmentVariable("PLATFORM_TEST_RABBITMQ_MANAGEMENT") is { Length: > 0 } management)
            {
                environment["Ops__RabbitMqManagementUrl"] = management;
                // The console reads the department's own queues with the department's own broker user.
                var credentials = _rabbitMq.UserInfo.Split(':', 2);
                environment["Ops__RabbitMqManagementUser"] = Uri.UnescapeDataString(credentials[0]);
                environment["Ops__RabbitMqManagementPassword"] = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : "";
            }
            environment["Auth__SigningKeyPath"] = Path.Combine(_logDirectory, $"{Id}-signing-key.pem");
            AddClient(environment, 0, Client, Roles.All);
            AddClient(environment, 1, AuditorClient, [Roles.Auditor]);
            foreach (var (role, index) in Roles.All.Select((role, index) => (role, index))) AddClient(environment, 2 + index, RoleClients[role], [role]);
            foreach (var (cluster, target) in new[] { ("catalogue", "catalogue"), ("sharing", "sharing"), ("audit", "audit"), ("notify", "notification") })
            {
                environment[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = ServiceUrl(target).ToString();
            }
        }
        foreach (var (key, value) in _settings) environment[key] = value;
        return environment;
    }

    private static void AddClient(Dictionary<string, string> environment, int index, (string Id, string Secret) client, IReadOnlyList<string> roles)
    {
        environment[$"Clients__{index}__ClientId"] = client.Id;
        environment[$"Clients__{index}__ClientSecret"] = client.Secret;
        environment[$"Clients__{index}__DisplayName"] = client.Id;
        for (var i = 0; i < roles.Count; i++) environment[$"Clients__{index}__Roles__{i}"] = roles[i];
    }

    /// <summary>Kills one process of the node at once (no graceful shutdown), as a crash would.</summary>
    public async Task KillAsync(string process)
    {
        if (_running.Remove(process, out var running))
        {
            if (!running.HasExited) running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            running.Dispose();
        }
    }

    public Task WaitUntilReadyAsync(TimeSpan timeout) => WaitForEachProcessAsync(timeout, "ready", reportSays: null);

    /// <summary>
    /// Every process ready and reporting Healthy: its bus connected and each receive endpoint consuming. A bus still
    /// reconnecting after the broker came back reports Degraded, which /health/ready answers with 200 (the process can
    /// serve HTTP), while its endpoints wait out MassTransit's reconnect back-off (up to 30 s).
    /// </summary>
    public Task WaitUntilHealthyAsync(TimeSpan timeout) =>
        WaitForEachProcessAsync(timeout, "healthy", report => report.GetProperty("status").GetString() == "Healthy");

    private async Task WaitForEachProcessAsync(TimeSpan timeout, string state, Func<JsonElement, bool>? reportSays)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        foreach (var (name, _, _) in Processes)
        {
            while (true)
            {
                if (_running[name].HasExited)
                {
                    throw new InvalidOperationException($"{Id}-{name} exited with code {_running[name].ExitCode}:\n{LogTail(name)}");
                }
                try
                {
                    using var response = await http.GetAsync(new Uri(ServiceUrl(name), "health/ready"));
                    if (response.IsSuccessStatusCode
                        && (reportSays is null || reportSays(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement))) break;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{Id}-{name} was not {state} within {timeout}:\n{LogTail(name)}");
                }
                await Task.Delay(250);
            }
        }
    }

    public string LogTail(string process, int lines = 40)
    {
        var path = Path.Combine(_logDirectory, $"{Id}-{process}.log");
        if (!File.Exists(path)) return "(no log)";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var all = new StreamReader(stream).ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>An access token for <paramref name="client"/> (default: the all-roles client) from this node's gateway.</summary>
    public async Task<string> TokenAsync((string Id, string Secret)? client = null)
    {
        var (id, secret) = client ?? Client;
        using var http = new HttpClient { BaseAddress = Gateway };
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = id,
            ["client_secret"] = secret,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Token request failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>An HTTP client on this node's gateway carrying a token of <paramref name="client"/>.</summary>
    public async Task<HttpClient> HttpAsync((string Id, string Secret)? client = null)
    {
        // Longer than the services' own waits (a reviewer's decision waits up to Sharing:ReviewTimeout, 30 s, for the
        // saga), so a slow step shows as the service's answer (503 problem details) rather than the client giving up.
        var http = new HttpClient { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(client));
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _running.Values)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
            }
            process.Dispose();
        }
        _running.Clear();
    }

    // Ports are taken from 26000-31999: below Linux's ephemeral range (32768+), so no outgoing connection can take
    // one between choosing it and the process binding it (a port the OS handed out as "free" sometimes was taken
    // by then: "address already in use"), and above every fixed port of deploy/local/platform. A counter from a
    // random start keeps this test run's choices apart and makes another run's unlikely to meet them.
    private const int FirstPort = 26_000, LastPort = 31_999;
    private static int _lastPort = FirstPort + RandomNumberGenerator.GetInt32(0, LastPort - FirstPort);

    /// <summary>A 127.0.0.1 port nothing listens on, for a server a test starts.</summary>
    public static int FreePort()
    {
        for (var tries = 0; tries <= LastPort - FirstPort; tries++)
        {
            var port = FirstPort + (Interlocked.Increment(ref _lastPort) - FirstPort) % (LastPort - FirstPort + 1);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use (by another test run, or a process of this one): the next.
            }
        }
        throw new InvalidOperationException($"No free port in {FirstPort}-{LastPort}.");
    }
}

/// <summary>Settings test nodes run with that tests assert on.</summary>
public static class PlatformNodeDefaults
{
    public const int WebhookMaxAttempts = 30;

    /// <summary>The fonds whose records wait for the secrecy review on test and benchmark nodes.</summary>
    public const string SecrecyReviewFonds = "RVW";
}

/// <summary>A PostgreSQL server on which each node process gets its own database.</summary>
public interface IDatabaseServer
{
    /// <summary>Connection string for database <paramref name="name"/> (created by the process that uses it).</summary>
    string Database(string name);
}

/// <summary>Where the solution lives and which build of it the tests run.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of the service binaries: PLATFORM_BUILD_CONFIGURATION, else the tests' own.</summary>
    public static string Configuration { get; } =
        System.Environment.GetEnvironmentVariable("PLATFORM_BUILD_CONFIGURATION") is { Length: > 0 } configured
            ? configured
            : new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Polls until a condition holds, for effects that cross the bus.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var value = await probe();
                if (done(value)) return value;
            }
            catch (HttpRequestException unavailable) when (unavailable.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                // 503 means "try again shortly" (e.g. a broker connection refused under load); the probe is asked again.
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.", unavailable);
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            await Task.Delay(200);
        }
    }
}

internal static class HttpJson
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.ReadJsonAsync();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, object body) =>
        http.PostAsJsonAsync(path, body, JsonSerializerOptions.Web);
}
