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
