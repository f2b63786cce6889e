using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Trust;

namespace Platform.SharingPolicy.Saga;

/// <summary>
/// The saga's queue, <c>{node}.sharing.access-request-saga</c>: bound to the directed exchange for
/// <see cref="SubmitAccessRequest"/>s addressed to this node only, and the address reviewers' commands and
/// the scheduled timeouts are sent to. Replies wait in an in-memory outbox until the saga's transaction committed.
/// </summary>
public sealed class AccessRequestSagaDefinition : SagaDefinition<Model.AccessRequest>
{
    private readonly string _node;

    public AccessRequestSagaDefinition(IOptions<NodeOptions> node)
    {
        _node = node.Value.Id;
        Endpoint(e => e.Name = QueueName(_node));
    }

    public static string QueueName(string node) => $"{node}.sharing.access-request-saga";

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<Model.AccessRequest> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.ConfigureConsumeTopology = false;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            CrossingMessages.BindDirected<SubmitAccessRequest>(rabbit, _node);
        }
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
