using System.Text.Json;
using Platform.ServiceDefaults;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class PersonalDataTests
{
    [Theory]
    [InlineData("申请人身份证110101199003071234，电话13812345678", "申请人身份证110101********1234，电话138****5678")]
    [InlineData("/api/catalogue/records/11010119900307123X", "/api/catalogue/records/110101********123X")]
    [InlineData("phone 13812345678.", "phone 138****5678.")]
    public void Id_card_and_mobile_numbers_in_free_text_are_masked(string text, string expected) =>
        PersonalData.Mask(text).ShouldBe(expected);

    [Theory]
    [InlineData("3f2a13812345678b-0000-4000-8000-000000000000")]
    [InlineData("0a13812345678")]
    [InlineData("order 1381234567890")]
    [InlineData("sequence 12345")]
    [InlineData("")]
    [InlineData(null)]
    public void Ids_hashes_and_other_numbers_are_left_alone(string? text) => PersonalData.Mask(text).ShouldBe(text);

    [Fact]
    public void Numbers_next_to_escaped_Chinese_in_serialised_details_are_masked_too()
    {
        var details = JsonSerializer.Serialize(new { comment = "联系电话13812345678" }, JsonSerializerOptions.Web);
        details.ShouldContain("\\u"); // the default encoder escapes the Chinese text
        var masked = PersonalData.Mask(details)!;
        masked.ShouldNotContain("13812345678");
        JsonDocument.Parse(masked).RootElement.GetProperty("comment").GetString().ShouldBe("联系电话138****5678");
    }
}
