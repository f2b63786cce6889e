using MassTransit;

namespace Platform.ServiceDefaults.Messaging;

/// <summary>
/// Queue names are <c>{node}.{service}.{name}</c> (e.g. <c>dept-a.catalogue.record-published</c>): replicas of one
/// node's service compete on one queue, while every other node gets its own copy of each event.
/// </summary>
public sealed class NodeEndpointNameFormatter(string nodeId, string serviceName) : KebabCaseEndpointNameFormatter(false)
{
    private readonly string _prefix = $"{nodeId}.{serviceName}";

    public override string SanitizeName(string name) => $"{_prefix}.{base.SanitizeName(name)}";
}
