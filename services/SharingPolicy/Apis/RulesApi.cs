using System.Security.Claims;
using System.Text.Json;
using System.Xml;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Apis;

/// <summary>What an administrator sends for a rule. Durations are ISO 8601 (<c>P30D</c>, <c>PT4H</c>).</summary>
public sealed record RuleInput(
    string? Sharing,
    string? FondsCode,
    string? Category,
    string? Classification,
    string? RetentionPeriod,
    Guid? RecordId,
    string[]? AllowedDepartments,
    string[]? Purposes,
    string[]? Fields,
    Dictionary<string, string>? Masks,
    string[]? CatalogueFields,
    Dictionary<string, string>? CatalogueMasks,
    string? GrantValidity,
    int? ReviewWorkingDays,
    string? ReviewTimeLimit);

public sealed record RuleView(
    string Name, int Version, string Sharing, RuleScope Scope, IReadOnlyList<string> AllowedDepartments, IReadOnlyList<string> Purposes,
    IReadOnlyList<string> Fields, IReadOnlyDictionary<string, string> Masks, IReadOnlyList<string> CatalogueFields,
    IReadOnlyDictionary<string, string> CatalogueMasks, string GrantValidity, int? ReviewWorkingDays, string? ReviewTimeLimit,
    string UpdatedBy, DateTimeOffset UpdatedAt)
{
    public static RuleView From(SharingRule r) => new(r.Name, r.Version, r.Sharing,
        new RuleScope(r.FondsCode, r.Category, r.Classification, r.RetentionPeriod, r.RecordId),
        r.AllowedDepartments, r.Purposes, r.Fields, r.Masks,
        r.CatalogueFields.Count > 0 ? r.CatalogueFields : RecordFields.CatalogueDefault, r.CatalogueMasks,
        XmlConvert.ToString(r.GrantValidity), r.ReviewWorkingDays,
        r.ReviewTimeLimit is { } t ? XmlConvert.ToString(t) : null, r.UpdatedBy, r.UpdatedAt);
}

public sealed record RuleScope(string? FondsCode, string? Category, string? Classification, string? RetentionPeriod, Guid? RecordId);

public sealed record RuleVersionView(string Name, int Version, JsonElement Rule, string ChangedBy, DateTimeOffset ChangedAt);

/// <summary>The effective policy of one of this department's records.</summary>
public sealed record RecordPolicyView(Guid RecordId, string RecordSharing, string Sharing, string? Rule, int? RuleVersion,
    IReadOnlyList<string> Fields, IReadOnlyDictionary<string, string> Masks, string GrantValidity);

