using Platform.Contracts;

namespace Platform.Catalogue.Model;

/// <summary>One reason a record lost quality points: the field concerned, a stable code, the points and a readable reason.</summary>
public sealed record QualityIssue(string Field, string Code, int Points, string Reason);

/// <summary>A record's metadata quality, 0–100, with every reason it lost points.</summary>
public sealed record QualityScore(int Score, IReadOnlyList<QualityIssue> Issues)
{
    /// <summary>
    /// Completeness (optional DA/T 46 fields filled in) and consistency (the 档号's 全宗号, 年度 and 保管期限
    /// segments agree with the record's own fields). Rules are the catalogue's; the points add up to at most 100.
    /// </summary>
    public static QualityScore Of(RecordMetadata metadata, DateOnly today)
    {
        var issues = new List<QualityIssue>();
        void Lose(string field, string code, int points, string reason) => issues.Add(new QualityIssue(field, code, points, reason));

        if (string.IsNullOrEmpty(metadata.DocumentNumber)) Lose("documentNumber", "missing-document-number", 10, "No 文件编号 (document number).");
        if (string.IsNullOrEmpty(metadata.Category)) Lose("category", "missing-category", 10, "No 类别 (category).");
        if (metadata.Keywords.Count == 0) Lose("keywords", "missing-keywords", 10, "No 主题词 (keywords): the record is harder to find.");
        if (string.IsNullOrEmpty(metadata.Description)) Lose("description", "missing-description", 5, "No 附注 (description).");
        if (metadata.Title.Length < 6) Lose("title", "short-title", 10, $"The 题名 has only {metadata.Title.Length} characters; a title should say what the document is about.");
        if (metadata.Date > today) Lose("date", "future-date", 15, $"The date {metadata.Date:yyyy-MM-dd} is in the future.");

        var segments = metadata.ArchivalCode.Split('-');
        if (segments.Length == 4)
        {
            if (!string.Equals(segments[0], metadata.FondsCode, StringComparison.OrdinalIgnoreCase))
            {
                Lose("archivalCode", "fonds-mismatch", 20, $"The 档号 names 全宗号 '{segments[0]}' but fondsCode is '{metadata.FondsCode}'.");
            }
            if (int.TryParse(segments[1], out var year) && year != metadata.Date.Year)
            {
                Lose("archivalCode", "year-mismatch", 15, $"The 档号 names 年度 {year} but the record is dated {metadata.Date.Year}.");
            }
            if (RetentionCode(metadata.RetentionPeriod) is { } expected && !string.Equals(segments[2], expected, StringComparison.OrdinalIgnoreCase))
            {
                Lose("archivalCode", "retention-mismatch", 10, $"The 档号 names 保管期限 '{segments[2]}' but retentionPeriod is '{metadata.RetentionPeriod}' ({expected}).");
            }
        }
        else
        {
            Lose("archivalCode", "unstructured-archival-code", 10, "The 档号 is not in the form 全宗号-年度-保管期限-件号, so it cannot be checked against the record.");
        }

        return new QualityScore(Math.Max(0, 100 - issues.Sum(i => i.Points)), issues);
    }

    private static string? RetentionCode(string retention) => retention switch
    {
        "permanent" => "Y",
        "30y" => "D30",
        "10y" => "D10",
        _ => null,
    };
}
