using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>Steps of the access-request flow between dept-a (owner) and dept-b (requester), as the two departments' systems do them.</summary>
internal sealed class SharingFlow : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public HttpClient Owner { get; private set; } = null!;
    public HttpClient Requester { get; private set; } = null!;

    /// <summary>A fonds code no other test uses, so each test's rules cover only its own records.</summary>
    public string Fonds { get; } = "F" + RandomNumberGenerator.GetHexString(7, false);

    public static async Task<SharingFlow> StartAsync(TwoNodePlatform platform)
    {
        var flow = new SharingFlow
        {
            Owner = await platform.DeptA.HttpAsync(),
            Requester = await platform.DeptB.HttpAsync(),
        };
        // Both nodes must know each other from the node directory (announced at start-up).
        foreach (var (http, other) in new[] { (flow.Owner, "dept-b"), (flow.Requester, "dept-a") })
        {
            await Eventually.Until(() => http.GetJsonAsync("api/sharing/nodes"),
                nodes => nodes.EnumerateArray().Any(n => n.GetProperty("department").GetString() == other), Patience, $"{other} in the node directory");
        }
        return flow;
    }

    public async Task PutRuleAsync(string name, object rule)
    {
        using var response = await Owner.PutAsync($"api/sharing/rules/{name}", JsonContent(rule));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>dept-a pushes a record of this test's fonds; returns its id once dept-a's sharing policy knows it.</summary>
    public async Task<string> PublishAsync(string sharing, Action<Dictionary<string, object?>>? change = null)
    {
        var record = Records.Valid(sharing: sharing);
        record["fondsCode"] = Fonds;
        change?.Invoke(record);
        using var pushed = await Owner.PostJsonAsync("api/catalogue/records", record);
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created, await pushed.Content.ReadAsStringAsync());
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;
        await Eventually.Until(async () => (await Owner.GetAsync($"api/sharing/records/{id}")).StatusCode,
            status => status == HttpStatusCode.OK, Patience, "the record in dept-a's sharing policy");
        return id;
    }

    /// <summary>dept-b asks for the record (retrying while dept-b has not yet heard the record was published).</summary>
    public async Task<JsonElement> RequestAsync(string recordId, string purpose = "核查2023年度人事档案 audit", string[]? fields = null)
    {
        var created = await Eventually.Until(async () =>
        {
            using var response = await Requester.PostJsonAsync("api/sharing/requests", new { recordId, purpose, fields });
            return (response.StatusCode, Body: await response.ReadJsonAsync());
        }, r => r.StatusCode == HttpStatusCode.Accepted, Patience, "dept-b accepting the request");
        created.Body.GetProperty("status").GetString().ShouldBe("submitted");
        created.Body.GetProperty("ownerDepartment").GetString().ShouldBe("dept-a");
        return created.Body;
    }

    public Task<JsonElement> RequesterSeesAsync(string requestId, Func<JsonElement, bool> condition, string what) =>
        Eventually.Until(() => Requester.GetJsonAsync($"api/sharing/requests/{requestId}"), condition, Patience, what);

    public Task<JsonElement> RequesterSeesStatusAsync(string requestId, string status) =>
        RequesterSeesAsync(requestId, r => r.GetProperty("status").GetString() == status, $"dept-b seeing request {requestId} {status}");

    public Task<JsonElement> OwnerSeesStatusAsync(string requestId, string status) =>
        Eventually.Until(async () =>
        {
            using var response = await Owner.GetAsync($"api/sharing/requests/{requestId}");
            return response.IsSuccessStatusCode ? await response.ReadJsonAsync() : default;
        }, r => r.ValueKind == JsonValueKind.Object && r.GetProperty("status").GetString() == status, Patience, $"dept-a seeing request {requestId} {status}");

    /// <summary>dept-b's granted grant id, once the grant has arrived.</summary>
    public async Task<string> GrantIdAsync(string requestId)
    {
        var request = await RequesterSeesAsync(requestId, r => r.GetProperty("grant").ValueKind == JsonValueKind.Object, "the grant at dept-b");
        return request.GetProperty("grant").GetProperty("id").GetString()!;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> FetchAsync(string grantId)
    {
        using var response = await Requester.GetAsync($"api/sharing/grants/{grantId}/content");
        return (response.StatusCode, await response.ReadJsonAsync());
    }

    public static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), System.Text.Encoding.UTF8, "application/json");

    public ValueTask DisposeAsync()
    {
        Owner?.Dispose();
        Requester?.Dispose();
        return ValueTask.CompletedTask;
    }
}
