using Platform.Notification.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class NotificationRulesTests
{
    private static readonly WebhookOptions Defaults = new();

    [Fact]
    public void Retry_delay_doubles_from_the_first_delay_and_never_exceeds_the_cap()
    {
        Defaults.RetryDelay(1, 0.999999).ShouldBe(Defaults.FirstRetryDelay, TimeSpan.FromMilliseconds(1));
        Defaults.RetryDelay(3, 0.999999).ShouldBe(Defaults.FirstRetryDelay * 4, TimeSpan.FromMilliseconds(1));
        foreach (var attempt in Enumerable.Range(1, Defaults.MaxAttempts + 30))
        {
            Defaults.RetryDelay(attempt, 0.999999).ShouldBeLessThanOrEqualTo(Defaults.MaxRetryDelay);
        }
    }

    [Fact]
    public void Jitter_keeps_the_delay_between_half_and_all_of_the_backoff()
    {
        Defaults.RetryDelay(4, 0).ShouldBe(Defaults.FirstRetryDelay * 4);
        Defaults.RetryDelay(4, 0.5).ShouldBe(Defaults.FirstRetryDelay * 6);
        Defaults.RetryDelay(100, 0).ShouldBe(Defaults.MaxRetryDelay / 2);
    }

    [Fact]
    public void Default_retries_outlast_a_receiver_that_is_down_for_an_hour()
    {
        var shortest = Enumerable.Range(1, Defaults.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, attempt) => sum + Defaults.RetryDelay(attempt, 0));
        shortest.ShouldBeGreaterThan(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Filters_match_fonds_category_and_department_and_empty_filters_match_everything()
    {
        var facts = new EventFacts(EventTypes.RecordPublished, "dept-a", "A012", "administrative", "");
        Subscription Make(string[]? fonds = null, string[]? categories = null, string[]? departments = null, string type = EventTypes.RecordPublished) => new()
        {
            Department = "dept-b",
            Channel = Channels.Webhook,
            EventTypes = [type],
            Fonds = [.. fonds ?? []],
            Categories = [.. categories ?? []],
            Departments = [.. departments ?? []],
        };

        Make().Matches(facts).ShouldBeTrue();
        Make(type: "*").Matches(facts).ShouldBeTrue();
        Make(type: EventTypes.RecordUpdated).Matches(facts).ShouldBeFalse();
        Make(fonds: ["A012", "B001"], categories: ["administrative"], departments: ["dept-a"]).Matches(facts).ShouldBeTrue();
        Make(fonds: ["B001"]).Matches(facts).ShouldBeFalse();
        Make(categories: ["personnel"]).Matches(facts).ShouldBeFalse();
        Make(departments: ["dept-c"]).Matches(facts).ShouldBeFalse();
        Make(fonds: ["A012"]).Matches(facts with { Fonds = null }).ShouldBeFalse();
    }
}
