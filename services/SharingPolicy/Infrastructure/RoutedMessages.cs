using MassTransit;
using Platform.Contracts;
using RabbitMQ.Client;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// Messages for one department (ARCHITECTURE.md §2): a direct exchange per message type, the department id as
/// routing key, and each node's queue bound with its own id only. Publishing (the outbox uses IBus.Publish) picks the
/// routing key from the message, so nothing is broadcast and nothing is sent to another node's queue by address.
/// </summary>
internal static class RoutedMessages
{
    public static void Configure(IRabbitMqBusFactoryConfigurator rabbit)
    {
        Route<SubmitAccessRequest>(rabbit, m => m.OwnerDepartment);
        Route<AccessReviewStarted>(rabbit, m => m.RequesterDepartment);
        Route<AccessReviewOverdue>(rabbit, m => m.RequesterDepartment);
        Route<AccessDecided>(rabbit, m => m.RequesterDepartment);
        Route<GrantIssued>(rabbit, m => m.RequesterDepartment);
        Route<GrantRevoked>(rabbit, m => m.RequesterDepartment);
        Route<SharingRuleChanged>(rabbit, m => m.Department);
        Route<ContentDelivered>(rabbit, m => m.Node);
        Route<ContentDenied>(rabbit, m => m.Node);
        Route<SharingNotice>(rabbit, m => m.Department);
        Route<SubmitBulkAccessRequest>(rabbit, m => m.OwnerDepartment);
        Route<BulkAccessRequestExpanded>(rabbit, m => m.RequesterDepartment);
        Route<SubscribeToRecords>(rabbit, m => m.OwnerDepartment);
        Route<CancelRecordSubscription>(rabbit, m => m.OwnerDepartment);
        Route<SubscribedRecordAvailable>(rabbit, m => m.SubscriberDepartment);
    }

    private static void Route<T>(IRabbitMqBusFactoryConfigurator rabbit, Func<T, string> key) where T : class
    {
        rabbit.Publish<T>(topology => topology.ExchangeType = ExchangeType.Direct);
        rabbit.Send<T>(topology => topology.UseRoutingKeyFormatter(context => key(context.Message)));
    }
}
