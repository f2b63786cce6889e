using MassTransit;
using Platform.Contracts;
using RabbitMQ.Client;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// Messages the sharing service addresses to its own node's audit, which never leave the department: a direct exchange
/// per type with the department id as routing key. Messages for other departments are <see cref="ServiceDefaults.Trust.CrossingMessages"/>.
/// </summary>
internal static class RoutedMessages
{
    public static void Configure(IRabbitMqBusFactoryConfigurator rabbit)
    {
        Route<SharingRuleChanged>(rabbit, m => m.Department);
        Route<ContentDelivered>(rabbit, m => m.Node);
        Route<ContentDenied>(rabbit, m => m.Node);
    }

    private static void Route<T>(IRabbitMqBusFactoryConfigurator rabbit, Func<T, string> key) where T : class
    {
        rabbit.Publish<T>(topology => topology.ExchangeType = ExchangeType.Direct);
        rabbit.Send<T>(topology => topology.UseRoutingKeyFormatter(context => key(context.Message)));
    }
}
