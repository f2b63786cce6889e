using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Attachments under a grant, across two real nodes: listed in the granted content and streamed from the owner's gateway
/// only when the owner's rule names <c>attachments</c> in its fields; refused (and audited) otherwise.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class GrantedAttachmentTests(TwoNodePlatform platform)
{
    [Fact]
    public async Task A_grant_that_covers_attachments_lists_and_streams_them_from_the_owner()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"scans-{flow.Fonds.ToLowerInvariant()}", new { sharing = "unconditional", fondsCode = flow.Fonds, fields = new[] { "title", "description", "attachments" } });
        var recordId = await flow.PublishAsync("unconditional");
        var bytes = RandomNumberGenerator.GetBytes(700_000);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        var sha256 = await UploadAsync(flow.Owner, recordId, bytes);

        var grantId = await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);
        var (status, content) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        content.GetProperty("record").EnumerateObject().Select(p => p.Name).Order().ShouldBe(["description", "title"]);
        var listed = content.GetProperty("attachments").EnumerateArray().Single();
        listed.GetProperty("sha256").GetString().ShouldBe(sha256);
        listed.GetProperty("fileName").GetString().ShouldBe("扫描件.pdf");
        listed.GetProperty("size").GetInt64().ShouldBe(bytes.Length);

        using (var file = await flow.Requester.GetAsync($"api/sharing/grants/{grantId}/attachments/{sha256}"))
        {
            file.StatusCode.ShouldBe(HttpStatusCode.OK, await file.Content.ReadAsStringAsync());
            file.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
            file.Headers.GetValues("X-Content-SHA256").Single().ShouldBe(sha256);
            (await file.Content.ReadAsByteArrayAsync()).ShouldBe(bytes);
        }
        var owner = await flow.Owner.GetJsonAsync($"api/sharing/grants/{grantId}");
        owner.GetProperty("deliveries").GetInt32().ShouldBe(2);

        var other = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        (await flow.Requester.GetAsync($"api/sharing/grants/{grantId}/attachments/{other}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await flow.Requester.GetAsync($"api/sharing/grants/{grantId}/attachments/not-a-hash")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await flow.Requester.GetAsync($"api/sharing/grants/{Guid.NewGuid()}/attachments/{sha256}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The owner's node-to-node route wants the grant and the caller's node proof.
        using (var anonymous = new HttpClient { BaseAddress = platform.DeptA.Gateway })
        {
            (await anonymous.GetAsync($"peer/catalogue/grants/{grantId}/attachments/{sha256}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using (var revoke = await flow.Owner.PostJsonAsync($"api/sharing/grants/{grantId}/revoke", new { reason = "scans withdrawn from sharing" }))
        {
            revoke.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using var refused = await flow.Requester.GetAsync($"api/sharing/grants/{grantId}/attachments/{sha256}");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("revoked");
    }

    [Fact]
    public async Task A_grant_without_attachments_in_its_fields_does_not_list_or_stream_them()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var bytes = RandomNumberGenerator.GetBytes(10_000);
        "%PDF-1.4\n"u8.CopyTo(bytes);
        var sha256 = await UploadAsync(flow.Owner, recordId, bytes);

        var grantId = await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);
        var (status, content) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        content.TryGetProperty("attachments", out var attachments).ShouldBeTrue();
        attachments.ValueKind.ShouldBe(JsonValueKind.Null);

        using var refused = await flow.Requester.GetAsync($"api/sharing/grants/{grantId}/attachments/{sha256}");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("does not cover");
    }

    private static async Task<string> UploadAsync(HttpClient owner, string recordId, byte[] bytes)
    {
        using var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = "扫描件.pdf" };
        using var uploaded = await owner.PostAsync($"api/catalogue/records/{recordId}/attachments", file);
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        return (await uploaded.ReadJsonAsync()).GetProperty("sha256").GetString()!;
    }
}
