using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Trust;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Apis;

/// <summary>
/// Requester side: one attachment of a granted record, streamed from the owner's gateway (where the owner's catalogue
/// serves it once the owner's sharing service has checked the grant as for content). Only grants whose fields include
/// <c>attachments</c> cover them; the attachments are listed in the granted content.
/// </summary>
public static partial class GrantedAttachmentsApi
{
    public static IEndpointRouteBuilder MapGrantedAttachmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sharing/grants/{id:guid}/attachments/{sha256}", Fetch).RequireAuthorization(Roles.Requester).WithTags("Grants")
            .WithSummary("One attachment of the granted record (by its SHA-256, as listed in the granted content), streamed from the owner's gateway with the signed grant (requester).");
        return app;
    }

    internal static async Task<Results<PushStreamHttpResult, NotFound, ValidationProblem, ProblemHttpResult>> Fetch(Guid id, string sha256, HttpContext context,
        SharingDbContext db, GrantTokens tokens, NodeDirectory directory, IHttpClientFactory http, IOptions<NodeOptions> node, IOptions<SharingOptions> options, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!Sha256Hex().IsMatch(sha256))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sha256"] = ["The attachment's SHA-256: 64 hexadecimal characters."] });
        }
        sha256 = sha256.ToLowerInvariant();
        var (grant, gateway) = await GrantsApi.ReceivedGrantAsync(db, directory, id, cancellationToken);
        if (grant is null)
        {
            return TypedResults.NotFound();
        }
        if (gateway is null)
        {
            return GrantsApi.OwnerUnknown(grant);
        }
        var owner = grant.OwnerDepartment;

        var client = http.CreateClient(GrantsApi.OwnerGatewayClient);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"peer/catalogue/grants/{id}/attachments/{sha256}"));
        request.Headers.Add(GrantTokens.GrantHeader, grant.Token);
        request.Headers.Add(GrantTokens.ProofHeader, tokens.SignProof(node.Value.Id, owner, id, options.Value.ProofLifetime));
        HttpResponseMessage response;
        try
        {
            using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            headersTimeout.CancelAfter(options.Value.FetchTimeout);
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogOwnerUnreachable(loggers.CreateLogger(typeof(GrantedAttachmentsApi)), owner, ex.Message);
            return TypedResults.Problem($"{owner}'s gateway could not be reached; try again later.", statusCode: StatusCodes.Status502BadGateway, title: "Owner unreachable");
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using (response)
            {
                var detail = await GrantsApi.OwnerDetailAsync(response, cancellationToken);
                db.Publish(new ContentDenied(grant.Id, node.Value.Id, node.Value.Id, $"{owner} refused attachment {sha256} ({(int)response.StatusCode}): {detail}", null, clock.GetUtcNow()));
                await db.SaveChangesAsync(cancellationToken);
                return response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.Gone
                    ? TypedResults.Problem(detail, statusCode: response.StatusCode == HttpStatusCode.Unauthorized ? 403 : (int)response.StatusCode, title: $"{owner} refused the attachment")
                    : TypedResults.Problem($"{owner} answered {(int)response.StatusCode}: {detail}", statusCode: StatusCodes.Status502BadGateway, title: "Owner failed");
            }
        }
        db.Publish(new ContentDelivered(grant.Id, grant.RecordId, grant.OwnerDepartment, node.Value.Id, node.Value.Id, "requester", [$"{RecordFields.Attachments}/{sha256}"], [], clock.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);

        foreach (var header in new[] { "Repr-Digest", "X-Content-SHA256" })
        {
            if (response.Headers.TryGetValues(header, out var values) || response.Content.Headers.TryGetValues(header, out values))
            {
                context.Response.Headers[header] = values.ToArray();
            }
        }
        var fileName = response.Content.Headers.ContentDisposition is { } disposition
            ? HeaderUtilities.RemoveQuotes(disposition.FileNameStar ?? disposition.FileName).Value
            : null;
        return TypedResults.Stream(async body =>
        {
            using (response)
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                await stream.CopyToAsync(body, cancellationToken);
            }
        }, response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream", fileName);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attachment fetch from {Owner} failed: {Reason}")]
    private static partial void LogOwnerUnreachable(ILogger logger, string owner, string reason);
}
