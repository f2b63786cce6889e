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
}
