namespace Platform.Contracts;

/// <summary>The roles a client of a node can hold (ARCHITECTURE.md §4).</summary>
public static class Roles
{
    public const string Publisher = "publisher";
    public const string Requester = "requester";
    public const string Reviewer = "reviewer";
    public const string Auditor = "auditor";
    public const string Operator = "operator";
    public const string Admin = "admin";

    /// <summary>Releases records for announcing, or keeps them from other departments (保密审查, docs/SHARING.md).</summary>
    public const string SecrecyReviewer = "secrecy-reviewer";

    public static readonly IReadOnlyList<string> All = [Publisher, Requester, Reviewer, Auditor, Operator, Admin, SecrecyReviewer];
}

/// <summary>Claim names inside the node's access tokens.</summary>
public static class PlatformClaims
{
    public const string Department = "dept";
    public const string Role = "role";
    public const string ClientId = "client_id";
    public const string Subject = "sub";

    /// <summary>The audience every node-issued access token carries.</summary>
    public const string Audience = "archive-platform";
}
