using MassTransit;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Trust;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;
using Platform.SharingPolicy.Saga;

namespace Platform.SharingPolicy.Apis;

public sealed record GrantView(
    Guid Id, string Role, Guid RequestId, string OwnerDepartment, string RequesterDepartment, Guid RecordId,
    IReadOnlyList<string> Fields, IReadOnlyDictionary<string, string> Masks, string State, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt, string? RevokeReason, int Deliveries, string Token)
{
    public static GrantView From(Grant g, DateTimeOffset now) => new(g.Id, g.Direction, g.RequestId, g.OwnerDepartment, g.RequesterDepartment,
        g.RecordId, g.Fields, g.Masks, g.StateAt(now), g.IssuedAt, g.ExpiresAt, g.RevokedAt, g.RevokeReason, g.Deliveries, g.Token);
}

public sealed record RevokeInput(string? Reason);

/// <summary>
/// Grants: those this department issued (role=issued, revocable by its reviewers) and those it received (role=received),
/// whose content it fetches from the owner's gateway.
/// </summary>
public static partial class GrantsApi
{
    public const string OwnerGatewayClient = "owner-gateway";

    public static IEndpointRouteBuilder MapGrantsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sharing/grants").WithTags("Grants");
        api.MapGet("/", List).WithSummary("Grants this department issued (role=issued) or received (role=received).");
        api.MapGet("/{id:guid}", Get);
        api.MapPost("/{id:guid}/revoke", Revoke).RequireAuthorization(Roles.Reviewer)
            .WithSummary("Revoke a grant this department issued (reviewer); the next fetch is refused.");
        api.MapGet("/{id:guid}/content", FetchContent).RequireAuthorization(Roles.Requester)
            .WithSummary("The granted content, fetched now from the owner's gateway with the signed grant, masked per policy (requester).");
        return app;
    }

    internal static async Task<Results<Ok<GrantView[]>, ValidationProblem>> List(string? role, SharingDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (role is not (null or Grant.Issued or Grant.Received))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["issued or received."] });
        }
        var query = db.Grants.AsNoTracking();
        if (role is not null) query = query.Where(g => g.Direction == role);
        var now = clock.GetUtcNow();
        return TypedResults.Ok((await query.OrderByDescending(g => g.IssuedAt).Take(500).ToListAsync(cancellationToken)).Select(g => GrantView.From(g, now)).ToArray());
    }

    internal static async Task<Results<Ok<GrantView>, NotFound>> Get(Guid id, SharingDbContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        await db.Grants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, cancellationToken) is { } grant
            ? TypedResults.Ok(GrantView.From(grant, clock.GetUtcNow()))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<GrantView>, NotFound, ProblemHttpResult, ValidationProblem>> Revoke(Guid id, [FromBody] RevokeInput? input, ClaimsPrincipal user,
        SharingDbContext db, IRequestClient<RevokeAccessRequest> saga, IOptions<SharingOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(input?.Reason))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Required: why the grant is revoked, shown to the requester."] });
        }
        var grant = await db.Grants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (grant is null)
        {
            return TypedResults.NotFound();
        }
        if (grant.Direction != Grant.Issued)
        {
            return TypedResults.Problem($"Grant {id} was issued by {grant.OwnerDepartment}; only it can revoke it.", statusCode: StatusCodes.Status403Forbidden, title: "Not this department's grant");
        }
        if (grant.RevokedAt is not null)
        {
            return TypedResults.Problem($"Grant {id} was already revoked at {grant.RevokedAt:u}.", statusCode: StatusCodes.Status409Conflict, title: "Already revoked");
        }
        // Revocation ends the request's lifecycle, so the access-request saga does it.
        if (await RequestsApi.AskSagaAsync(saga, new RevokeAccessRequest(grant.RequestId, grant.Id, input.Reason.Trim(), RequestsApi.Caller(user)), options.Value,
                cancellationToken) is { } problem)
        {
            return problem;
        }
        grant = await db.Grants.AsNoTracking().SingleAsync(g => g.Id == id, cancellationToken);
        return TypedResults.Ok(GrantView.From(grant, clock.GetUtcNow()));
    }

    /// <summary>
    /// A grant this department received, with the owner's gateway from its authority-signed directory entry (null while the
    /// owner is unknown or its entry names no usable http(s) URL): a peer call never goes anywhere the authority did not sign.
    /// </summary>
    internal static async Task<(Grant? Grant, Uri? OwnerGateway)> ReceivedGrantAsync(SharingDbContext db, NodeDirectory directory, Guid id, CancellationToken cancellationToken)
    {
        var grant = await db.Grants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id && g.Direction == Grant.Received, cancellationToken);
        if (grant is null)
        {
            return (null, null);
        }
        return directory.Find(grant.OwnerDepartment) is { } owner
            && Uri.TryCreate(owner.GatewayUrl, UriKind.Absolute, out var gateway) && gateway.Scheme is "https" or "http"
            ? (grant, gateway)
            : (grant, null);
    }

    internal static ProblemHttpResult OwnerUnknown(Grant grant) => TypedResults.Problem(
        $"{grant.OwnerDepartment} has no authority-signed entry with a gateway URL in the node directory.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Owner unknown");

    /// <summary>Requester side: present the grant and a fresh node proof to the owner's gateway and relay what it answers.</summary>
    internal static async Task<Results<Ok<GrantedContent>, NotFound, ProblemHttpResult>> FetchContent(Guid id, SharingDbContext db, GrantTokens tokens, NodeDirectory directory,
        IHttpClientFactory http, IOptions<NodeOptions> node, IOptions<SharingOptions> options, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (grant, gateway) = await ReceivedGrantAsync(db, directory, id, cancellationToken);
        if (grant is null)
        {
            return TypedResults.NotFound();
        }
        if (gateway is null)
        {
            return OwnerUnknown(grant);
        }
        var owner = grant.OwnerDepartment;

        using var client = http.CreateClient(OwnerGatewayClient);
        client.Timeout = options.Value.FetchTimeout;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"peer/sharing/grants/{id}/content"));
        request.Headers.Add(GrantTokens.GrantHeader, grant.Token);
        request.Headers.Add(GrantTokens.ProofHeader, tokens.SignProof(node.Value.Id, owner, id, options.Value.ProofLifetime));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogOwnerUnreachable(loggers.CreateLogger(typeof(GrantsApi)), owner, ex.Message);
            return TypedResults.Problem($"{owner}'s gateway could not be reached; try again later.", statusCode: StatusCodes.Status502BadGateway, title: "Owner unreachable");
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var content = (await response.Content.ReadFromJsonAsync<GrantedContent>(JsonSerializerOptions.Web, cancellationToken))!;
                db.Publish(new ContentDelivered(grant.Id, grant.RecordId, grant.OwnerDepartment, node.Value.Id, node.Value.Id, "requester", content.Fields, content.MaskedFields, clock.GetUtcNow()));
                await db.SaveChangesAsync(cancellationToken);
                return TypedResults.Ok(content);
            }
            var detail = await OwnerDetailAsync(response, cancellationToken);
            db.Publish(new ContentDenied(grant.Id, node.Value.Id, node.Value.Id, $"{owner} refused ({(int)response.StatusCode}): {detail}", null, clock.GetUtcNow()));
            await db.SaveChangesAsync(cancellationToken);
            return response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.Gone
                ? TypedResults.Problem(detail, statusCode: (int)response.StatusCode == 401 ? 403 : (int)response.StatusCode, title: $"{owner} refused the grant")
                : TypedResults.Problem($"{owner} answered {(int)response.StatusCode}: {detail}", statusCode: StatusCodes.Status502BadGateway, title: "Owner failed");
        }
    }

    internal static async Task<string> OwnerDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(JsonSerializerOptions.Web, cancellationToken);
            return problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "";
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content fetch from {Owner} failed: {Reason}")]
    private static partial void LogOwnerUnreachable(ILogger logger, string owner, string reason);
}

