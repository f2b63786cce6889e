using Platform.Catalogue.Model;
using Platform.Contracts;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class QualityScoreTests
{
    private static readonly DateOnly Today = new(2026, 1, 1);

    private static RecordMetadata Complete() => new("OA-1", "A012", "A012-2023-D30-0001", "关于档案数字化工作的通知", "市档案局",
        new DateOnly(2023, 5, 8), "档发〔2023〕1号", "30y", "public", "administrative", ["档案"], "附注", "conditional");

    [Fact]
    public void Complete_and_consistent_metadata_scores_100()
    {
        var quality = QualityScore.Of(Complete(), Today);
        quality.Score.ShouldBe(100);
        quality.Issues.ShouldBeEmpty();
    }

    [Fact]
    public void Each_inconsistency_and_missing_field_costs_points_with_a_reason()
    {
        var metadata = Complete() with { RetentionPeriod = "permanent", Keywords = [], Category = null, Date = new DateOnly(2027, 1, 1) };
        var quality = QualityScore.Of(metadata, Today);
        quality.Issues.Select(i => i.Code).ShouldBe(["missing-category", "missing-keywords", "future-date", "year-mismatch", "retention-mismatch"], ignoreOrder: true);
        quality.Score.ShouldBe(100 - 10 - 10 - 15 - 15 - 10);
        quality.Issues.ShouldAllBe(i => i.Reason.Length > 0);
    }
}
