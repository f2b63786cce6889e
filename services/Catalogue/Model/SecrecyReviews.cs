using Platform.Contracts;

namespace Platform.Catalogue.Model;

/// <summary>
/// Which records wait for a secrecy review (保密审查) before they are first announced to other departments: those whose
/// classification, category or fonds is listed (comma-separated). By default <c>internal</c> records and <c>personnel</c>
/// records; an empty value turns that criterion off.
/// </summary>
public sealed class SecrecyReviewOptions
{
    public const string Section = "Catalogue:SecrecyReview";

    public string Classifications { get; set; } = "internal";
    public string Categories { get; set; } = "personnel";
    public string FondsCodes { get; set; } = "";

    public bool Requires(RecordMetadata record) =>
        Listed(Classifications, record.Classification) || record.Category is { } category && Listed(Categories, category) || Listed(FondsCodes, record.FondsCode);

    private static bool Listed(string list, string value) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(value, StringComparer.Ordinal);
}

public static class SecrecyReviews
{
    public const string Awaiting = "awaiting-secrecy-review";
    public const string Released = "released";
    public const string Kept = "kept";

    /// <summary>Whether the secrecy review, if any (<paramref name="review"/>), lets a record be announced.</summary>
    public static bool Passed(string? review) => review is null or Released;

    /// <summary>
    /// A record about to be announced for the first time waits for review if the options say so. Records already
    /// announced (before the review existed, or released) are not reviewed again.
    /// </summary>
    public static void RequestIfNeeded(ArchiveRecord record, SecrecyReviewOptions options, DateTimeOffset now)
    {
        if (record.SecrecyReview is null && (record.Announcement?.Revision ?? 0) == 0 && record.IsAnnounced && options.Requires(record.ToMetadata()))
        {
            record.SecrecyReview = Awaiting;
            record.ReviewRequestedAt = now;
        }
    }
}
