using System.Security.Cryptography;
using MassTransit;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// Two department nodes, dept-a and dept-b, on the test PostgreSQL and an isolated RabbitMQ virtual host.
/// dept-a reaches the broker through a <see cref="TcpProxy"/> so tests can take the broker away from it.
/// </summary>
public sealed class TwoNodePlatform(TestInfrastructure infrastructure) : IAsyncLifetime
{
    public string RunId { get; } = $"t{RandomNumberGenerator.GetHexString(8, true)}";

    public TestInfrastructure Infrastructure => infrastructure;

    public PlatformNode DeptA { get; private set; } = null!;
    public PlatformNode DeptB { get; private set; } = null!;

    /// <summary>dept-a's only way to the broker.</summary>
    public TcpProxy DeptABroker { get; private set; } = null!;

    public Uri VirtualHost { get; private set; } = null!;

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
        VirtualHost = await infrastructure.CreateVirtualHostAsync(RunId);
        DeptABroker = new TcpProxy(VirtualHost.Host, VirtualHost.Port);
        var throughProxy = new UriBuilder(VirtualHost) { Port = DeptABroker.Port }.Uri;

        var starting = new[]
        {
            PlatformNode.StartAsync(infrastructure, "dept-a", RunId, throughProxy),
            PlatformNode.StartAsync(infrastructure, "dept-b", RunId, VirtualHost),
        };
        try
        {
            var nodes = await Task.WhenAll(starting);
            (DeptA, DeptB) = (nodes[0], nodes[1]);
        }
        catch
        {
            foreach (var node in starting.Where(t => t.IsCompletedSuccessfully)) await node.Result.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes on the platform's exchange as another node (or a faulty one) would, with a bus of its own.</summary>
    public async Task PublishAsync(Func<IBus, Task> publish)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(VirtualHost, h =>
        {
            h.Username("guest");
            h.Password("guest");
        }));
        await bus.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await publish(bus);
        }
        finally
        {
            await bus.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (DeptA is not null) await DeptA.DisposeAsync();
        if (DeptB is not null) await DeptB.DisposeAsync();
        if (DeptABroker is not null) await DeptABroker.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TwoNodeCollection : ICollectionFixture<TwoNodePlatform>
{
    public const string Name = "two nodes";
}
