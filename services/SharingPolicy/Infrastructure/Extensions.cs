using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Consumers;

namespace Platform.SharingPolicy.Infrastructure;

internal static class Extensions
{
    public static void AddApplicationServices(this WebApplicationBuilder builder, NodeOptions node)
    {
        builder.AddServiceDatabase<SharingDbContext>();
        builder.AddServiceBus("sharing", node, bus =>
        {
            bus.AddConsumer<OwnRecordPublishedConsumer>();
            bus.AddConsumer<OwnRecordUpdatedConsumer>();
            bus.AddConsumer<OwnRecordWithdrawnConsumer>();
        });
    }
}
