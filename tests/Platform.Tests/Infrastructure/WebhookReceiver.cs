using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace Platform.Tests.Infrastructure;

/// <summary>A real HTTP receiver on 127.0.0.1 that records webhook deliveries and can be told to fail.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First() + "/hook");

    public IReadOnlyCollection<ReceivedWebhook> Received => _received;

    /// <summary>The next <paramref name="count"/> deliveries get a 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            if (Interlocked.Decrement(ref receiver._failuresLeft) >= 0)
            {
                return Results.StatusCode(500);
            }
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            receiver._received.Enqueue(new ReceivedWebhook(
                request.Headers["webhook-id"].ToString(),
                request.Headers["webhook-timestamp"].ToString(),
                request.Headers["webhook-signature"].ToString(),
                body));
            return Results.NoContent();
        });
        await app.StartAsync();
        return receiver;
    }

    public Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, TimeSpan timeout, string what) =>
        Eventually.Until(() => Task.FromResult(_received.FirstOrDefault(match)), found => found is not null, timeout, what)!;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One received POST with its Standard Webhooks headers.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body)
{
    /// <summary>Runs the StandardWebhooks library's own verifier; throws when the signature does not hold.</summary>
    public void Verify(string secret, string? body = null) =>
        new StandardWebhook(secret).Verify(body ?? Body, new HeaderDictionary
        {
            ["webhook-id"] = Id,
            ["webhook-timestamp"] = Timestamp,
            ["webhook-signature"] = Signature,
        });
}
