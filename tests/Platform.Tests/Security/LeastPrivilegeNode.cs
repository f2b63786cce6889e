using Platform.Tests.Infrastructure;

namespace Platform.Tests.Security;

/// <summary>One node, started as <c>deploy/local/platform up</c> starts it (owner and runtime roles, key files), shared by a class's tests.</summary>
public sealed class LeastPrivilegeNode(TestInfrastructure infrastructure) : IAsyncLifetime
{
    public PlatformNode Node { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var runId = $"l{Guid.NewGuid():N}"[..9];
        Node = await PlatformNode.StartAsync(infrastructure, "dept-a", runId, await infrastructure.CreateVirtualHostAsync(runId));
    }

    public async ValueTask DisposeAsync()
    {
        if (Node is not null) await Node.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LeastPrivilegeCollection : ICollectionFixture<LeastPrivilegeNode>
{
    public const string Name = "least-privilege node";
}
