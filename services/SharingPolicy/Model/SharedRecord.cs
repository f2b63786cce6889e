namespace Platform.SharingPolicy.Model;

/// <summary>
/// A record of this department that the catalogue announced, with the sharing attribute (共享属性) it was
/// announced with: what access requests for it will be decided against.
/// </summary>
public sealed class SharedRecord
{
    public Guid RecordId { get; set; }
    public int Version { get; set; }
    public required string FondsCode { get; set; }
    public string? Category { get; set; }

    /// <summary>The year of the record's date (日期), for bulk requests and subscriptions by year; null for records learnt before it was kept.</summary>
    public int? Year { get; set; }
    public required string Classification { get; set; }
    public required string RetentionPeriod { get; set; }
    public required string Sharing { get; set; }
    public bool Withdrawn { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
