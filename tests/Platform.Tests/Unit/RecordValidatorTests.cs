using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class RecordValidatorTests
{
    private static readonly RecordValidator Validator = new(Options.Create(new RecordRules()));

    [Theory]
    [InlineData("2023-05-08", "2023-05-08")]
    [InlineData("2023年5月8日", "2023-05-08")]
    [InlineData("2023.05.08", "2023-05-08")]
    [InlineData("2023/5/8", "2023-05-08")]
    [InlineData("20230508", "2023-05-08")]
    [InlineData("２０２３年１２月３１日", "2023-12-31")]
    public void Common_Chinese_date_forms_become_ISO_dates(string input, string expected)
    {
        var result = Validator.Validate(Record(("date", input)));
        result.Errors.ShouldBeEmpty();
        result.Metadata!.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ShouldBe(expected);
    }

    [Theory]
    [InlineData("2023-02-30")]
    [InlineData("2023年13月1日")]
    [InlineData("08/05/2023")]
    [InlineData("yesterday")]
    public void Impossible_or_ambiguous_dates_are_rejected(string input) =>
        Validator.Validate(Record(("date", input))).Errors.Keys.ShouldBe(["date"]);

    [Theory]
    [InlineData("retentionPeriod", "永久", "permanent")]
    [InlineData("retentionPeriod", "定期10年", "10y")]
    [InlineData("classification", "公开", "public")]
    [InlineData("sharing", "不予共享", "none")]
    [InlineData("sharing", "有条件共享", "conditional")]
    public void Chinese_enumeration_terms_map_to_canonical_values(string field, string term, string canonical)
    {
        var metadata = Validator.Validate(Record((field, term))).Metadata!;
        var value = field switch
        {
            "retentionPeriod" => metadata.RetentionPeriod,
            "classification" => metadata.Classification,
            _ => metadata.Sharing,
        };
        value.ShouldBe(canonical);
    }

    [Fact]
    public void Keywords_given_as_one_string_are_split_and_deduplicated() =>
        Validator.Validate(Record(("keywords", "档案；数字化, 档案 、共享"))).Metadata!.Keywords.ShouldBe(["档案", "数字化", "共享"]);

    [Fact]
    public void Classification_above_the_configured_highest_is_refused_but_can_be_allowed()
    {
        Validator.Validate(Record(("classification", "secret"))).Errors.Keys.ShouldBe(["classification"]);
        var permissive = new RecordValidator(Options.Create(new RecordRules { HighestAcceptedClassification = "secret" }));
        permissive.Validate(Record(("classification", "secret"))).IsValid.ShouldBeTrue();
    }

    private static JsonElement Record(params (string Field, object Value)[] overrides)
    {
        var record = new Dictionary<string, object>
        {
            ["externalId"] = "OA-1",
            ["fondsCode"] = "A012",
            ["archivalCode"] = "A012-2023-Y-0001",
            ["title"] = "标题",
            ["creator"] = "办公室",
            ["date"] = "2023-05-08",
            ["retentionPeriod"] = "permanent",
            ["classification"] = "public",
        };
        foreach (var (field, value) in overrides) record[field] = value;
        return JsonSerializer.SerializeToElement(record);
    }

    [Fact]
    public void A_configured_archival_code_pattern_is_matched_in_linear_time_even_when_it_would_backtrack()
    {
        var validator = new RecordValidator(Options.Create(new RecordRules { ArchivalCodePattern = "^(A+)+$" }));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var validation = validator.Validate(Record(("archivalCode", new string('A', 60) + "!")));

        validation.Errors!.Keys.ShouldContain("archivalCode");
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "a backtracking engine needs 2^60 steps for this input");
    }

    [Fact]
    public void A_regular_expression_timeout_is_not_reported_as_an_unavailable_database()
    {
        Platform.ServiceDefaults.DependencyUnavailableHandler.IsUnavailable(
            new System.Text.RegularExpressions.RegexMatchTimeoutException("x", "y", TimeSpan.FromMilliseconds(1))).ShouldBeFalse();
        Platform.ServiceDefaults.DependencyUnavailableHandler.IsUnavailable(new TimeoutException("connection")).ShouldBeTrue();
    }
}
