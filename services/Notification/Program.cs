using Platform.Notification.Apis;
using Platform.Notification.Infrastructure;
using Platform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

var node = builder.AddServiceDefaults("notification");
builder.AddApplicationServices(node);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapSubscriptionsApi();
app.MapDeliveriesApi();
app.MapInboxApi();

app.Run();
