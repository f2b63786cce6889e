namespace Platform.Authority;

/// <summary>
/// What <see cref="BrokerTopology"/> sets up: the hub and one virtual host and user per department, names prefixed with
/// <see cref="Prefix"/> (empty for <c>platform up</c>; e.g. <c>t1a2b.</c> to keep a test run apart). Federation links
/// and shovels connect as the admin to <see cref="Host"/>:<see cref="LinkPort"/>, which may be a proxy in front of the
/// AMQP port.
/// </summary>
public sealed class BrokerTopologyOptions
{
    public string Prefix { get; init; } = "";

    /// <summary>Every enrolled department (re-applying with one more adds it everywhere).</summary>
    public required IReadOnlyList<string> Departments { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    public required int AmqpPort { get; init; }

    /// <summary>Port in the federation and shovel URIs; the AMQP port when not set.</summary>
    public int? LinkPort { get; init; }

    public required string AdminUser { get; init; }

    public required string AdminPassword { get; init; }

    /// <summary>Broker passwords to keep, by department (e.g. from the previous run); the others are new and random.</summary>
    public IReadOnlyDictionary<string, string>? ExistingPasswords { get; init; }

    public string HubVirtualHost => $"{Prefix}exchange";

    /// <summary>A department's virtual host; its broker user has the same name.</summary>
    public string VirtualHost(string department) => $"{Prefix}{department}";

    /// <summary>amqp URI the admin's links use to reach <paramref name="virtualHost"/>.</summary>
    internal string LinkUri(string virtualHost) =>
        $"amqp://{Uri.EscapeDataString(AdminUser)}:{Uri.EscapeDataString(AdminPassword)}@{Host}:{LinkPort ?? AmqpPort}/{Uri.EscapeDataString(virtualHost)}";

    /// <summary>amqp URI of a department's services: its own user, its own virtual host.</summary>
    internal Uri DepartmentUri(string department, string password) =>
        new($"amqp://{Uri.EscapeDataString(VirtualHost(department))}:{Uri.EscapeDataString(password)}@{Host}:{AmqpPort}/{Uri.EscapeDataString(VirtualHost(department))}");
}
