using Platform.Notification.Apis;
using Platform.Notification.Infrastructure;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;

var builder = PlatformHost.CreateBuilder(args);

var node = builder.AddServiceDefaults("notification");
builder.AddApplicationServices(node);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapSubscriptionsApi();
app.MapDeliveriesApi();
app.MapInboxApi();
app.MapErrorQueueApi("/api/notify");

app.Run();
