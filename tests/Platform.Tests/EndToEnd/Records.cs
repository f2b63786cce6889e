using System.Security.Cryptography;

namespace Platform.Tests.EndToEnd;

/// <summary>Well-formed archive records as a departmental system would push them (ARCHITECTURE.md §5a fields).</summary>
internal static class Records
{
    public static Dictionary<string, object?> Valid(string? title = null, string sharing = "unconditional")
    {
        var serial = RandomNumberGenerator.GetInt32(1, 999_999);
        return new Dictionary<string, object?>
        {
            ["externalId"] = $"OA-{Guid.NewGuid():N}",
            ["fondsCode"] = "A012",
            ["archivalCode"] = $"A012-2023-Y-{serial:D6}",
            ["title"] = title ?? $"关于2023年档案数字化工作的通知 {serial}",
            ["creator"] = "市档案局办公室",
            ["date"] = "2023-05-08",
            ["documentNumber"] = $"档发〔2023〕{serial}号",
            ["retentionPeriod"] = "permanent",
            ["classification"] = "public",
            ["category"] = "administrative",
            ["keywords"] = new[] { "档案", "数字化" },
            ["description"] = "示例记录",
            ["sharing"] = sharing,
        };
    }
}
