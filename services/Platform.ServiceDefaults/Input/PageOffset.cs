namespace Platform.ServiceDefaults.Input;

/// <summary>Where a page of a list starts: a page far past the end (page=2147483647) is an empty page, not an overflow.</summary>
public static class PageOffset
{
    /// <summary>Rows to skip before page <paramref name="page"/> (from 1) of <paramref name="size"/>; with the size it stays within int.</summary>
    public static int Of(int page, int size) => (int)Math.Min(((long)Math.Max(page, 1) - 1) * size, int.MaxValue - (long)size);
}
