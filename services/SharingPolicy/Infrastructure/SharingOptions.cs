namespace Platform.SharingPolicy.Infrastructure;

/// <summary>The <c>Sharing</c> configuration section.</summary>
public sealed class SharingOptions
{
    public const string Section = "Sharing";

    /// <summary>Review deadline in working days when the rule does not say (default 10).</summary>
    public int ReviewWorkingDays { get; set; } = 10;

    /// <summary>Public holidays skipped when counting working days.</summary>
    public List<DateOnly> Holidays { get; set; } = [];

    /// <summary>How often grants expiring soon are looked for (review deadlines are scheduled timeouts, not swept).</summary>
    public TimeSpan DeadlineSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the saga's scheduled timeouts (review deadline, reminder) are checked for being due.</summary>
    public TimeSpan SchedulerPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a reviewer's approve/reject/revoke waits for the access-request saga to answer.</summary>
    public TimeSpan ReviewTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long before a pending review's deadline the owner's reviewers are reminded (once).</summary>
    public TimeSpan ReviewReminderBefore { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long before a grant expires its holder is told (once).</summary>
    public TimeSpan GrantReminderBefore { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Grant validity when the rule does not say.</summary>
    public TimeSpan DefaultGrantValidity { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a node proof (the requester's signed fetch) is accepted after it was made.</summary>
    public TimeSpan ProofLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of a content fetch from the owner's gateway.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Most records one bulk request may cover; the owner refuses a broader selection as a whole (default 500).</summary>
    public int BulkMaxRecords { get; set; } = 500;
}
