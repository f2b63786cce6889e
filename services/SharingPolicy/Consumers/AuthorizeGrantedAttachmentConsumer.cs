using MassTransit;
using Platform.Contracts;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>Owner side: this node's catalogue asks whether it may stream an attachment under a grant (see <see cref="ContentDelivery.AuthorizeAttachmentAsync"/>).</summary>
public sealed class AuthorizeGrantedAttachmentConsumer(ContentDelivery delivery) : IConsumer<AuthorizeGrantedAttachment>
{
    public async Task Consume(ConsumeContext<AuthorizeGrantedAttachment> context) =>
        await context.RespondAsync(await delivery.AuthorizeAttachmentAsync(context.Message, context.CancellationToken));
}

/// <summary>Sent to this node's queue by address only: no binding to the message type's (broadcast) exchange.</summary>
public sealed class AuthorizeGrantedAttachmentConsumerDefinition : ConsumerDefinition<AuthorizeGrantedAttachmentConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AuthorizeGrantedAttachmentConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConfigureConsumeTopology = false;
}
