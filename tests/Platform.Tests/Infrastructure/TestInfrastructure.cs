using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

[assembly: AssemblyFixture(typeof(Platform.Tests.Infrastructure.TestInfrastructure))]

namespace Platform.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL and RabbitMQ the tests run against: from Testcontainers where a Docker engine is reachable,
/// otherwise from the servers `deploy/local/platform test` started and exported. Never skipped, never faked.
/// </summary>
public sealed class TestInfrastructure : IAsyncLifetime, IDatabaseServer
{
    private PostgreSqlContainer? _postgres;
    private RabbitMqContainer? _rabbit;

    /// <summary>Connection string of a superuser, without a database name.</summary>
    public string PostgresServer { get; private set; } = "";

    /// <summary>amqp://user:password@host:port (no virtual host), as the broker's admin (the authority's user).</summary>
    public Uri RabbitMq { get; private set; } = null!;

    public string AdminUser => Uri.UnescapeDataString(RabbitMq.UserInfo.Split(':', 2)[0]);

    public string AdminPassword => Uri.UnescapeDataString(RabbitMq.UserInfo.Split(':', 2)[1]);

    /// <summary>Base URL of the RabbitMQ management API.</summary>
    public Uri RabbitMqManagement { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("PLATFORM_TEST_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("PLATFORM_TEST_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("PLATFORM_TEST_RABBITMQ_MANAGEMENT");
        if (!string.IsNullOrEmpty(postgres) && !string.IsNullOrEmpty(rabbit) && !string.IsNullOrEmpty(management))
        {
            PostgresServer = postgres;
            RabbitMq = new Uri(rabbit);
            RabbitMqManagement = new Uri(management);
        }
        else if (DockerIsReachable())
        {
            await StartContainersAsync();
        }
        else
        {
            throw new InvalidOperationException(
                "No PostgreSQL/RabbitMQ for the tests: no Docker engine is reachable for Testcontainers, and PLATFORM_TEST_POSTGRES, " +
                "PLATFORM_TEST_RABBITMQ and PLATFORM_TEST_RABBITMQ_MANAGEMENT are not set. Run the suite with `deploy/local/platform test`.");
        }

        if (!RabbitMq.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("PLATFORM_TEST_RABBITMQ must carry the broker admin's user and password (amqp://ADMIN:PASSWORD@host:port/).");
        }
        await using var connection = new NpgsqlConnection(PostgresServer);
        await connection.OpenAsync();
        PlatformNode.DefaultTrust = RunAuthority.EnrolStandalone;
    }

    public async ValueTask DisposeAsync()
    {
        RunAuthority.DisposeStandalone();
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_rabbit is not null) await _rabbit.DisposeAsync();
    }

    public string Database(string name) => new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name }.ConnectionString;

    /// <summary>Creates an isolated RabbitMQ virtual host (no federation, no department user) and returns the admin's amqp URI for it.</summary>
    public async Task<Uri> CreateVirtualHostAsync(string name)
    {
        using var http = ManagementClient();
        (await http.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        var user = AdminUser;
        (await http.PutAsJsonAsync($"api/permissions/{name}/{user}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new Uri(RabbitMq, name);
    }

    /// <summary>
    /// Binds a new queue of the test's own to an exchange, so that the messages published on it from now on can be read
    /// back exactly (<see cref="TakeAsync"/>), unlike the broker's statistics, which lag by seconds.
    /// </summary>
    public async Task<string> TapAsync(string virtualHost, string exchange, string routingKey = "")
    {
        var queue = $"test-tap-{Guid.NewGuid():N}";
        using var http = ManagementClient();
        (await http.PutAsJsonAsync($"api/queues/{virtualHost}/{queue}", new { durable = false, arguments = new Dictionary<string, object> { ["x-expires"] = 600_000 } }))
            .EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"api/bindings/{virtualHost}/e/{Uri.EscapeDataString(exchange)}/q/{queue}", new { routing_key = routingKey }))
            .EnsureSuccessStatusCode();
        return queue;
    }

    /// <summary>Takes (and removes) every message waiting in a queue and returns their bodies.</summary>
    public async Task<IReadOnlyList<string>> TakeAsync(string virtualHost, string queue) =>
        (await TakeMessagesAsync(virtualHost, queue)).Select(message => message.Payload).ToList();

    /// <summary>Takes (and removes) every message waiting in a queue, with its headers.</summary>
    public async Task<IReadOnlyList<TakenMessage>> TakeMessagesAsync(string virtualHost, string queue)
    {
        using var http = ManagementClient();
        var messages = new List<TakenMessage>();
        while (true)
        {
            using var response = await http.PostAsJsonAsync($"api/queues/{virtualHost}/{queue}/get",
                new { count = 100, ackmode = "ack_requeue_false", encoding = "auto" });
            response.EnsureSuccessStatusCode();
            var taken = await response.Content.ReadFromJsonAsync<TakenMessage[]>() ?? [];
            if (taken.Length == 0) return messages;
            messages.AddRange(taken);
        }
    }

    public HttpClient ManagementClient()
    {
        var credentials = $"{AdminUser}:{AdminPassword}";
        var http = new HttpClient { BaseAddress = RabbitMqManagement };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return http;
    }

    private static bool DockerIsReachable() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");

    private async Task StartContainersAsync()
    {
        // Two nodes are ten processes with a connection pool each: more than the default 100 connections.
        _postgres = new PostgreSqlBuilder("postgres:15").WithCommand("-c", "max_connections=500").Build();
        _rabbit = new RabbitMqBuilder("rabbitmq:3.13-management").WithPortBinding(15672, true).Build();
        await Task.WhenAll(_postgres.StartAsync(), _rabbit.StartAsync());
        PostgresServer = new NpgsqlConnectionStringBuilder(_postgres.GetConnectionString()) { Database = "postgres" }.ConnectionString;
        RabbitMq = new Uri(_rabbit.GetConnectionString());
        RabbitMqManagement = new Uri($"http://{_rabbit.Hostname}:{_rabbit.GetMappedPublicPort(15672)}/");
    }

    /// <summary>A message as the management API's <c>get</c> returns it.</summary>
    public sealed record TakenMessage(
        [property: System.Text.Json.Serialization.JsonPropertyName("payload")] string Payload,
        [property: System.Text.Json.Serialization.JsonPropertyName("properties")] System.Text.Json.JsonElement Properties)
    {
        public string? Header(string name) =>
            Properties.TryGetProperty("headers", out var headers) && headers.TryGetProperty(name, out var value) ? value.ToString() : null;
    }
}
