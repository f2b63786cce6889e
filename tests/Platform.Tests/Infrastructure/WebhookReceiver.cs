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
    private WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _failuresLeft;
    private int _requests;
    private Uri? _url;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Every POST that reached the receiver, failed ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Stops listening: senders get "connection refused" until <see cref="BringBackAsync"/>.</summary>
    public async Task TakeDownAsync()
    {
        _url ??= Url;
        await _app.DisposeAsync();
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task BringBackAsync()
    {
        var url = _url ?? throw new InvalidOperationException("The receiver is not down.");
        _app = Build(this, $"{url.Scheme}://{url.Authority}");
        await _app.StartAsync();
        _url = null;
    }

    public Uri Url => new(_app.Urls.First() + "/hook");

    public IReadOnlyCollection<ReceivedWebhook> Received => _received;

    /// <summary>The next <paramref name="count"/> deliveries get a 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(null!);
        receiver._app = Build(receiver, "http://127.0.0.1:0");
        await receiver._app.StartAsync();
        return receiver;
    }

    private static WebApplication Build(WebhookReceiver receiver, string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref receiver._requests);
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
        return app;
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