/// <summary>Sharing rules (共享规则) of this department: attribute, scope, who may ask, masks, validity; every change is a new version.</summary>
public static partial class RulesApi
{
    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sharing/rules").WithTags("Sharing rules");
        api.MapGet("/", ListRules).WithSummary("This department's sharing rules (current versions).");
        api.MapGet("/{name}", GetRule);
        api.MapGet("/{name}/versions", GetVersions).WithSummary("Every version of a rule, oldest first, with who changed it.");
        api.MapPut("/{name}", PutRule).RequireAuthorization(Roles.Admin)
            .WithSummary("Create a rule or save a new version of it (admin).");
        api.MapGet("/{name}/reannouncement", GetReannouncement)
            .WithSummary("How far the catalogue is in announcing again the records the rule's last change concerns.");
        app.MapGet("/api/sharing/records/{id:guid}/policy", GetRecordPolicy).WithTags("Shared records")
            .WithSummary("The effective sharing attribute, rule, fields and masks of one of this department's records.");
        return app;
    }

    internal static async Task<Ok<RuleView[]>> ListRules(SharingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.Rules.AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken)).Select(RuleView.From).ToArray());

    internal static async Task<Results<Ok<RuleView>, NotFound>> GetRule(string name, SharingDbContext db, CancellationToken cancellationToken) =>
        await db.Rules.AsNoTracking().SingleOrDefaultAsync(r => r.Name == name, cancellationToken) is { } rule
            ? TypedResults.Ok(RuleView.From(rule))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<ReannouncementProgress>, NotFound, ProblemHttpResult>> GetReannouncement(string name, SharingDbContext db,
        IRequestClient<GetReannouncementProgress> catalogue, CancellationToken cancellationToken)
    {
        if (!await db.Rules.AnyAsync(r => r.Name == name, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        try
        {
            return TypedResults.Ok((await catalogue.GetResponse<ReannouncementProgress>(new GetReannouncementProgress(name), cancellationToken)).Message);
        }
        catch (RequestTimeoutException)
        {
            return TypedResults.Problem(title: "Catalogue unavailable", detail: "The catalogue did not answer in time; try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    internal static async Task<Results<Ok<RuleVersionView[]>, NotFound>> GetVersions(string name, SharingDbContext db, CancellationToken cancellationToken)
    {
        var versions = await db.RuleVersions.AsNoTracking().Where(v => v.Name == name).OrderBy(v => v.Version).ToListAsync(cancellationToken);
        return versions.Count == 0
            ? TypedResults.NotFound()
            : TypedResults.Ok(versions.Select(v => new RuleVersionView(v.Name, v.Version, JsonDocument.Parse(v.Snapshot).RootElement.Clone(), v.ChangedBy, v.ChangedAt)).ToArray());
    }

    internal static async Task<Results<Ok<RuleView>, ValidationProblem>> PutRule(string name, RuleInput input, ClaimsPrincipal user,
        SharingDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(name, input, out var validity, out var timeLimit);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var by = user.FindFirst(PlatformClaims.ClientId)?.Value ?? user.Identity?.Name ?? "unknown";
        var now = clock.GetUtcNow();
        var rule = await db.Rules.SingleOrDefaultAsync(r => r.Name == name, cancellationToken);
        if (rule is null)
        {
            rule = new SharingRule { Name = name, Sharing = input.Sharing!, UpdatedBy = by };
            db.Rules.Add(rule);
        }
        rule.Version++;
        rule.Sharing = input.Sharing!;
        rule.FondsCode = Blank(input.FondsCode);
        rule.Category = Blank(input.Category);
        rule.Classification = Blank(input.Classification);
        rule.RetentionPeriod = Blank(input.RetentionPeriod);
        rule.RecordId = input.RecordId;
        rule.AllowedDepartments = [.. (input.AllowedDepartments ?? []).Select(d => d.Trim()).Distinct()];
        rule.Purposes = [.. (input.Purposes ?? []).Select(p => p.Trim()).Where(p => p.Length > 0).Distinct()];
        rule.Fields = [.. (input.Fields ?? []).Distinct()];
        rule.Masks = new Dictionary<string, string>(input.Masks ?? []);
        rule.CatalogueFields = [.. (input.CatalogueFields ?? []).Distinct()];
        rule.CatalogueMasks = new Dictionary<string, string>(input.CatalogueMasks ?? []);
        rule.GrantValidity = validity;
        rule.ReviewWorkingDays = input.ReviewWorkingDays;
        rule.ReviewTimeLimit = timeLimit;
        rule.UpdatedBy = by;
        rule.UpdatedAt = now;

        var view = RuleView.From(rule);
        var snapshot = JsonSerializer.Serialize(view, JsonSerializerOptions.Web);
        db.RuleVersions.Add(new SharingRuleVersion { Name = name, Version = rule.Version, Snapshot = snapshot, ChangedBy = by, ChangedAt = now });
        db.Publish(new SharingRuleChanged(node.Value.Id, name, rule.Version, by, snapshot, now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(view);
    }

    internal static async Task<Results<Ok<RecordPolicyView>, NotFound>> GetRecordPolicy(Guid id, SharingDbContext db, IOptions<SharingOptions> options,
        CancellationToken cancellationToken)
    {
        var record = await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.RecordId == id, cancellationToken);
        if (record is null)
        {
            return TypedResults.NotFound();
        }
        var rules = await db.Rules.AsNoTracking().ToListAsync(cancellationToken);
        var decision = SharingDecision.Evaluate(record, rules, "", "", [], options.Value.DefaultGrantValidity);
        return TypedResults.Ok(new RecordPolicyView(id, record.Sharing, decision.Sharing, decision.Rule?.Name, decision.Rule?.Version,
            decision.Fields, decision.Masks, XmlConvert.ToString(decision.GrantValidity)));
    }

    private static Dictionary<string, string[]> Validate(string name, RuleInput input, out TimeSpan validity, out TimeSpan? timeLimit)
    {
        var errors = new Dictionary<string, string[]>();
        validity = TimeSpan.Zero;
        timeLimit = null;
        if (!RuleName().IsMatch(name))
        {
            errors["name"] = ["A rule name is 1–100 lower-case letters, digits and dashes."];
        }
        if (input.Sharing is null || !RecordFields.Attributes.Contains(input.Sharing))
        {
            errors["sharing"] = [$"Required: one of {string.Join(", ", RecordFields.Attributes)}."];
        }
        if (input.Fields?.FirstOrDefault(f => !RecordFields.Grantable.Contains(f)) is { } field)
        {
            errors["fields"] = [$"'{field}' is not a record field; fields are {string.Join(", ", RecordFields.Grantable)}."];
        }
        ValidateMasks("masks", input.Masks, errors);
        if (input.CatalogueFields?.FirstOrDefault(f => !RecordFields.All.Contains(f)) is { } catalogueField)
        {
            errors["catalogueFields"] = [$"'{catalogueField}' is not a record field; fields are {string.Join(", ", RecordFields.All)}."];
        }
        else if (input.CatalogueFields is { Length: > 0 } listed && RecordFields.CatalogueRequired.Except(listed).ToList() is { Count: > 0 } missing)
        {
            errors["catalogueFields"] = [$"Every announcement holds {string.Join(", ", RecordFields.CatalogueRequired)} (mask the title if it must not be read); missing: {string.Join(", ", missing)}."];
        }
        ValidateMasks("catalogueMasks", input.CatalogueMasks, errors);
        if (input.AllowedDepartments?.Any(d => !DepartmentId().IsMatch(d.Trim())) == true)
        {
            errors["allowedDepartments"] = ["Department ids are lower-case letters, digits and dashes (e.g. dept-b)."];
        }
        if (input.GrantValidity is { Length: > 0 } text)
        {
            if (!TryDuration(text, out validity) || validity <= TimeSpan.Zero || validity > TimeSpan.FromDays(3660))
            {
                errors["grantValidity"] = ["An ISO 8601 duration between PT1S and P3660D, e.g. P30D."];
            }
        }
        if (input.ReviewTimeLimit is { Length: > 0 } limitText)
        {
            if (!TryDuration(limitText, out var limit) || limit <= TimeSpan.Zero || limit > TimeSpan.FromDays(366))
            {
                errors["reviewTimeLimit"] = ["An ISO 8601 duration between PT1S and P366D, e.g. PT4H."];
            }
            timeLimit = limit;
        }
        if (input.ReviewWorkingDays is < 1 or > 60)
        {
            errors["reviewWorkingDays"] = ["Between 1 and 60."];
        }
        if (input.FondsCode is null && input.Category is null && input.Classification is null && input.RetentionPeriod is null && input.RecordId is null)
        {
            errors["scope"] = ["Name at least one of fondsCode, category, classification, retentionPeriod or recordId."];
        }
        return errors;
    }

    private static void ValidateMasks(string name, Dictionary<string, string>? masks, Dictionary<string, string[]> errors)
    {
        foreach (var (maskField, kind) in masks ?? [])
        {
            if (!RecordFields.All.Contains(maskField))
            {
                errors[$"{name}.{maskField}"] = [$"'{maskField}' is not a record field."];
            }
            else if (kind.Split(',', StringSplitOptions.TrimEntries).Any(k => !RecordFields.MaskKinds.Contains(k)))
            {
                errors[$"{name}.{maskField}"] = [$"'{kind}' is not a mask (or comma-separated masks); masks are {string.Join(", ", RecordFields.MaskKinds)}."];
            }
        }
    }

    private static bool TryDuration(string text, out TimeSpan value)
    {
        try
        {
            value = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            value = TimeSpan.Zero;
            return false;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex RuleName();

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial System.Text.RegularExpressions.Regex DepartmentId();
}
