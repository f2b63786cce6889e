using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;

namespace Platform.Audit.Apis;

/// <summary>
/// Exports for offline verification: the entries of a range as JSON Lines (each line is exactly the bytes its hash
/// covers), a manifest of that range, the manifest's ECDSA P-256 signature, and the node's public key. docs/AUDIT.md
/// has the openssl and python3 commands an auditor runs.
/// </summary>
public static class AuditExportApi
{
    public static IEndpointRouteBuilder MapAuditExportApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Roles.Auditor);
        api.MapGet("/export", Export).WithSummary("Entries from..to (sequence numbers, inclusive) as JSON Lines; each line is the canonical form its hash covers.")
            .Produces(StatusCodes.Status200OK, contentType: "application/jsonl");
        api.MapGet("/export/manifest", Manifest).WithSummary("The signed statement about a range: node, from, to, entry count, anchor hash, head hash, hash algorithms.");
        api.MapGet("/export/signature", Signature).WithSummary("ECDSA P-256 / SHA-256 signature (DER) of the manifest bytes of the same range; check with openssl dgst -verify.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");
        api.MapGet("/node-key", NodeKey).WithSummary("The node's public signing key (PEM, SubjectPublicKeyInfo).")
            .Produces(StatusCodes.Status200OK, contentType: "application/x-pem-file");
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem>> Manifest(
        AuditDbContext db, IOptions<NodeOptions> node, NodeSigner signer, [AsParameters] ExportRange range, CancellationToken cancellationToken)
    {
        var (manifest, errors) = await BuildManifestAsync(db, node.Value, signer, range, cancellationToken);
        return manifest is null ? TypedResults.ValidationProblem(errors!) : TypedResults.File(manifest, "application/json");
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem>> Signature(
        AuditDbContext db, IOptions<NodeOptions> node, NodeSigner signer, [AsParameters] ExportRange range, CancellationToken cancellationToken)
    {
        var (manifest, errors) = await BuildManifestAsync(db, node.Value, signer, range, cancellationToken);
        return manifest is null
            ? TypedResults.ValidationProblem(errors!)
            : TypedResults.File(await signer.SignAsync(manifest, cancellationToken), "application/octet-stream", "manifest.sig");
    }

    internal static async Task<ContentHttpResult> NodeKey(NodeSigner signer, CancellationToken cancellationToken) =>
        TypedResults.Content((await signer.PublicKeyAsync(cancellationToken)).PublicKeyPem, "application/x-pem-file");

    internal static async Task<Results<EmptyHttpResult, ValidationProblem>> Export(
        HttpContext http, AuditDbContext db, [AsParameters] ExportRange range, CancellationToken cancellationToken)
    {
        var (from, to, errors) = await ResolveAsync(db, range, cancellationToken);
        if (errors is not null) return TypedResults.ValidationProblem(errors);

        http.Response.ContentType = "application/jsonl; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{from}-{to}.jsonl\"";
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {AuditLog.SelectColumns} FROM audit_entries WHERE sequence >= $1 AND sequence <= $2 ORDER BY sequence", connection)
        {
            Parameters = { new() { Value = from }, new() { Value = to } },
        };
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var output = http.Response.BodyWriter;
        var line = new ArrayBufferWriter<byte>(1024);
        while (await reader.ReadAsync(cancellationToken))
        {
            line.ResetWrittenCount();
            AuditLog.Read(reader).WriteCanonical(line);
            output.Write(line.WrittenSpan);
            output.Write("\n"u8);
            if (output.UnflushedBytes > 64 * 1024) await output.FlushAsync(cancellationToken);
        }
        await output.FlushAsync(cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>The exact manifest bytes for a range; the same range gives the same bytes, so the signature can be fetched separately.</summary>
    private static async Task<(byte[]? Manifest, Dictionary<string, string[]>? Errors)> BuildManifestAsync(
        AuditDbContext db, NodeOptions node, NodeSigner signer, ExportRange range, CancellationToken cancellationToken)
    {
        var (from, to, errors) = await ResolveAsync(db, range, cancellationToken);
        if (errors is not null) return (null, errors);

        var anchor = from == 1
            ? AuditLog.GenesisHash
            : await db.Entries.Where(e => e.Sequence == from - 1).Select(e => e.Hash).SingleAsync(cancellationToken);
        var head = await db.Entries.Where(e => e.Sequence == to).Select(e => e.Hash).SingleAsync(cancellationToken);
        var count = await db.Entries.LongCountAsync(e => e.Sequence >= from && e.Sequence <= to, cancellationToken);
        var algorithms = await db.Entries.Where(e => e.Sequence >= from && e.Sequence <= to)
            .Select(e => e.HashAlgorithm).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);
        var (keyId, _) = await signer.PublicKeyAsync(cancellationToken);
        var manifest = new ExportManifest("audit-export/1", node.Id, from, to, count, anchor, head, algorithms, "ecdsa-p256-sha256", keyId);
        return (JsonSerializer.SerializeToUtf8Bytes(manifest, JsonSerializerOptions.Web), null);
    }

    private static async Task<(long From, long To, Dictionary<string, string[]>? Errors)> ResolveAsync(
        AuditDbContext db, ExportRange range, CancellationToken cancellationToken)
    {
        var last = await db.Entries.MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        var from = range.From ?? 1;
        var to = range.To ?? last;
        var errors = new Dictionary<string, string[]>();
        if (from < 1) errors["from"] = ["Must be 1 or more."];
        if (to > last) errors["to"] = [$"The log has {last} entries; 'to' must not be beyond the head."];
        if (to < from) errors["to"] = [last == 0 ? "The log is empty." : "Must not be before 'from'."];
        return (from, to, errors.Count > 0 ? errors : null);
    }
}

/// <summary>A range of sequence numbers, inclusive; <c>from</c> defaults to 1 and <c>to</c> to the current head.</summary>
public sealed record ExportRange(long? From, long? To);

/// <summary>
/// What the node signs about an export: entries <see cref="From"/>..<see cref="To"/> chain from <see cref="PreviousHash"/>
/// (the hash of entry From-1, or the genesis hash) to <see cref="Head"/>.
/// </summary>
public sealed record ExportManifest(
    string Format, string Node, long From, long To, long Entries, string PreviousHash, string Head,
    IReadOnlyList<string> HashAlgorithms, string SignatureAlgorithm, string KeyId);
