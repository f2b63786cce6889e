using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using nietras.SeparatedValues;
using Platform.Catalogue.Model;

namespace Platform.Catalogue.Apis;

/// <summary>
/// CSV upload of records, as Chinese office systems export them: a header row naming the fields (English
/// field names or their Chinese archival terms), UTF-8 with or without BOM, or GB18030. The charset comes
/// from the Content-Type (<c>text/csv; charset=gb18030</c>) or the <c>charset</c> query parameter, otherwise
/// it is detected: a BOM or valid UTF-8 means UTF-8, anything else is read as GB18030.
/// </summary>
internal static class RecordCsv
{
    private static readonly Dictionary<string, string> Columns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["外部标识"] = "externalId", ["全宗号"] = "fondsCode", ["档号"] = "archivalCode", ["题名"] = "title",
        ["责任者"] = "creator", ["日期"] = "date", ["文件编号"] = "documentNumber", ["保管期限"] = "retentionPeriod",
        ["密级"] = "classification", ["类别"] = "category", ["主题词"] = "keywords", ["关键词"] = "keywords",
        ["附注"] = "description", ["共享属性"] = "sharing",
    };

    /// <summary>Far more than the record's fields (unknown columns are reported per row), few enough to read every header.</summary>
    private const int MaxColumns = 100;

    static RecordCsv() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static async Task<Results<Ok<BatchReport>, ValidationProblem>> Upload(
        HttpRequest request, string? charset, RecordValidator validator, RecordIngestion ingestion, IOptions<IngestionOptions> options,
        CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxCsvBytes;
        if (request.ContentLength > limit)
        {
            return Problem("file", $"The CSV is larger than {limit} bytes; split it.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return Problem("file", $"The CSV is larger than {limit} bytes; split it.");
            }
            buffer.Write(chunk, 0, read);
        }

        var declared = charset ?? (MediaTypeHeaderValueCharset(request.ContentType));
        string text;
        try
        {
            text = Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), declared);
        }
        catch (DecoderFallbackException)
        {
            return Problem("charset", $"The file is not valid {declared}.");
        }
        catch (ArgumentException)
        {
            return Problem("charset", $"Unknown charset '{declared}'; use utf-8 or gb18030.");
        }

        var rows = new List<(int Line, JsonElement Item)>();
        try
        {
            // The header is read as a row, so its problems (a repeated column, thousands of columns) are answered here.
            using var csv = Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(text);
            string[]? names = null;
            foreach (var row in csv)
            {
                if (names is null)
                {
                    if (row.ColCount > MaxColumns)
                    {
                        return Problem("header", $"The header has {row.ColCount} columns; at most {MaxColumns}.");
                    }
                    names = new string[row.ColCount];
                    for (var i = 0; i < names.Length; i++)
                    {
                        var header = row[i].ToString().Trim();
                        names[i] = Columns.TryGetValue(header, out var name) ? name : header;
                    }
                    if (names.All(string.IsNullOrEmpty))
                    {
                        return Problem("file", "The CSV has no header row.");
                    }
                    if (names.Where(n => n.Length > 0).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
                    {
                        return Problem("header", $"The column '{repeated.Key}' appears more than once in the header (a Chinese and an English name count as the same).");
                    }
                    continue;
                }
                var item = new JsonObject();
                for (var i = 0; i < Math.Min(names.Length, row.ColCount); i++)
                {
                    var value = row[i].ToString();
                    if (!string.IsNullOrWhiteSpace(value))
                    {
                        item[names[i]] = value;
                    }
                }
                if (item.Count > 0)
                {
                    rows.Add((row.LineNumberFrom, JsonSerializer.SerializeToElement(item)));
                }
            }
            if (names is null)
            {
                return Problem("file", "The CSV has no header row.");
            }
        }
        catch (InvalidDataException ex)
        {
            return Problem("file", $"The CSV is malformed: {ex.Message}");
        }
        if (rows.Count == 0)
        {
            return Problem("file", "The CSV has a header but no records.");
        }

        var results = new List<BatchItemResult>(rows.Count);
        foreach (var part in rows.Chunk(options.Value.MaxBatchSize))
        {
            results.AddRange((await RecordBatches.PushAsync(part, validator, ingestion, cancellationToken)).Results);
        }
        var accepted = results.Count(r => r.Status == "accepted");
        return TypedResults.Ok(new BatchReport(accepted, results.Count - accepted, results));
    }

    internal static string Decode(ReadOnlySpan<byte> bytes, string? charset)
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
        {
            return new UTF8Encoding(false, true).GetString(bytes[3..]);
        }
        if (!string.IsNullOrWhiteSpace(charset))
        {
            var encoding = Encoding.GetEncoding(charset.Trim().Trim('"'), EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            return encoding.GetString(bytes);
        }
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.GetEncoding("GB18030").GetString(bytes);
        }
    }

    private static string? MediaTypeHeaderValueCharset(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.Charset.HasValue
            ? parsed.Charset.Value
            : null;

    private static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The CSV upload is not valid");
}
