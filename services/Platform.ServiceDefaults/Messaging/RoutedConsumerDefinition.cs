using MassTransit;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Platform.ServiceDefaults.Messaging;

/// <summary>A consumer of a message routed to this department: its queue is bound to the type's direct exchange with this node's id only.</summary>
public sealed class RoutedConsumerDefinition<TConsumer, TMessage>(IOptions<NodeOptions> node) : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TMessage>
    where TMessage : class
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConfigureConsumeTopology = false;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.Bind<TMessage>(binding =>
            {
                binding.ExchangeType = ExchangeType.Direct;
                binding.RoutingKey = node.Value.Id;
            });
        }
    }
}
