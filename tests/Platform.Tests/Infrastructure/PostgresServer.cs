using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL 15 cluster of a test's own (Debian's binaries, 127.0.0.1, trust auth), so a fault
/// test can stop and start the database under a running node without touching the shared test server.
/// </summary>
public sealed class PostgresServer : IDatabaseServer, IAsyncDisposable
{
    private const string Binaries = "/usr/lib/postgresql/15/bin";
    private readonly string _directory;

    private PostgresServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Database(string name) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = name }.ConnectionString;

    public static async Task<PostgresServer> StartNewAsync()
    {
        if (!File.Exists(Path.Combine(Binaries, "pg_ctl")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 binaries not found in {Binaries}: fault tests start their own cluster (deploy/local/platform installs postgresql-15).");
        }
        var directory = Path.Combine(Path.GetTempPath(), $"platform-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        await RunAsync("chmod", "755", directory);
        await RunAsync("chown", "postgres", directory);
        await AsPostgresAsync("initdb", "-D", Path.Combine(directory, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale");
        var server = new PostgresServer(directory, FreePort());
        await server.StartAsync();
        return server;
    }

    public Task StartAsync() => AsPostgresAsync("pg_ctl", "-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "log"),
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_directory} -c max_connections=500", "-w", "start");

    public Task StopAsync() => AsPostgresAsync("pg_ctl", "-D", Path.Combine(_directory, "data"), "-m", "fast", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
        }
        Directory.Delete(_directory, recursive: true);
    }

    private static Task AsPostgresAsync(string tool, params string[] arguments) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Binaries, tool), .. arguments]);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static int FreePort() => PlatformNode.FreePort();
}
