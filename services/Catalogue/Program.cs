using Platform.Catalogue.Apis;
using Platform.Catalogue.Infrastructure;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;

var builder = PlatformHost.CreateBuilder(args);

var node = builder.AddServiceDefaults("catalogue");
builder.AddApplicationServices(node);

var app = builder.Build();

app.UseServiceDefaults();
// After authorization, so only callers allowed to verify use up their permits.
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapRecordsApi();
app.MapSecrecyReviewApi();
app.MapFederatedApi();
app.MapQualityApi();
app.MapAttachmentsApi();
app.MapPeerAttachmentsApi();
app.MapErrorQueueApi("/api/catalogue");

app.Run();
