using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>Chinese full-text search over own and federated records, filters, facets and quality scores.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class RecordSearchTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Chinese_queries_find_words_inside_longer_runs_and_rank_records_holding_the_words_first()
    {
        using var http = await platform.DeptA.HttpAsync();
        var fonds = UniqueFonds();
        const string creator = "市政府办公厅"; // holds none of the queried characters
        var rule = await Push(http, fonds, "机关档案信息资源共享利用办法", category: "regulation", creator: creator);
        var both = await Push(http, fonds, "关于档案工作与信息共享的意见", category: "administrative", creator: creator);
        var scattered = await Push(http, fonds, "共同享有案卷与档位的说明", category: "administrative", creator: creator);
        var oneWord = await Push(http, fonds, "档案室共同享用规定", category: "administrative", creator: creator);
        var archiveOnly = await Push(http, fonds, "档案馆建筑设计规范", category: "regulation", creator: creator);
        var byKeyword = await Push(http, fonds, "年度工作总结", category: "administrative", keywords: ["资源共享"], creator: creator);

        var found = await Search(http, $"q=档案共享&fonds={fonds}");
        var ids = Ids(found);
        ids.ShouldContain(rule);
        ids.ShouldContain(both);
        ids.ShouldNotContain(archiveOnly);
        ids.ShouldNotContain(byKeyword);
        ids.ShouldNotContain(scattered, "holding the characters apart is not holding the words");
        ids.IndexOf(oneWord).ShouldBeGreaterThan(Math.Max(ids.IndexOf(rule), ids.IndexOf(both)), "a record holding one of the words ranks after those holding both");

        Ids(await Search(http, $"q=共享&fonds={fonds}")).ShouldBe([rule, both, byKeyword], ignoreOrder: true);
        Ids(await Search(http, $"q=馆&fonds={fonds}")).ShouldBe([archiveOnly]);
        Ids(await Search(http, $"q=资源&fonds={fonds}")).ShouldBe([rule, byKeyword], ignoreOrder: true);
        Ids(await Search(http, $"q=建筑 规范&fonds={fonds}")).ShouldBe([archiveOnly]);
        Ids(await Search(http, $"q=不存在的词&fonds={fonds}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Pages_of_a_search_follow_one_ranking_whether_or_not_they_lie_among_the_top_ranked_matches()
    {
        using var http = await platform.DeptA.HttpAsync();
        var fonds = UniqueFonds();
        var whole = new List<string>();
        for (var i = 0; i < 3; i++) whole.Add(await Push(http, fonds, $"档案共享工作第{i}次会议纪要", category: "administrative"));
        var partial = await Push(http, fonds, "档案室共同享用规定", category: "administrative");
        var other = await Push(http, fonds, "资源共享与档案保管", category: "administrative");

        // One page of everything is ranked in full; pages of two are answered among the top-ranked matches (page 1),
        // then by ranking (pages 2 and 3): together they must give the same order.
        var all = Ids(await Search(http, $"q=档案共享&fonds={fonds}&pageSize=50"));
        all.Take(3).ShouldBe(whole, ignoreOrder: true);
        all.Skip(3).ShouldBe([partial, other], ignoreOrder: true);
        var paged = new List<string>();
        for (var page = 1; page <= 3; page++) paged.AddRange(Ids(await Search(http, $"q=档案共享&fonds={fonds}&pageSize=2&page={page}")));
        paged.ShouldBe(all);
        (await Search(http, $"q=档案共享&fonds={fonds}&pageSize=2&page=3")).GetProperty("total").GetInt32().ShouldBe(5);
    }

    [Fact]
    public async Task Search_covers_creator_and_document_number_and_filters_and_facets_narrow_it()
    {
        using var http = await platform.DeptA.HttpAsync();
        var fonds = UniqueFonds();
        var a = await Push(http, fonds, "关于调整办公用房的通知", category: "administrative", creator: "市机关事务管理局", documentNumber: "机管发〔2021〕7号", date: "2021-03-01");
        var b = await Push(http, fonds, "关于调整公务用车的通知", category: "finance", creator: "市财政局", date: "2022-06-01");

        Ids(await Search(http, $"q=事务管理&fonds={fonds}")).ShouldBe([a]);
        Ids(await Search(http, $"q=机管发&fonds={fonds}")).ShouldBe([a]);
        Ids(await Search(http, $"q=关于调整&fonds={fonds}&category=finance")).ShouldBe([b]);
        Ids(await Search(http, $"q=通知&fonds={fonds}&yearFrom=2022&yearTo=2023")).ShouldBe([b]);
        Ids(await Search(http, $"q=通知&fonds={fonds}&year=2021")).ShouldBe([a]);

        var faceted = await Search(http, $"q=通知&fonds={fonds}&facets=true");
        var facets = faceted.GetProperty("facets");
        facets.GetProperty("category").GetProperty("administrative").GetInt32().ShouldBe(1);
        facets.GetProperty("category").GetProperty("finance").GetInt32().ShouldBe(1);
        facets.GetProperty("year").GetProperty("2021").GetInt32().ShouldBe(1);
        facets.GetProperty("fonds").GetProperty(fonds).GetInt32().ShouldBe(2);
        facets.GetProperty("retentionPeriod").GetProperty("permanent").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Dept_b_finds_dept_a_record_by_a_Chinese_word_in_its_title_and_no_longer_after_withdrawal()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        using var deptB = await platform.DeptB.HttpAsync();
        var word = new string([.. Enumerable.Range(0, 4).Select(_ => (char)RandomNumberGenerator.GetInt32(0x4E00, 0x9FA5))]);
        var id = await Push(deptA, "A012", $"关于{word}项目档案移交的通知", category: "administrative");

        var federated = await Eventually.Until(
            () => deptB.GetJsonAsync($"api/catalogue/federated?q={Uri.EscapeDataString(word)}"),
            page => page.GetProperty("total").GetInt32() > 0, Patience, "dept-a's record in dept-b's federated search");
        Ids(federated).ShouldBe([id]);
        var facets = (await deptB.GetJsonAsync($"api/catalogue/federated?q={Uri.EscapeDataString(word)}&facets=true")).GetProperty("facets");
        facets.GetProperty("department").GetProperty("dept-a").GetInt32().ShouldBe(1);
        facets.GetProperty("fonds").GetProperty("A012").GetInt32().ShouldBe(1);
        facets.GetProperty("category").GetProperty("administrative").GetInt32().ShouldBe(1);
        facets.GetProperty("year").GetProperty("2023").GetInt32().ShouldBe(1);
        Ids(await deptB.GetJsonAsync($"api/catalogue/federated?q={Uri.EscapeDataString(word[1..3])}&department=dept-a")).ShouldBe([id]);
        Ids(await deptB.GetJsonAsync($"api/catalogue/federated?q={Uri.EscapeDataString(word)}&department=dept-c")).ShouldBeEmpty();

        using var withdrawn = await deptA.DeleteAsync($"api/catalogue/records/{id}");
        withdrawn.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Eventually.Until(
            () => deptB.GetJsonAsync($"api/catalogue/federated?q={Uri.EscapeDataString(word)}"),
            page => page.GetProperty("total").GetInt32() == 0, Patience, "the withdrawal to reach dept-b's federated search");
        (await deptA.GetJsonAsync($"api/catalogue/records?q={Uri.EscapeDataString(word)}")).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Each_record_has_a_quality_score_with_reasons_and_the_department_has_a_distribution()
    {
        using var http = await platform.DeptA.HttpAsync();
        var complete = Records.Valid();
        using var first = await http.PostJsonAsync("api/catalogue/records", complete);
        var good = (await first.ReadJsonAsync()).GetProperty("quality");
        good.GetProperty("score").GetInt32().ShouldBe(100);
        good.GetProperty("issues").GetArrayLength().ShouldBe(0);

        var sloppy = Records.Valid();
        sloppy["fondsCode"] = "B034";
        sloppy["date"] = "2021-01-04";
        sloppy.Remove("keywords");
        sloppy.Remove("documentNumber");
        using var second = await http.PostJsonAsync("api/catalogue/records", sloppy);
        var id = (await second.ReadJsonAsync()).GetProperty("id").GetString();
        var quality = (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("quality");
        var codes = quality.GetProperty("issues").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ToList();
        codes.ShouldBe(["missing-document-number", "missing-keywords", "fonds-mismatch", "year-mismatch"], ignoreOrder: true);
        quality.GetProperty("score").GetInt32().ShouldBe(100 - 10 - 10 - 20 - 15);
        quality.GetProperty("issues").EnumerateArray().First(i => i.GetProperty("code").GetString() == "year-mismatch")
            .GetProperty("reason").GetString()!.ShouldContain("2023");
        (await http.GetJsonAsync($"api/catalogue/records/{id}/versions"))[0].GetProperty("quality").GetProperty("score").GetInt32().ShouldBe(45);

        var report = await http.GetJsonAsync("api/catalogue/quality");
        report.GetProperty("department").GetString().ShouldBe("dept-a");
        report.GetProperty("records").GetInt32().ShouldBeGreaterThanOrEqualTo(2);
        report.GetProperty("bands").GetProperty("90-100").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        report.GetProperty("bands").GetProperty("0-59").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        report.GetProperty("issues").EnumerateArray().ShouldContain(i => i.GetProperty("code").GetString() == "fonds-mismatch");
    }

    [Fact]
    public async Task Records_stored_before_search_existed_get_search_tokens_when_the_catalogue_starts()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        using var deptB = await platform.DeptB.HttpAsync();
        var word = new string([.. Enumerable.Range(0, 4).Select(_ => (char)RandomNumberGenerator.GetInt32(0x4E00, 0x9FA5))]);
        var fonds = UniqueFonds();
        var id = await Push(deptA, fonds, $"关于{word}档案整理的报告", category: "administrative");
        var query = $"q={Uri.EscapeDataString(word)}";
        // Other records holding 档, so that it is common whichever tests ran before this one.
        using (var others = await deptA.PostJsonAsync("api/catalogue/records/batch", new { records = Enumerable.Range(0, 30).Select(_ => Records.Valid()).ToArray() }))
        {
            others.StatusCode.ShouldBe(HttpStatusCode.OK, await others.Content.ReadAsStringAsync());
        }
        await Eventually.Until(() => deptB.GetJsonAsync($"api/catalogue/federated?{query}"),
            page => page.GetProperty("total").GetInt32() > 0, Patience, "dept-a's record in dept-b's federated search");

        // As a row written before the search migration looks: no tokens, so no query finds it.
        await ClearSearchTokensAsync(platform.DeptA, "records", "id", id);
        await ClearSearchTokensAsync(platform.DeptB, "federated_records", "record_id", id);
        (await Search(deptA, $"{query}&fonds={fonds}")).GetProperty("total").GetInt32().ShouldBe(0);
        (await deptB.GetJsonAsync($"api/catalogue/federated?{query}")).GetProperty("total").GetInt32().ShouldBe(0);

        // Statistics as autovacuum would keep them: most records hold 档 and 案, so the restarted catalogue leaves them out of
        // what it asks the GIN index for and tests the rows it gets against the whole query.
        await AnalyzeAsync(platform.DeptA, "records");
        await AnalyzeAsync(platform.DeptB, "federated_records");
        foreach (var node in new[] { platform.DeptA, platform.DeptB })
        {
            await node.KillAsync("catalogue");
            node.Start("catalogue");
            await node.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        }

        Ids(await Eventually.Until(() => Search(deptA, $"{query}&fonds={fonds}"),
            page => page.GetProperty("total").GetInt32() > 0, Patience, "the own record found again after the backfill")).ShouldBe([id]);
        Ids(await Eventually.Until(() => deptB.GetJsonAsync($"api/catalogue/federated?{query}"),
            page => page.GetProperty("total").GetInt32() > 0, Patience, "the federated record found again after the backfill")).ShouldBe([id]);
        var withCommonWords = Uri.EscapeDataString($"{word}档案整理");
        Ids(await Search(deptA, $"q={withCommonWords}&fonds={fonds}")).ShouldBe([id]);
        Ids(await deptB.GetJsonAsync($"api/catalogue/federated?q={withCommonWords}")).ShouldBe([id]);
        Ids(await Search(deptA, $"q={Uri.EscapeDataString($"{word}档案馆")}&fonds={fonds}")).ShouldBeEmpty("馆 is in none of its fields");
    }

    [Fact]
    public async Task A_broad_search_counts_up_to_the_limit_and_still_pages_newest_first()
    {
        using var http = await platform.DeptA.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(2);
        var fonds = UniqueFonds();
        var records = Enumerable.Range(0, 1_001).Select(i =>
        {
            var record = Records.Valid($"关于城市更新工作的通知（第{i}号）");
            record["fondsCode"] = fonds;
            record["archivalCode"] = $"{fonds}-2023-Y-{i:D6}";
            return record;
        }).ToList();
        foreach (var batch in records.Chunk(500))
        {
            using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records = batch });
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        var newest = await Push(http, fonds, "城市更新专项档案", category: "administrative");

        var broad = await Search(http, $"q=城市更新&fonds={fonds}&pageSize=5");
        broad.GetProperty("total").GetInt32().ShouldBe(1_000);
        broad.GetProperty("totalIsExact").GetBoolean().ShouldBeFalse();
        var first = Ids(broad);
        first.Count.ShouldBe(5);
        first[0].ShouldBe(newest, "all matches rank the same, so the newest comes first");
        Ids(await Search(http, $"q=城市更新&fonds={fonds}&pageSize=5&page=2")).ShouldNotContain(first[0]);

        var narrow = await Search(http, $"q=城市更新专项&fonds={fonds}");
        narrow.GetProperty("totalIsExact").GetBoolean().ShouldBeTrue();
        Ids(narrow).ShouldBe([newest]);

        // 更新城市 matches all of them (its characters, and its pairs 更新 and 城市), but only one record holds it as
        // written (新城 too): counted among too many matches to count, it still ranks first, on a page of one and in a
        // ranked page of five.
        var holdsAll = await Push(http, fonds, "关于更新城市档案目录的说明", category: "administrative");
        await Push(http, fonds, "城市更新档案（补录）", category: "administrative");
        var one = await Search(http, $"q=更新城市&fonds={fonds}&pageSize=1");
        one.GetProperty("totalIsExact").GetBoolean().ShouldBeFalse();
        Ids(one).ShouldBe([holdsAll]);
        var ranked = Ids(await Search(http, $"q=更新城市&fonds={fonds}&pageSize=5"));
        ranked.Count.ShouldBe(5);
        ranked[0].ShouldBe(holdsAll, "the record holding every word ranks before newer ones holding only some");
        Ids(await Search(http, $"q=更新城市&fonds={fonds}&pageSize=5&page=2")).ShouldNotContain(holdsAll);

        // Facets still count every match, in one pass: 1,004 records of this fonds, all of one year and category.
        var faceted = await Search(http, $"q=城市&fonds={fonds}&pageSize=1&facets=true");
        faceted.GetProperty("total").GetInt32().ShouldBe(1_000);
        var facets = faceted.GetProperty("facets");
        facets.GetProperty("fonds").GetProperty(fonds).GetInt32().ShouldBe(1_004);
        facets.GetProperty("year").GetProperty("2023").GetInt32().ShouldBe(1_004);
        facets.GetProperty("classification").GetProperty("public").GetInt32().ShouldBe(1_004);
    }

    private static async Task AnalyzeAsync(PlatformNode node, string table)
    {
        await using var connection = new Npgsql.NpgsqlConnection(node.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync();
        await using (var analyze = new Npgsql.NpgsqlCommand($"ANALYZE {table}", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        await using var common = new Npgsql.NpgsqlCommand($"""
            SELECT count(*) FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, frequency)
            WHERE s.tablename = '{table}' AND s.attname = 'search_vector' AND e.lexeme = '档' AND e.frequency >= 0.5
            """, connection);
        ((long)(await common.ExecuteScalarAsync())!).ShouldBe(1, $"档 is held by most of {table}");
    }

    private static async Task ClearSearchTokensAsync(PlatformNode node, string table, string key, string id)
    {
        await using var connection = new Npgsql.NpgsqlConnection(node.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"UPDATE {table} SET search_tokens = '' WHERE {key} = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(id));
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    private static string UniqueFonds() => $"T{RandomNumberGenerator.GetHexString(8, true).ToUpperInvariant()}";

    private static async Task<string> Push(HttpClient http, string fonds, string title, string category,
        string[]? keywords = null, string creator = "市档案局办公室", string? documentNumber = null, string date = "2023-05-08")
    {
        var record = Records.Valid(title);
        record["fondsCode"] = fonds;
        record["archivalCode"] = $"{fonds}-{date[..4]}-Y-{RandomNumberGenerator.GetInt32(1, 999_999):D6}";
        record["category"] = category;
        record["keywords"] = keywords ?? [];
        record["creator"] = creator;
        record["documentNumber"] = documentNumber;
        record["description"] = null;
        record["date"] = date;
        using var response = await http.PostJsonAsync("api/catalogue/records", record);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    private static Task<JsonElement> Search(HttpClient http, string query) => http.GetJsonAsync($"api/catalogue/records?{query}");

    private static List<string> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
}
