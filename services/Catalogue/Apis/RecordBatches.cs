using System.Text.Json;
using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Apis;

/// <summary>Validates the items of a batch (JSON or CSV) one by one and stores the valid ones in one transaction.</summary>
internal static class RecordBatches
{
    /// <summary>
    /// Pushes the valid items and reports every item. The report is built only after the valid items have
    /// committed, so anything reported <c>accepted</c> is durable.
    /// </summary>
    public static async Task<BatchReport> PushAsync(
        IReadOnlyList<(int Index, JsonElement Item)> items, RecordValidator validator, RecordIngestion ingestion, CancellationToken cancellationToken)
    {
        var results = new BatchItemResult?[items.Count];
        var valid = new List<(int Position, RecordMetadata Metadata)>(items.Count);
        for (var position = 0; position < items.Count; position++)
        {
            var (index, item) = items[position];
            var validation = validator.Validate(item);
            if (validation.IsValid)
            {
                valid.Add((position, validation.Metadata!));
            }
            else
            {
                results[position] = new BatchItemResult(index, "rejected", ExternalIdOf(item), null, validation.Errors);
            }
        }

        if (valid.Count > 0)
        {
            var pushed = await ingestion.PushManyAsync([.. valid.Select(v => v.Metadata)], cancellationToken);
            for (var i = 0; i < valid.Count; i++)
            {
                var position = valid[i].Position;
                results[position] = new BatchItemResult(items[position].Index, "accepted", pushed[i].ExternalId, PushResult.From(pushed[i]), null);
            }
        }

        var report = results.Select(r => r!).ToList();
        return new BatchReport(valid.Count, items.Count - valid.Count, report);
    }

    private static string? ExternalIdOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("externalId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
}
