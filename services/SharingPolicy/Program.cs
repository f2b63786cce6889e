using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.SharingPolicy.Apis;
using Platform.SharingPolicy.Infrastructure;

var builder = PlatformHost.CreateBuilder(args);

var node = builder.AddServiceDefaults("sharing");
builder.AddApplicationServices(node);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapSharedRecordsApi();
app.MapRulesApi();
app.MapRequestsApi();
app.MapGrantsApi();
app.MapBulkSharingApi();
app.MapGrantedAttachmentsApi();
app.MapPeerContentApi();
app.MapNodesApi();
app.MapErrorQueueApi("/api/sharing");

app.Run();
