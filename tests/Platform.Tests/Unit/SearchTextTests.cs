using Platform.Contracts;
using Platform.Catalogue.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class SearchTextTests
{
    [Fact]
    public void Han_text_becomes_characters_and_bigrams_and_ascii_runs_lowercase_words()
    {
        var tokens = new HashSet<string>();
        SearchText.Tokenize("档案共享 OA系统２０２３", tokens, unigrams: true, bigrams: true);
        tokens.ShouldBe(["档", "案", "共", "享", "档案", "案共", "共享", "oa", "系", "统", "系统", "2023"], ignoreOrder: true);
    }

    [Fact]
    public void A_record_s_tokens_are_those_of_its_searchable_fields_each_once_in_the_order_first_seen()
    {
        var metadata = new RecordMetadata("OA-1", "A012", "A012-2023-Y-0001", "档案共享办法 OA系统", "市档案局", new DateOnly(2023, 5, 8),
            "市档发〔2023〕12号", "permanent", "public", "administrative", ["档案", "共享"], "关于档案共享的说明，OA 系统 ＶＥＲ２。", "unconditional");

        var text = SearchText.For(metadata);

        text.Split(' ').ShouldBe(["档", "案", "档案", "共", "案共", "享", "共享", "办", "享办", "法", "办法", "oa", "系", "统", "系统",
            "关", "于", "关于", "于档", "的", "享的", "说", "的说", "明", "说明", "ver2", "市", "市档", "局", "案局", "发", "档发", "2023", "12", "号"]);
        var expected = new HashSet<string>();
        foreach (var field in new[] { metadata.Title, "档案", "共享", metadata.Description!, metadata.Creator, metadata.DocumentNumber! })
        {
            SearchText.Tokenize(field, expected, unigrams: true, bigrams: true);
        }
        text.Split(' ').ShouldBe(expected, ignoreOrder: true);
        SearchText.For(metadata with { Title = "另一份", Keywords = [], Description = null }).ShouldBe("另 一 另一 份 一份 市 档 市档 案 档案 局 案局 发 档发 2023 12 号");
        var longWord = string.Concat(Enumerable.Repeat("ABCDEFGHIJ", 15));
        SearchText.For(metadata with { Title = $"档案{longWord}档案", Keywords = [], Description = null, DocumentNumber = null, Creator = longWord })
            .ShouldBe($"档 案 档案 {longWord.ToLowerInvariant()}");
    }

    [Fact]
    public void A_query_requires_its_characters_and_one_bigram_and_ranks_by_bigrams()
    {
        var query = SearchText.Query("档案共享")!;
        query.Match.ToString().ShouldContain("'档'");
        query.Match.ToString().ShouldContain("'共享'");
        query.Rank.ToString().ShouldNotContain("'档' ");
        foreach (var bigram in new[] { "'档案'", "'案共'", "'共享'" }) query.Best.ToString().ShouldContain(bigram);
        query.Best.ToString().ShouldNotContain("|");
        query.HasBigrams.ShouldBeTrue();
        SearchText.Query("第4711号")!.HasBigrams.ShouldBeFalse();
        SearchText.Query("、，。").ShouldBeNull();
    }

    [Fact]
    public void The_index_is_asked_for_the_uncommon_tokens_only()
    {
        string[] common = ["档", "案", "档案", "第", "号"];
        var query = SearchText.Query("档案数字化")!;
        // 档 and 案 are left out, and the any-bigram part with them, since 档案 is one of its bigrams.
        var selective = SearchText.Selective(query, common.Contains)!.ToString();
        foreach (var token in new[] { "'数'", "'字'", "'化'" }) selective.ShouldContain(token);
        selective.ShouldNotContain("'档");
        selective.ShouldNotContain("|");
        // Nothing common: the whole query goes to the index.
        SearchText.Selective(SearchText.Query("社会保障")!, common.Contains).ShouldBeNull();
        // Some characters common, no bigram common: the bigram part stays.
        var withBigrams = SearchText.Selective(SearchText.Query("档位说明")!, common.Contains)!.ToString();
        foreach (var token in new[] { "'位'", "'说'", "'明'", "'档位'", "'位说'", "'说明'", "|" }) withBigrams.ShouldContain(token);
        withBigrams.ShouldNotContain("'档'");
        SearchText.Selective(SearchText.Query("第4711号")!, common.Contains)!.ToString().Trim().ShouldBe("'4711'");
        // Everything common: nothing selective is left, the whole query goes to the index.
        SearchText.Selective(SearchText.Query("档案")!, common.Contains).ShouldBeNull();
    }
}
