using MassTransit;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Apis;
using Platform.SharingPolicy.Consumers;
using Platform.SharingPolicy.Model;
using Platform.SharingPolicy.Saga;
using MassTransit.Configuration;
using MassTransit.Saga;

namespace Platform.SharingPolicy.Infrastructure;

internal static class Extensions
{
    public static void AddApplicationServices(this WebApplicationBuilder builder, NodeOptions node)
    {
        builder.AddServiceDatabase<SharingDbContext>();
        builder.AddOutboxGauges<SharingDbContext>();
        builder.AddServiceBus("sharing", node, bus =>
        {
            bus.AddConsumer<OwnRecordPublishedConsumer, IdempotentBatchConsumerDefinition<OwnRecordPublishedConsumer>>();
            bus.AddConsumer<OwnRecordUpdatedConsumer, IdempotentBatchConsumerDefinition<OwnRecordUpdatedConsumer>>();
            bus.AddConsumer<OwnRecordWithdrawnConsumer, IdempotentBatchConsumerDefinition<OwnRecordWithdrawnConsumer>>();
            bus.AddRecordEventBatchConsumer<OwnRecordPublishedConsumer, OwnRecordUpdatedConsumer, OwnRecordWithdrawnConsumer>();
            bus.AddConsumer<NodeAnnouncedConsumer>();
            bus.AddSagaStateMachine<AccessRequestStateMachine, AccessRequest, AccessRequestSagaDefinition>()
                .Repository(repository => repository.RegisterSagaRepository<AccessRequest, SharingDbContext,
                    SagaConsumeContextFactory<SharingDbContext, AccessRequest>, AccessRequestSagaRepositoryContextFactory>());
            // By its endpoint exchange: addressing the queue would declare it again, without the quorum type.
            var saga = new Uri($"exchange:{AccessRequestSagaDefinition.QueueName(node.Id)}");
            bus.AddRequestClient<ReviewAccessRequest>(saga);
            bus.AddRequestClient<RevokeAccessRequest>(saga);
            bus.AddConsumer<AccessReviewStartedConsumer, RoutedConsumerDefinition<AccessReviewStartedConsumer, AccessReviewStarted>>();
            bus.AddConsumer<AccessReviewOverdueConsumer, RoutedConsumerDefinition<AccessReviewOverdueConsumer, AccessReviewOverdue>>();
            bus.AddConsumer<AccessDecidedConsumer, RoutedConsumerDefinition<AccessDecidedConsumer, AccessDecided>>();
            bus.AddConsumer<GrantIssuedConsumer, RoutedConsumerDefinition<GrantIssuedConsumer, GrantIssued>>();
            bus.AddConsumer<GrantRevokedConsumer, RoutedConsumerDefinition<GrantRevokedConsumer, GrantRevoked>>();
            bus.AddConsumer<SubmitBulkAccessRequestConsumer, RoutedConsumerDefinition<SubmitBulkAccessRequestConsumer, SubmitBulkAccessRequest>>();
            bus.AddConsumer<BulkAccessRequestExpandedConsumer, RoutedConsumerDefinition<BulkAccessRequestExpandedConsumer, BulkAccessRequestExpanded>>();
            bus.AddConsumer<SubscribeToRecordsConsumer, RoutedConsumerDefinition<SubscribeToRecordsConsumer, SubscribeToRecords>>();
            bus.AddConsumer<CancelRecordSubscriptionConsumer, RoutedConsumerDefinition<CancelRecordSubscriptionConsumer, CancelRecordSubscription>>();
            bus.AddConsumer<SubscribedRecordAvailableConsumer, RoutedConsumerDefinition<SubscribedRecordAvailableConsumer, SubscribedRecordAvailable>>();
            // The node's own catalogue, by its endpoint exchange (the queue is a quorum queue the catalogue declares): never broadcast.
            bus.AddRequestClient<GetRecordContent>(new Uri($"exchange:{node.Id}.catalogue.get-record-content"), RequestTimeout.After(s: 15));
            bus.AddRequestClient<GetRecordAttachments>(new Uri($"exchange:{node.Id}.catalogue.get-record-attachments"), RequestTimeout.After(s: 15));
            bus.AddConsumer<AuthorizeGrantedAttachmentConsumer, AuthorizeGrantedAttachmentConsumerDefinition>();
            bus.AddConsumer<GetCatalogueViewsConsumer, GetCatalogueViewsConsumerDefinition>();
            bus.AddRequestClient<GetReannouncementProgress>(new Uri($"exchange:{node.Id}.catalogue.get-reannouncement-progress"), RequestTimeout.After(s: 15));
        }, RoutedMessages.Configure);

        builder.Services.AddOptions<SharingOptions>().Bind(builder.Configuration.GetSection(SharingOptions.Section));
        builder.Services.AddSingleton<GrantTokens>();
        builder.Services.AddSingleton<NodeAnnouncer>();
        builder.Services.AddScoped<SharingWorkflow>();
        builder.Services.AddScoped<ContentDelivery>();
        builder.Services.AddScoped<SubscriptionOffers>();
        builder.Services.AddHostedService<NodeAnnouncementService>();
        builder.Services.AddHostedService<GrantExpiryReminder>();
        builder.Services.AddHostedService<DeferredMessageDispatcher>();
        // A peer call goes only to the gateway URL the authority signed: a redirect could send the grant and proof elsewhere.
        builder.Services.AddHttpClient(GrantsApi.OwnerGatewayClient).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
    }
}
