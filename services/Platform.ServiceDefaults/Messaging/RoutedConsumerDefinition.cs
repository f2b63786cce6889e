using MassTransit;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Trust;
using RabbitMQ.Client;

namespace Platform.ServiceDefaults.Messaging;

/// <summary>
/// A consumer of a message routed to this department: a message from another department arrives on the
/// <see cref="CrossingMessages.DirectedExchange"/> with this node's id in its routing key; one that never leaves the node
/// on its type's direct exchange, bound with this node's id only.
/// </summary>
public sealed class RoutedConsumerDefinition<TConsumer, TMessage>(IOptions<NodeOptions> node) : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TMessage>
    where TMessage : class
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConfigureConsumeTopology = false;
        if (endpointConfigurator is not IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            return;
        }
        if (CrossingMessages.Of<TMessage>() is not null)
        {
            CrossingMessages.BindDirected<TMessage>(rabbit, node.Value.Id);
            return;
        }
        rabbit.Bind<TMessage>(binding =>
        {
            binding.ExchangeType = ExchangeType.Direct;
            binding.RoutingKey = node.Value.Id;
        });
    }
}
