using Platform.Audit.Apis;
using Platform.Audit.Infrastructure;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;

var builder = PlatformHost.CreateBuilder(args);

var node = builder.AddServiceDefaults("audit");
builder.AddApplicationServices(node);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapAuditApi();
app.MapAuditExportApi();
app.MapTrafficApi();
app.MapKpiApi();
app.MapErrorQueueApi("/api/audit");

app.Run();