public sealed record NodeKeyView(string KeyId, string Algorithm, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

public sealed record NodeView(string Department, string Name, string GatewayUrl, IReadOnlyList<NodeKeyView> Keys, DateTimeOffset IssuedAt, DateTimeOffset? AnnouncedAt);

/// <summary>The node directory as this node trusts it: authority-signed entries from Trust:DirectoryFile and from NodeAnnounced.</summary>
public static class NodesApi
{
    public static IEndpointRouteBuilder MapNodesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sharing/nodes", List).WithTags("Node directory")
            .WithSummary("Every department with an authority-signed directory entry: id, name, gateway URL, node key ids and validity, when it was issued and last announced.");
        return app;
    }

    internal static async Task<Ok<NodeView[]>> List(SharingDbContext db, NodeDirectory directory, CancellationToken cancellationToken)
    {
        var announced = await db.Nodes.AsNoTracking().ToDictionaryAsync(n => n.Department, n => n.AnnouncedAt, cancellationToken);
        return TypedResults.Ok(directory.Entries.OrderBy(e => e.Department, StringComparer.Ordinal)
            .Select(e => new NodeView(e.Department, e.Name, e.GatewayUrl, [.. e.Keys.Select(k => new NodeKeyView(k.KeyId, k.Algorithm, k.NotBefore, k.NotAfter))],
                e.IssuedAt, announced.TryGetValue(e.Department, out var at) ? at : null))
            .ToArray());
    }
}

/// <summary>
/// The owner's node-to-node endpoint, reached through the gateway's <c>/peer/sharing/**</c> route without a node
/// token: the caller is authenticated by the signed grant plus a proof signed with its node key instead.
/// </summary>
public static class PeerContentApi
{
    public static IEndpointRouteBuilder MapPeerContentApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/peer/grants/{id:guid}/content", Deliver).AllowAnonymous().WithTags("Node to node")
            .WithSummary($"Granted content for another department's node: headers {GrantTokens.GrantHeader} (the grant) and {GrantTokens.ProofHeader} (a JWT signed with the caller's node key).");
        return app;
    }

    internal static async Task<Results<Ok<GrantedContent>, ProblemHttpResult>> Deliver(Guid id, HttpContext context, ContentDelivery delivery, CancellationToken cancellationToken)
    {
        var outcome = await delivery.DeliverAsync(id, context.Request.Headers[GrantTokens.GrantHeader], context.Request.Headers[GrantTokens.ProofHeader],
            context.Request.Headers["X-Forwarded-For"].FirstOrDefault() ?? context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return outcome.Content is { } content
            ? TypedResults.Ok(content)
            : TypedResults.Problem(outcome.Refusal, statusCode: outcome.Status, title: "Content refused");
    }
}
