using Platform.Contracts;
using Platform.SharingPolicy.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class MaskingTests
{
    [Theory]
    [InlineData("id-card", "身份证110101199003071234", "身份证110101********1234")]
    [InlineData("phone", "电话13812345678", "电话138****5678")]
    [InlineData("phone", "电话138 1234 5678", "电话138****5678")]
    [InlineData("phone", "办公室010-12345678", "办公室010-****5678")]
    [InlineData("landline", "0571 8888 6666", "0571 *****6666")]
    [InlineData("name", "张三", "张*")]
    [InlineData("name", "张三、欧阳修", "张*、欧**")]
    [InlineData("redact", "任何内容", "***")]
    [InlineData("id-card,phone", "身份证110101199003071234电话13812345678", "身份证110101********1234电话138****5678")]
    public void Each_kind_masks_what_it_names(string kinds, string value, string expected) => Masking.Apply(kinds, value).ShouldBe(expected);

    [Theory]
    [InlineData("id-card", "档号A012-2023-Y-000123")]
    [InlineData("phone", "文号12345，页数23")]
    [InlineData("id-card,phone", "")]
    public void Text_without_what_a_kind_names_is_left_as_it_is(string kinds, string value) => Masking.Apply(kinds, value).ShouldBe(value);

    [Fact]
    public void A_catalogue_view_holds_only_its_fields_masks_names_where_asked_and_personal_numbers_in_free_text_always()
    {
        var record = new RecordMetadata("OA-1", "A012", "A012-2023-Y-000001", "关于张三（电话13812345678）的任免通知", "张三",
            new DateOnly(2023, 5, 8), "人社发〔2023〕12号", "permanent", "internal", "personnel", ["任免", "110101199003071234"],
            "身份证110101199003071234", "conditional");

        var view = Masking.CatalogueView(record, ["fondsCode", "archivalCode", "title", "creator", "keywords"],
            new Dictionary<string, string> { ["creator"] = "name" });

        view.Title.ShouldBe("关于张三（电话138****5678）的任免通知", "free text is masked for numbers whatever the rule");
        view.Creator.ShouldBe("张*");
        view.Keywords.ShouldBe(["任免", "110101********1234"]);
        view.Description.ShouldBeNull("not among the view's fields");
        view.DocumentNumber.ShouldBeNull();
        view.ExternalId.ShouldBe("");
        view.ArchivalCode.ShouldBe("A012-2023-Y-000001");
        view.Sharing.ShouldBe("conditional");
    }
}

public sealed class WorkingDaysTests
{
    private static readonly DateTimeOffset Friday = new(2026, 12, 4, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_weekend_is_skipped() => WorkingDays.Add(Friday, 1, new HashSet<DateOnly>()).ShouldBe(Friday.AddDays(3));

    [Fact]
    public void A_holiday_is_skipped_and_the_time_of_day_kept() =>
        WorkingDays.Add(Friday, 3, new HashSet<DateOnly> { new(2026, 12, 8) }).ShouldBe(new DateTimeOffset(2026, 12, 10, 9, 30, 0, TimeSpan.Zero));

    [Fact]
    public void No_days_is_the_start() => WorkingDays.Add(Friday, 0, new HashSet<DateOnly>()).ShouldBe(Friday);
}
