using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>Bulk ingestion: JSON batches and CSV uploads with one result per item, idempotent re-sends.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class RecordBatchTests(TwoNodePlatform platform)
{
    static RecordBatchTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public async Task A_batch_mixing_good_malformed_duplicate_and_classified_items_stores_the_good_ones_and_reports_each()
    {
        using var http = await platform.DeptA.HttpAsync();
        var good = Records.Valid();
        var duplicate = new Dictionary<string, object?>(good) { ["title"] = $"{good["title"]}（修订）" };
        var malformed = Records.Valid();
        malformed.Remove("title");
        malformed["date"] = "2023年13月1日";
        var classified = Records.Valid();
        classified["classification"] = "机密";
        var second = Records.Valid();

        using var response = await http.PostJsonAsync("api/catalogue/records/batch",
            new { records = new object[] { good, malformed, duplicate, classified, "not an object", second } });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.ReadJsonAsync();
        report.GetProperty("accepted").GetInt32().ShouldBe(3);
        report.GetProperty("rejected").GetInt32().ShouldBe(3);
        var results = report.GetProperty("results");
        results.GetArrayLength().ShouldBe(6);
        for (var i = 0; i < 6; i++) results[i].GetProperty("index").GetInt32().ShouldBe(i);

        results[0].GetProperty("status").GetString().ShouldBe("accepted");
        results[0].GetProperty("record").GetProperty("outcome").GetString().ShouldBe("created");
        results[0].GetProperty("record").GetProperty("version").GetInt32().ShouldBe(1);
        var id = results[0].GetProperty("record").GetProperty("id").GetString();

        results[1].GetProperty("status").GetString().ShouldBe("rejected");
        results[1].GetProperty("externalId").GetString().ShouldBe((string)malformed["externalId"]!);
        var errors = results[1].GetProperty("errors");
        errors.TryGetProperty("title", out _).ShouldBeTrue();
        errors.TryGetProperty("date", out _).ShouldBeTrue();

        // The same externalId later in the batch acts on the first item's result, as a second push would.
        results[2].GetProperty("record").GetProperty("id").GetString().ShouldBe(id);
        results[2].GetProperty("record").GetProperty("outcome").GetString().ShouldBe("updated");
        results[2].GetProperty("record").GetProperty("version").GetInt32().ShouldBe(2);

        results[3].GetProperty("status").GetString().ShouldBe("rejected");
        results[3].GetProperty("errors").GetProperty("classification")[0].GetString()!.ShouldContain("not accepted");
        results[4].GetProperty("errors").TryGetProperty("$", out _).ShouldBeTrue();
        results[5].GetProperty("record").GetProperty("outcome").GetString().ShouldBe("created");

        var stored = await http.GetJsonAsync($"api/catalogue/records/{id}");
        stored.GetProperty("version").GetInt32().ShouldBe(2);
        stored.GetProperty("metadata").GetProperty("title").GetString().ShouldBe((string)duplicate["title"]!);
        (await http.GetJsonAsync($"api/catalogue/records/{id}/versions")).GetArrayLength().ShouldBe(2);
        var rejected = await http.GetJsonAsync($"api/catalogue/records?q={Uri.EscapeDataString((string)classified["documentNumber"]!)}");
        rejected.GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_batch_resent_after_a_failure_is_idempotent()
    {
        using var http = await platform.DeptA.HttpAsync();
        var records = Enumerable.Range(0, 300).Select(_ => Records.Valid()).ToArray();

        // The first attempt is abandoned by the client mid-flight: it may or may not have committed.
        using (var impatient = await platform.DeptA.HttpAsync())
        {
            impatient.Timeout = TimeSpan.FromMilliseconds(30);
            try
            {
                using var abandoned = await impatient.PostJsonAsync("api/catalogue/records/batch", new { records });
            }
            catch (TaskCanceledException)
            {
            }
        }

        using var resent = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        resent.StatusCode.ShouldBe(HttpStatusCode.OK);
        var first = (await resent.ReadJsonAsync()).GetProperty("results");
        first.EnumerateArray().ShouldAllBe(r => r.GetProperty("status").GetString() == "accepted");
        first.EnumerateArray().ShouldAllBe(r => r.GetProperty("record").GetProperty("version").GetInt32() == 1);

        using var again = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        var second = (await again.ReadJsonAsync()).GetProperty("results");
        for (var i = 0; i < records.Length; i++)
        {
            second[i].GetProperty("record").GetProperty("outcome").GetString().ShouldBe("unchanged");
            second[i].GetProperty("record").GetProperty("id").GetString().ShouldBe(first[i].GetProperty("record").GetProperty("id").GetString());
        }
        var history = await http.GetJsonAsync($"api/catalogue/records/{first[0].GetProperty("record").GetProperty("id").GetString()}/versions");
        history.GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task A_catalogue_crash_mid_batch_loses_nothing_acknowledged_and_never_stores_part_of_a_batch()
    {
        using var http = await platform.DeptA.HttpAsync();
        var records = Enumerable.Range(0, 1000).Select(_ => Records.Valid()).ToArray();

        var attempt = Task.Run(async () =>
        {
            try
            {
                using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable;
            }
        });
        await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(100, 600)));
        await platform.DeptA.KillAsync("catalogue");
        var firstStatus = await attempt;
        platform.DeptA.Start("catalogue");
        await platform.DeptA.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));

        using var resent = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        resent.StatusCode.ShouldBe(HttpStatusCode.OK, await resent.Content.ReadAsStringAsync());
        var outcomes = (await resent.ReadJsonAsync()).GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("record").GetProperty("outcome").GetString()).Distinct().ToList();
        // One transaction per batch: the crashed attempt stored all of it or none of it.
        outcomes.Count.ShouldBe(1, $"outcomes after the crash: {string.Join(", ", outcomes)}");
        if (firstStatus == HttpStatusCode.OK)
        {
            outcomes[0].ShouldBe("unchanged", "an acknowledged batch must survive the crash");
        }
        outcomes[0].ShouldBeOneOf("created", "unchanged");
    }

    [Fact]
    public async Task A_batch_that_is_too_large_or_not_a_batch_gets_a_problem_and_stores_nothing()
    {
        using var http = await platform.DeptA.HttpAsync();
        var records = Enumerable.Range(0, 1001).Select(_ => Records.Valid()).ToArray();
        using var tooLarge = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        tooLarge.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooLarge.ReadJsonAsync()).GetProperty("errors").GetProperty("records")[0].GetString()!.ShouldContain("1001");
        (await http.GetJsonAsync($"api/catalogue/records?q={Uri.EscapeDataString((string)records[0]["documentNumber"]!)}"))
            .GetProperty("total").GetInt32().ShouldBe(0);

        using var notABatch = await http.PostJsonAsync("api/catalogue/records/batch", new[] { Records.Valid() });
        notABatch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notABatch.ReadJsonAsync()).GetProperty("errors").TryGetProperty("records", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_GB18030_CSV_with_Chinese_headers_is_read_and_each_row_reported_by_line()
    {
        using var http = await platform.DeptA.HttpAsync();
        var serial = Guid.NewGuid().ToString("N")[..8];
        var csv = $"""
            外部标识,全宗号,档号,题名,责任者,日期,文件编号,保管期限,密级,类别,主题词,共享属性
            CSV-{serial}-1,A012,A012-2023-Y-0001,"关于开展档案数字化工作的通知，{serial}",市档案局办公室,2023年5月8日,档发〔2023〕1号,永久,公开,administrative,档案；数字化,无条件共享
            CSV-{serial}-2,A012,A012-2023-Y-0002,,市档案局办公室,2023.05.09,,永久,公开,,,
            CSV-{serial}-3,A012,A012-2023-D30-0003,关于印发会议纪要的通知 {serial},市档案局办公室,20230510,,定期30年,秘密,,,
            """;
        using var content = new ByteArrayContent(Encoding.GetEncoding("GB18030").GetBytes(csv));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");

        using var response = await http.PostAsync("api/catalogue/records/csv", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.ReadJsonAsync();
        report.GetProperty("accepted").GetInt32().ShouldBe(1);
        var results = report.GetProperty("results");
        results[0].GetProperty("index").GetInt32().ShouldBe(2);
        results[0].GetProperty("status").GetString().ShouldBe("accepted");
        results[1].GetProperty("index").GetInt32().ShouldBe(3);
        results[1].GetProperty("errors").TryGetProperty("title", out _).ShouldBeTrue();
        results[2].GetProperty("errors").TryGetProperty("classification", out _).ShouldBeTrue();

        var id = results[0].GetProperty("record").GetProperty("id").GetString();
        var metadata = (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("metadata");
        metadata.GetProperty("title").GetString().ShouldBe($"关于开展档案数字化工作的通知，{serial}");
        metadata.GetProperty("date").GetString().ShouldBe("2023-05-08");
        metadata.GetProperty("keywords").EnumerateArray().Select(k => k.GetString()).ShouldBe(["档案", "数字化"]);
        metadata.GetProperty("sharing").GetString().ShouldBe("unconditional");
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, null)]
    [InlineData(false, "utf-8")]
    public async Task A_UTF8_CSV_with_or_without_BOM_is_read(bool bom, string? charset)
    {
        using var http = await platform.DeptA.HttpAsync();
        var record = Records.Valid();
        var header = string.Join(',', record.Keys.Where(k => k != "keywords"));
        var row = string.Join(',', record.Where(p => p.Key != "keywords").Select(p => $"\"{p.Value}\""));
        var bytes = Encoding.UTF8.GetBytes($"{header}\r\n{row}\r\n");
        using var content = new ByteArrayContent(bom ? [.. Encoding.UTF8.Preamble, .. bytes] : bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv") { CharSet = charset };

        using var response = await http.PostAsync("api/catalogue/records/csv", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var result = (await response.ReadJsonAsync()).GetProperty("results")[0];
        result.GetProperty("status").GetString().ShouldBe("accepted", result.ToString());
        var id = result.GetProperty("record").GetProperty("id").GetString();
        (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("metadata").GetProperty("title").GetString().ShouldBe((string)record["title"]!);
    }

    [Fact]
    public async Task A_CSV_declared_UTF8_that_is_not_gets_a_problem()
    {
        using var http = await platform.DeptA.HttpAsync();
        using var content = new ByteArrayContent(Encoding.GetEncoding("GB18030").GetBytes("题名\n档案\n"));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        using var response = await http.PostAsync("api/catalogue/records/csv", content);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("charset", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Batch_endpoints_need_the_publisher_role()
    {
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        using var response = await auditor.PostJsonAsync("api/catalogue/records/batch", new { records = new[] { Records.Valid() } });
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var csv = await auditor.PostAsync("api/catalogue/records/csv", new StringContent("title\nx\n", Encoding.UTF8, "text/csv"));
        csv.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
