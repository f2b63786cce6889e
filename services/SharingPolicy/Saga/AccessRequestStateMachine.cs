using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Saga;

/// <summary>
/// The owner's access-request lifecycle (docs/SHARING.md has the diagram). A request routed to this department starts
/// it; policy decides at once (approved / rejected) or puts it up for review with a deadline. The deadline and the
/// reminder before it are scheduled timeouts (<see cref="DatabaseScheduleMessageProvider"/>); a reviewer's decision
/// cancels them. Passing the deadline flags the request overdue and leaves it pending: reviewers can still decide.
/// What each step does to the request (grants, notices, events for the requester) is <see cref="SharingWorkflow"/>.
/// </summary>
public sealed class AccessRequestStateMachine : MassTransitStateMachine<AccessRequest>
{
    public State<AccessRequest> PendingReview { get; }
    public State<AccessRequest> Approved { get; }
    public State<AccessRequest> Rejected { get; }
    public State<AccessRequest> Revoked { get; }

    public Event<SubmitAccessRequest> Submitted { get; private set; } = null!;
    public Event<ReviewAccessRequest> Reviewed { get; private set; } = null!;
    public Event<RevokeAccessRequest> RevokeRequested { get; private set; } = null!;
    public Schedule<AccessRequest, ReviewReminderDue> ReviewReminder { get; private set; } = null!;
    public Schedule<AccessRequest, ReviewDeadlineReached> ReviewDeadline { get; private set; } = null!;

    public AccessRequestStateMachine(IOptions<SharingOptions> options, IOptions<NodeOptions> node, TimeProvider clock)
    {
        // The states are stored by the names the API shows (access_requests.status).
        InstanceState(r => r.Status);
        PendingReview = State(AccessRequestStatus.PendingReview);
        Approved = State(AccessRequestStatus.Approved);
        Rejected = State(AccessRequestStatus.Rejected);
        Revoked = State(AccessRequestStatus.Revoked);

        Event(() => Submitted, e =>
        {
            e.CorrelateById(m => m.Message.RequestId);
            e.SetSagaFactory(m => AccessRequest.Received(m.Message, node.Value.Id, clock.GetUtcNow()));
        });
        Event(() => Reviewed, e =>
        {
            e.CorrelateById(m => m.Message.RequestId);
            e.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(new ReviewOutcome(c.Message.RequestId, false, "Not found", "No such request to decide here.", 404))));
        });
        Event(() => RevokeRequested, e =>
        {
            e.CorrelateById(m => m.Message.RequestId);
            e.OnMissingInstance(m => m.ExecuteAsync(c => c.RespondAsync(new ReviewOutcome(c.Message.RequestId, false, "Not found", "No such request here.", 404))));
        });
        Schedule(() => ReviewReminder, r => r.ReviewReminderToken, s => s.Received = e => e.CorrelateById(m => m.Message.RequestId));
        Schedule(() => ReviewDeadline, r => r.ReviewDeadlineToken, s => s.Received = e => e.CorrelateById(m => m.Message.RequestId));

        Initially(
            When(Submitted)
                .ThenAsync(c => Workflow(c).ReceiveAsync(c.Saga, c.Message, c.CancellationToken))
                .IfElse(c => c.Saga.Verdict == AccessRequestStatus.Approved,
                    approved => approved.TransitionTo(Approved),
                    other => other.IfElse(c => c.Saga.Verdict == AccessRequestStatus.Rejected,
                        rejected => rejected.TransitionTo(Rejected),
                        review => review
                            .Schedule(ReviewReminder, c => new ReviewReminderDue(c.Saga.Id), c => ReminderAt(c.Saga, options.Value, clock))
                            .Schedule(ReviewDeadline, c => new ReviewDeadlineReached(c.Saga.Id), c => c.Saga.ReviewDeadline!.Value.UtcDateTime)
                            .TransitionTo(PendingReview))));

        During(PendingReview,
            When(Reviewed, c => c.Message.Approve)
                .ThenAsync(async c => c.Saga.Verdict = await Workflow(c).ApproveByReviewerAsync(c.Saga, c.Message.Reviewer, c.Message.Comment, c.CancellationToken))
                .IfElse(c => c.Saga.Verdict is null,
                    approved => approved
                        .Unschedule(ReviewReminder)
                        .Unschedule(ReviewDeadline)
                        .TransitionTo(Approved)
                        .Respond(c => ReviewOutcome.Done(c.Saga.Id)),
                    refused => refused.Respond(c => ReviewOutcome.Conflict(c.Saga.Id, "The policy no longer allows this request", c.Saga.Verdict!))),
            When(Reviewed, c => !c.Message.Approve)
                .Then(c => Workflow(c).Reject(c.Saga, c.Message.Comment ?? "", automatic: false, by: c.Message.Reviewer, clock.GetUtcNow()))
                .Unschedule(ReviewReminder)
                .Unschedule(ReviewDeadline)
                .TransitionTo(Rejected)
                .Respond(c => ReviewOutcome.Done(c.Saga.Id)),
            When(ReviewReminder.Received)
                .Then(c => Workflow(c).RemindReviewers(c.Saga)),
            When(ReviewDeadline.Received)
                .Then(c => Workflow(c).FlagOverdue(c.Saga)),
            When(RevokeRequested)
                .Respond(c => ReviewOutcome.Conflict(c.Saga.Id, "Not revocable", $"Request {c.Saga.Id} is {c.Saga.Status}; only approved requests have a grant to revoke.")));

        During(Approved,
            When(RevokeRequested)
                .ThenAsync(c => Workflow(c).RevokeAsync(c.Saga, c.Message.GrantId, c.Message.Reason, c.Message.RevokedBy, c.CancellationToken))
                .TransitionTo(Revoked)
                .Respond(c => ReviewOutcome.Done(c.Saga.Id)));

        During(Approved, Rejected, Revoked,
            When(Reviewed)
                .Respond(c => ReviewOutcome.Conflict(c.Saga.Id, "Already decided", $"Request {c.Saga.Id} is {c.Saga.Status}; only pending-review requests can be decided.")),
            Ignore(ReviewReminder.Received),
            Ignore(ReviewDeadline.Received));

        During(Rejected, Revoked,
            When(RevokeRequested)
                .Respond(c => ReviewOutcome.Conflict(c.Saga.Id, "Already revoked", $"Request {c.Saga.Id} is {c.Saga.Status}; there is no active grant to revoke.")));

        // The same request sent again under a new message id (the requester's retry) changes nothing.
        DuringAny(Ignore(Submitted));
    }

    private static SharingWorkflow Workflow(BehaviorContext<AccessRequest> context) => context.GetServiceOrCreateInstance<SharingWorkflow>();

    /// <summary>The reminder goes <see cref="SharingOptions.ReviewReminderBefore"/> ahead of the deadline, or at once if that is already past.</summary>
    private static DateTime ReminderAt(AccessRequest request, SharingOptions options, TimeProvider clock)
    {
        var at = request.ReviewDeadline!.Value - options.ReviewReminderBefore;
        var now = clock.GetUtcNow();
        return (at < now ? now : at).UtcDateTime;
    }
}
