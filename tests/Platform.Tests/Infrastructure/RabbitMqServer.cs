using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// A throwaway RabbitMQ broker of a test's own (Debian's package, 127.0.0.1 only, run as deploy/local/platform runs
/// it), so a fault test can stop and restart the broker under running nodes without touching the shared test broker.
/// Its data survives a restart, as a real broker's does.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string Binaries = "/usr/lib/rabbitmq/bin";
    private readonly string _directory;
    private readonly string _name;
    private readonly int _distributionPort;
    private Process? _server;

    private RabbitMqServer(string directory, string name)
    {
        _directory = directory;
        _name = name;
        Port = FreePort();
        _distributionPort = FreePort();
    }

    public int Port { get; }

    /// <summary>amqp URI of the default virtual host.</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    public static async Task<RabbitMqServer> StartNewAsync()
    {
        if (!File.Exists(Path.Combine(Binaries, "rabbitmq-server")))
        {
            throw new InvalidOperationException($"RabbitMQ not found in {Binaries}: deploy/local/platform installs rabbitmq-server.");
        }
        var directory = Path.Combine(Path.GetTempPath(), $"platform-rabbit-{Guid.NewGuid():N}");
        var server = new RabbitMqServer(directory, $"fault{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(Path.Combine(directory, "home"));
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(directory, "home"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"),
            $"listeners.tcp.default = 127.0.0.1:{server.Port}\nloopback_users = none\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].\n");
        try
        {
            await server.StartAsync();
        }
        catch
        {
            // A broker that did not come up in time must not outlive the test.
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(Binaries, "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in Environment()) start.Environment[key] = value;
        start.Environment["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        // A loaded machine (two test nodes and more) can take minutes to boot an Erlang VM.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(300);
        while (await ControlAsync("-q", "await_startup", "--timeout", "10") != 0)
        {
            if (_server.HasExited) throw new InvalidOperationException($"RabbitMQ {_name} exited during start-up; logs in {_directory}/logs");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"RabbitMQ {_name} not ready after 300 s; logs in {_directory}/logs");
            await Task.Delay(500);
        }
    }

    /// <summary>A clean broker shutdown, as an operator's restart does it: SIGTERM, on which the server script stops the node.</summary>
    public async Task StopAsync()
    {
        if (_server is null) return;
        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
               { UseShellExecute = false })!)
        {
            await term.WaitForExitAsync();
        }
        try
        {
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        // The script returns once the node has stopped; wait until the port is free for the restart.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && await ControlAsync("-q", "ping") == 0) await Task.Delay(500);
        _server.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = Path.Combine(_directory, "home"),
        ["RABBITMQ_NODENAME"] = $"{_name}@localhost",
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins"),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "logs"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(_directory, "rabbitmq.pid"),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        ["RABBITMQ_CTL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
    };

    private async Task<int> ControlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Binaries, "rabbitmqctl"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in Environment()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            return -1;
        }
        await Task.WhenAll(output, error);
        return process.ExitCode;
    }

    private static int FreePort() => PlatformNode.FreePort();
}
