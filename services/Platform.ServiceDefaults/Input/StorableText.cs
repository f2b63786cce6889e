namespace Platform.ServiceDefaults.Input;

/// <summary>
/// Text the node's databases can store. PostgreSQL refuses the NUL character (U+0000) in text, so input carrying one
/// is answered as bad input naming the field, before it can fail an insert or a query.
/// </summary>
public static class StorableText
{
    public const string NulMessage = "Must not contain the NUL character (U+0000).";

    public const string InvalidTextMessage = "Must be valid Unicode text (no invalid UTF-8, no unpaired surrogate).";

    public static bool HasNul(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal);
}
