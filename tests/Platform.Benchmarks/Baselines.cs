using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using RabbitMQ.Client;

namespace Platform.Benchmarks;

/// <summary>Raw baselines measured in the same run: what PostgreSQL and RabbitMQ do with no platform in between.</summary>
public static class Baselines
{
    /// <summary>
    /// Binary COPY of <paramref name="rows"/> record-shaped rows into a fresh table; rows per second. With
    /// <paramref name="searchIndex"/> the table also has the catalogue's search columns and GIN index, and each row its
    /// search tokens (cut before the clock starts): what storing a searchable record costs PostgreSQL alone.
    /// </summary>
    public static Task<double> PostgresCopyAsync(BenchmarkRun run, IReadOnlyList<RecordRow> rows, CancellationToken cancellationToken,
        bool searchIndex = false) =>
        FasterOfTwoAsync(() => PostgresCopyOnceAsync(run, rows, searchIndex, cancellationToken));

    /// <summary>
    /// The faster of two runs: a baseline's first run on a fresh database or queue pays for cold caches (a quick run's
    /// first COPY measured at half the rate of the next), which would flatter the platform's ratio.
    /// </summary>
    private static async Task<double> FasterOfTwoAsync(Func<Task<double>> measure) => Math.Max(await measure(), await measure());

    private static async Task<double> PostgresCopyOnceAsync(BenchmarkRun run, IReadOnlyList<RecordRow> rows, bool searchIndex,
        CancellationToken cancellationToken)
    {
        var tokens = searchIndex ? rows.Select(r => Catalogue.Model.SearchText.For(r.ToMetadata())).ToArray() : null;
        var database = $"{run.RunId}_baseline_{Guid.NewGuid():N}"[..40];
        await using (var admin = new NpgsqlConnection(run.PostgresServer))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var connection = new NpgsqlConnection(run.Database(database));
        await connection.OpenAsync(cancellationToken);
        await using (var table = new NpgsqlCommand("""
            CREATE TABLE records (id uuid PRIMARY KEY, department text NOT NULL, external_id text NOT NULL, version int NOT NULL,
              fonds_code text NOT NULL, archival_code text NOT NULL, title text NOT NULL, creator text NOT NULL, date date NOT NULL,
              retention_period text NOT NULL, classification text NOT NULL, category text, keywords text[] NOT NULL,
              sharing text NOT NULL, created_at timestamptz NOT NULL, UNIQUE (department, external_id))
            """ + (searchIndex ? """
            ;
            ALTER TABLE records ADD COLUMN search_tokens text NOT NULL,
              ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_tokens, ' '))) STORED;
            CREATE INDEX ON records USING gin (search_vector);
            """ : ""), connection))
        {
            await table.ExecuteNonQueryAsync(cancellationToken);
        }

        var watch = Stopwatch.StartNew();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY records (id, department, external_id, version, fonds_code, archival_code, title, creator, date, retention_period, classification, category, keywords, sharing, created_at"
            + (searchIndex ? ", search_tokens" : "") + ") FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, cancellationToken);
                await copy.WriteAsync("dept-a", NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.ExternalId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(1, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.FondsCode, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.ArchivalCode, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.Title, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.Creator, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(new DateOnly(2023, 5, 8), NpgsqlDbType.Date, cancellationToken);
                await copy.WriteAsync("permanent", NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync("public", NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.Category, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.Keywords, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync("unconditional", NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(DateTimeOffset.UtcNow, NpgsqlDbType.TimestampTz, cancellationToken);
                if (tokens is not null) await copy.WriteAsync(tokens[i], NpgsqlDbType.Text, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        return rows.Count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Persistent messages of <paramref name="size"/> bytes to a quorum queue with publisher confirms, in batches of 500; messages per second.</summary>
    public static Task<double> RabbitPublishAsync(BenchmarkRun run, int count, int size, CancellationToken cancellationToken) =>
        FasterOfTwoAsync(() => RabbitPublishOnceAsync(run, count, size, cancellationToken));

    private static async Task<double> RabbitPublishOnceAsync(BenchmarkRun run, int count, int size, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = run.RabbitMq };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var queue = $"{run.RunId}.baseline";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);

        var body = new byte[size];
        Random.Shared.NextBytes(body);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var watch = Stopwatch.StartNew();
        for (var sent = 0; sent < count; sent += 500)
        {
            var batch = Enumerable.Range(0, Math.Min(500, count - sent))
                .Select(_ => channel.BasicPublishAsync("", queue, mandatory: false, properties, body, cancellationToken).AsTask());
            await Task.WhenAll(batch);
        }
        var rate = count / watch.Elapsed.TotalSeconds;
        await channel.QueueDeleteAsync(queue, cancellationToken: cancellationToken);
        return rate;
    }
}

/// <summary>One generated archive record, used for both the platform push and the raw COPY.</summary>
public sealed record RecordRow(string ExternalId, string FondsCode, string ArchivalCode, string Title, string Creator, string? Category, string[] Keywords)
{
    private static readonly string[] Subjects = ["档案数字化", "人事任免", "财务预算", "行政审批", "土地规划", "社会保障", "教育发展", "环境保护"];

    public static RecordRow Generate(string runId, int i) => new(
        $"{runId}-{i:D7}",
        "A012",
        $"A012-2023-Y-{i % 1_000_000:D6}",
        $"关于{Subjects[i % Subjects.Length]}工作的通知（第{i}号）",
        "市档案局办公室",
        "administrative",
        ["档案", Subjects[i % Subjects.Length]]);

    /// <summary>The RecordPublished event of this row as dept-a's catalogue writes it into its outbox (JSON body).</summary>
    public string ToPublishedEvent() => System.Text.Json.JsonSerializer.Serialize(
        new Contracts.RecordPublished(Guid.CreateVersion7(), "dept-a", 1, ToMetadata(), DateTimeOffset.UtcNow), System.Text.Json.JsonSerializerOptions.Web);

    public Contracts.RecordMetadata ToMetadata() => new(ExternalId, FondsCode, ArchivalCode, Title, Creator, new DateOnly(2023, 5, 8), null,
        "permanent", "public", Category, Keywords, null, "unconditional");

    public object ToPush() => new
    {
        externalId = ExternalId,
        fondsCode = FondsCode,
        archivalCode = ArchivalCode,
        title = Title,
        creator = Creator,
        date = "2023-05-08",
        retentionPeriod = "permanent",
        classification = "public",
        category = Category,
        keywords = Keywords,
        sharing = "unconditional",
    };
}
