using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Digitised files: streamed upload with type, size and hash checks; download by the owner only; verification by its
/// auditors, a few a minute.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AttachmentTests(TwoNodePlatform platform)
{
    private static byte[] Pdf(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    private static async Task<string> PushRecord(HttpClient http)
    {
        using var pushed = await http.PostJsonAsync("api/catalogue/records", Records.Valid());
        return (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    private static ByteArrayContent File(byte[] bytes, string contentType = "application/pdf", string fileName = "扫描件.pdf", string? sha256 = null)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName };
        if (sha256 is not null) content.Headers.Add("X-Content-SHA256", sha256);
        return content;
    }

    [Fact]
    public async Task An_uploaded_file_is_recorded_with_its_hash_listed_downloaded_verified_and_stored_once()
    {
        using var http = await platform.DeptA.HttpAsync();
        var id = await PushRecord(http);
        var bytes = Pdf(3 * 1024 * 1024 + 17);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));

        using var uploaded = await http.PostAsync($"api/catalogue/records/{id}/attachments", File(bytes, sha256: sha256));
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        var attachment = await uploaded.ReadJsonAsync();
        attachment.GetProperty("sha256").GetString().ShouldBe(sha256);
        attachment.GetProperty("size").GetInt64().ShouldBe(bytes.Length);
        attachment.GetProperty("contentType").GetString().ShouldBe("application/pdf");
        attachment.GetProperty("fileName").GetString().ShouldBe("扫描件.pdf");
        var attachmentId = attachment.GetProperty("id").GetString();

        // The same bytes on another record: a second attachment, one stored file.
        var other = await PushRecord(http);
        using var again = await http.PostAsync($"api/catalogue/records/{other}/attachments", File(bytes, "application/octet-stream", "copy.pdf"));
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await again.ReadJsonAsync()).GetProperty("sha256").GetString().ShouldBe(sha256);

        var listed = await http.GetJsonAsync($"api/catalogue/records/{id}/attachments");
        listed.GetArrayLength().ShouldBe(1);
        listed[0].GetProperty("id").GetString().ShouldBe(attachmentId);

        using var download = await http.GetAsync($"api/catalogue/records/{id}/attachments/{attachmentId}");
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        download.Headers.GetValues("X-Content-SHA256").Single().ShouldBe(sha256);
        SHA256.HashData(await download.Content.ReadAsByteArrayAsync()).ShouldBe(Convert.FromHexString(sha256));

        var verified = await http.GetJsonAsync($"api/catalogue/records/{id}/attachments/{attachmentId}/verify");
        verified.GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Wrong_type_hash_mismatch_and_truncated_uploads_are_refused_and_nothing_is_kept()
    {
        using var http = await platform.DeptA.HttpAsync();
        var id = await PushRecord(http);

        using var exe = await http.PostAsync($"api/catalogue/records/{id}/attachments", File("MZ\x90\0 not a document"u8.ToArray(), "application/octet-stream", "a.exe"));
        exe.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await exe.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("PDF, TIFF, JPEG, PNG, OFD");

        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3 };
        using var mislabelled = await http.PostAsync($"api/catalogue/records/{id}/attachments", File(png, "application/pdf"));
        mislabelled.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await mislabelled.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("PNG");

        // A client that sent only part of a file but declares the whole file's hash.
        var whole = Pdf(256 * 1024);
        var truncated = whole[..(100 * 1024)];
        using var partial = await http.PostAsync($"api/catalogue/records/{id}/attachments",
            File(truncated, sha256: Convert.ToHexStringLower(SHA256.HashData(whole))));
        partial.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await partial.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("incomplete");

        // A connection that ends before its declared Content-Length.
        await using (var stream = new TruncatedStream(whole, 64 * 1024))
        {
            using var content = new StreamContent(stream);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            content.Headers.ContentLength = whole.Length;
            content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = "cut.pdf" };
            await Should.ThrowAsync<Exception>(async () =>
            {
                using var cut = await http.PostAsync($"api/catalogue/records/{id}/attachments", content);
                cut.EnsureSuccessStatusCode();
            });
        }

        using var noName = await http.PostAsync($"api/catalogue/records/{id}/attachments", new ByteArrayContent(whole));
        noName.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        (await http.GetJsonAsync($"api/catalogue/records/{id}/attachments")).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Another_department_cannot_upload_list_or_download_attachments()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        using var deptB = await platform.DeptB.HttpAsync();
        var id = await PushRecord(deptA);
        using var uploaded = await deptA.PostAsync($"api/catalogue/records/{id}/attachments", File(Pdf(1000)));
        var attachmentId = (await uploaded.ReadJsonAsync()).GetProperty("id").GetString();

        using var upload = await deptB.PostAsync($"api/catalogue/records/{id}/attachments", File(Pdf(1000)));
        upload.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var list = await deptB.GetAsync($"api/catalogue/records/{id}/attachments");
        list.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var download = await deptB.GetAsync($"api/catalogue/records/{id}/attachments/{attachmentId}");
        download.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // dept-b's token at dept-a's gateway is refused outright.
        using var foreign = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        foreign.DefaultRequestHeaders.Authorization = deptB.DefaultRequestHeaders.Authorization;
        using var crossed = await foreign.GetAsync($"api/catalogue/records/{id}/attachments/{attachmentId}");
        crossed.StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);

        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        using var notPublisher = await auditor.PostAsync($"api/catalogue/records/{id}/attachments", File(Pdf(1000)));
        notPublisher.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_OFD_is_recognised_by_its_OFD_xml_entry_and_a_plain_zip_is_not_one()
    {
        using var http = await platform.DeptA.HttpAsync();
        var id = await PushRecord(http);

        using var ofd = await http.PostAsync($"api/catalogue/records/{id}/attachments",
            File(Zip(("OFD.xml", "<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\" Version=\"1.0\"/>"), ("Doc_0/Document.xml", "<ofd:Document/>")),
                "application/ofd", "公文.ofd"));
        ofd.StatusCode.ShouldBe(HttpStatusCode.Created, await ofd.Content.ReadAsStringAsync());
        (await ofd.ReadJsonAsync()).GetProperty("contentType").GetString().ShouldBe("application/ofd");

        foreach (var (zip, declared) in new[]
        {
            (Zip(("readme.txt", "not a document")), "application/ofd"),
            (Zip(("Doc_0/OFD.xml", "<ofd:OFD/>")), "application/ofd"),
            (Zip(("readme.txt", "not a document")), "application/octet-stream"),
            ("PK\u0003\u0004 broken"u8.ToArray(), "application/ofd"),
        })
        {
            using var refused = await http.PostAsync($"api/catalogue/records/{id}/attachments", File(zip, declared, "假的.ofd"));
            refused.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
            refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            (await refused.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("OFD");
        }
        (await http.GetJsonAsync($"api/catalogue/records/{id}/attachments")).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Only_auditors_and_admins_verify_attachments_and_each_client_only_a_few_times_a_minute()
    {
        using var publisher = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Publisher]);
        var id = await PushRecord(publisher);
        using var uploaded = await publisher.PostAsync($"api/catalogue/records/{id}/attachments", File(Pdf(1000)));
        var attachmentId = (await uploaded.ReadJsonAsync()).GetProperty("id").GetString();
        var verify = $"api/catalogue/records/{id}/attachments/{attachmentId}/verify";

        (await publisher.GetAsync(verify)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // A client of its own, so no other test has used up its permits; the default is 5 a minute.
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            var response = await auditor.GetAsync(verify);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else response.Dispose();
        }
        statuses[0].ShouldBe(HttpStatusCode.OK);
        limited.ShouldNotBeNull($"6 verifications in a row: {string.Join(", ", statuses)}");
        using (limited)
        {
            statuses.SkipLast(1).ShouldAllBe(s => s == HttpStatusCode.OK);
            limited.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            retryAfter.ShouldNotBeNull();
            retryAfter.Value.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        }

        // Another client's permits are its own.
        using var admin = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Admin]);
        (await admin.GetJsonAsync(verify)).GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(text);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Yields the first <c>cut</c> bytes of a file, then fails as a dropped connection would.</summary>
    private sealed class TruncatedStream(byte[] bytes, int cut) : MemoryStream(bytes, 0, cut)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new IOException("connection dropped");
        }
    }
}
