using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Authority;

/// <summary>The few calls of RabbitMQ's management HTTP API the topology needs; a refused call fails with the broker's answer.</summary>
internal sealed class BrokerManagement(HttpClient http)
{
    public static string Escape(string name) => Uri.EscapeDataString(name);

    public Task PutAsync(string path, object body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task PostAsync(string path, object body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(HttpMethod.Get, path, response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, cancellationToken);
        // Deleting what is already gone is what was wanted.
        if (method == HttpMethod.Delete && response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(method, path, response, cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpMethod method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException($"RabbitMQ management API: {method} {path} answered {(int)response.StatusCode}: {answer}", null, response.StatusCode);
    }
}
