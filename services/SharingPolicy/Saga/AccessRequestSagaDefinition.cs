using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using RabbitMQ.Client;

namespace Platform.SharingPolicy.Saga;

/// <summary>
/// The saga's queue, <c>{node}.sharing.access-request-saga</c>: bound to <see cref="SubmitAccessRequest"/>'s direct
/// exchange with this node's id only (requests routed to this department), and the address reviewers' commands and
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
            rabbit.Bind<SubmitAccessRequest>(binding =>
            {
                binding.ExchangeType = ExchangeType.Direct;
                binding.RoutingKey = _node;
            });
        }
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
