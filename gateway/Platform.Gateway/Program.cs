using Platform.Gateway.Audit;
using Platform.Gateway.Auth;
using Platform.Gateway.Docs;
using Platform.Gateway.Infrastructure;
using Platform.Gateway.Operations;
using Platform.Gateway.Proxy;
using Platform.ServiceDefaults;

var builder = PlatformHost.CreateBuilder(args);

var node = builder.AddHostingDefaults("gateway");
builder.AddGatewayDatabase();
builder.AddGatewayAuth(node);
builder.AddGatewayProxy();
builder.AddGatewayDenialAudit(node);
builder.AddOps();
// Authentication and the set-up above register Data Protection's start-up key-ring load; nothing in the gateway protects data.
builder.Services.WithoutDataProtectionWarmUp();

var app = builder.Build();

app.UseGatewayDenialAudit();
app.UseOpsConsole();
app.UseGatewayRequestLimits();
app.UseTokenRequestRateLimit();
var anonymousLimit = app.UseAnonymousRateLimit();
app.UseServiceDefaults(authenticated: anonymousLimit.ForFailedTokens);
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapTokenEndpoint();
app.MapApiDocs();
app.MapOpsApi();
app.MapReverseProxy();

app.Run();
