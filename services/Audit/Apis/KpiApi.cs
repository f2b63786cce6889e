using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults.Input;

namespace Platform.Audit.Apis;

/// <summary>Sharing KPIs (绩效考核) per department for supervisors, and the monthly report as CSV or a printable page.</summary>
public static class KpiApi
{
    public static IEndpointRouteBuilder MapKpiApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audit/kpis").WithTags("Operations").RequireAuthorization(Roles.Auditor);
        api.MapGet("", GetKpis).WithSummary("Sharing KPIs of every department this node has heard of, for [from, to) (default: the current month), ranked.");
        api.MapGet("/report", GetReport).WithSummary("The monthly KPI report (month=yyyy-MM, default the current month) as CSV (format=csv, default) or a printable HTML page (format=html).");
        return app;
    }

    internal static async Task<Results<Ok<KpiReport>, ValidationProblem>> GetKpis(
        SharingKpis kpis, TimeProvider clock, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        if (QueryTime.Errors(("from", from), ("to", to)) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var month = MonthOf(clock.GetUtcNow());
        var start = from ?? month;
        var end = to ?? (from is null ? month.AddMonths(1) : start.AddMonths(1));
        if (start >= end) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Must be before 'to'."] });
        if (end - start > TimeSpan.FromDays(3700)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["The period may span at most ten years."] });
        return TypedResults.Ok(await kpis.ComputeAsync(start, end, cancellationToken));
    }

    internal static async Task<Results<FileContentHttpResult, ContentHttpResult, ValidationProblem>> GetReport(
        SharingKpis kpis, TimeProvider clock, string? month, string? format, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var start = MonthOf(clock.GetUtcNow());
        if (!string.IsNullOrWhiteSpace(month))
        {
            if (DateTime.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            {
                start = new DateTimeOffset(parsed.Year, parsed.Month, 1, 0, 0, 0, TimeSpan.Zero);
            }
            else
            {
                errors["month"] = ["Must be a month as yyyy-MM, e.g. 2026-11."];
            }
        }
        var kind = string.IsNullOrWhiteSpace(format) ? "csv" : format.Trim().ToLowerInvariant();
        if (kind is not ("csv" or "html")) errors["format"] = ["Must be csv or html."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var report = await kpis.ComputeAsync(start, start.AddMonths(1), cancellationToken);
        var label = start.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        return kind == "csv"
            ? TypedResults.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Csv(report))).ToArray(), "text/csv; charset=utf-8", $"sharing-kpis-{label}.csv")
            : TypedResults.Content(Html(report, label), "text/html; charset=utf-8");
    }

    private static DateTimeOffset MonthOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Column headings, Chinese and English, in the order of <see cref="Cells"/>.</summary>
    private static readonly string[] Headings =
    [
        "排名 rank", "部门 department", "发布档案 records published", "无条件共享 unconditional", "有条件共享 conditional", "不予共享 not shared",
        "平均质量 average quality", "质量90-100", "质量80-89", "质量60-79", "质量0-59", "收到申请 requests received", "已答复 answered",
        "逾期 overdue", "待审 pending", "按时率 on-time rate", "批准率 approval rate", "审批时长中位数(小时) median decision hours",
        "审批时长P90(小时) p90 decision hours", "提供内容 deliveries served", "失败交付 failed deliveries",
        "保密审查 secrecy reviews", "保密审查时长中位数(小时) median secrecy review hours",
    ];

    private static string[] Cells(DepartmentKpis k) =>
    [
        Number(k.Rank), k.Department, Number(k.RecordsPublished), Number(k.RecordsBySharing[SharingTerms.Unconditional]),
        Number(k.RecordsBySharing[SharingTerms.Conditional]), Number(k.RecordsBySharing[SharingTerms.None]), Number(k.AverageQuality),
        .. SharingKpis.QualityBandNames.Select(b => Number(k.QualityBands[b])),
        Number(k.RequestsReceived), Number(k.RequestsAnswered), Number(k.RequestsOverdue), Number(k.RequestsPending),
        Number(k.OnTimeRate), Number(k.ApprovalRate), Number(k.MedianDecisionHours), Number(k.P90DecisionHours),
        Number(k.DeliveriesServed), Number(k.FailedDeliveries), Number(k.SecrecyReviews), Number(k.MedianSecrecyReviewHours),
    ];

    private static string Number(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Csv(KpiReport report)
    {
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', Headings.Select(Quote)));
        foreach (var department in report.Departments) csv.AppendLine(string.Join(',', Cells(department).Select(Quote)));
        return csv.ToString();

        // Cells that start like a formula are prefixed, so a spreadsheet never evaluates them.
        static string Quote(string cell)
        {
            if (cell.Length > 0 && "=+-@".Contains(cell[0]) && !double.TryParse(cell, CultureInfo.InvariantCulture, out _)) cell = "'" + cell;
            return cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;
        }
    }

    internal static string Html(KpiReport report, string label)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>共享绩效月报 Sharing KPI report {{label}}</title>
            <style>
            body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse;width:100%;font-size:12px} th,td{border:1px solid #999;padding:4px 6px;text-align:right}
            th{background:#eee} td:nth-child(2),th:nth-child(2){text-align:left}
            @media print{body{margin:0} @page{size:A4 landscape;margin:12mm} }
            </style></head><body>
            <h1>共享绩效月报 · Sharing KPI report {{label}}</h1>
            <p>统计期间 Period: {{report.From:yyyy-MM-dd}} – {{report.To:yyyy-MM-dd}} (UTC) · 截至 As of {{report.AsOf:yyyy-MM-dd HH:mm}} UTC</p>
            <table><thead><tr>
            """);
        foreach (var heading in Headings) html.Append("<th>").Append(WebUtility.HtmlEncode(heading)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var department in report.Departments)
        {
            html.Append("<tr>");
            foreach (var cell in Cells(department)) html.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table><p>按时率 = 未逾期的申请 / 收到的申请; 批准率 = 批准 / 已答复. On-time rate = requests not overdue / received; approval rate = approved / answered.</p></body></html>");
        return html.ToString();
    }
}
