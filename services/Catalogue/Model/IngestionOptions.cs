namespace Platform.Catalogue.Model;

/// <summary>Limits of bulk ingestion (section <c>Catalogue:Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Catalogue:Ingestion";

    /// <summary>Most records in one <c>POST /records/batch</c>; CSV uploads are stored in chunks of this size.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Largest CSV upload in bytes (the file is decoded in memory to detect its encoding).</summary>
    public long MaxCsvBytes { get; set; } = 32 * 1024 * 1024;
}
