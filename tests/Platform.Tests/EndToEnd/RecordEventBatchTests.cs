using System.Net;
using System.Security.Cryptography;
using MassTransit;
using Npgsql;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Record events travel in runs: inside the node the catalogue's outbox sends a pushed batch's events together
/// (<see cref="RecordEventBatch"/>), and its announcer sends other departments the views in runs too
/// (<see cref="RecordAnnouncementBatch"/>); every service applies them in order, and each event is applied once however
/// often it arrives, in a run or on its own.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class RecordEventBatchTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_pushed_batch_is_announced_in_runs_and_every_record_reaches_each_service_once()
    {
        var tap = await platform.Infrastructure.TapAsync(platform.VirtualHostOf("dept-a"), "broadcast.record-announcement-batch");
        using var http = await platform.DeptA.HttpAsync();
        var records = Enumerable.Range(0, 250).Select(_ => Records.Valid()).ToArray();
        using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var ids = (await response.ReadJsonAsync()).GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("record").GetProperty("id").GetString()!).ToArray();

        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", ids),
            count => count == ids.Length, Patience, "every record federated at dept-b");
        await Eventually.Until(() => platform.DeptB.CountAsync("audit",
                "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids),
            count => count == ids.Length, Patience, "every record audited at dept-b");
        await Eventually.Until(() => platform.DeptA.CountAsync("sharing", "SELECT count(*) FROM shared_records WHERE record_id::text = ANY(@ids)", ids),
            count => count == ids.Length, Patience, "every record known to dept-a's sharing policy");

        // The 250 events left the outbox in a few messages (runs of up to 500, cut where a dispatch round ends), each event
        // under its own id (the inbox key downstream). The tap holds every run published since the push, other tests' runs included.
        var runs = (await platform.Infrastructure.TakeAsync(platform.VirtualHostOf("dept-a"), tap))
            .Count(body => ids.Any(id => body.Contains(id, StringComparison.Ordinal)));
        runs.ShouldBeInRange(1, 9, "250 events in a handful of messages, not one each");
        (await platform.DeptA.CountAsync("catalogue",
                "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RecordPublished' AND dispatched_at IS NOT NULL AND body->>'recordId' = ANY(@ids)", ids))
            .ShouldBe(ids.Length);
        // dept-a's audit consumes the runs on its own queue, as fast as or slower than the services waited for above.
        await Eventually.Until(() => platform.DeptA.CountAsync("audit",
                "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids),
            count => count >= ids.Length, Patience, "every record audited at dept-a");
        var entries = await platform.DeptA.CountAsync("audit",
            "SELECT count(DISTINCT message_id) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids);
        entries.ShouldBe(ids.Length, "one audit entry per event, keyed by the event's own id");
        (await platform.DeptA.CountAsync("audit",
                "SELECT count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids)", ids))
            .ShouldBe(ids.Length, "and no event audited twice");
    }

    [Fact]
    public async Task Runs_are_applied_in_order_and_an_event_delivered_again_in_another_run_or_alone_changes_nothing()
    {
        var department = $"dept-x{RandomNumberGenerator.GetHexString(6, true)}";
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var at = DateTimeOffset.UtcNow;
        RecordMetadata Metadata(string title) => new($"OA-{Guid.NewGuid():N}", "X001", "X001-2024-Y-0001", title, "市档案局", new DateOnly(2024, 3, 1),
            null, "permanent", "public", "administrative", ["档案"], null, "unconditional");
        // Four runs: published, updated, published, withdrawn. The first record ends withdrawn at version 3.
        var events = new List<RecordEventEntry>
        {
            new(Guid.NewGuid(), Published: new RecordPublished(first, department, 1, Metadata("第一版"), at)),
            new(Guid.NewGuid(), Updated: new RecordUpdated(first, department, 2, Metadata("第二版"), at.AddSeconds(1))),
            new(Guid.NewGuid(), Published: new RecordPublished(second, department, 1, Metadata("另一份记录"), at.AddSeconds(2))),
            new(Guid.NewGuid(), Withdrawn: new RecordWithdrawn(first, department, 3, at.AddSeconds(3))),
        };
        var signer = platform.EnrolOutsider(department);
        await platform.PublishAsAsync("dept-a", async bus =>
        {
            await bus.Publish(new RecordAnnouncementBatch(department, events), context => signer.Sign(context), TestContext.Current.CancellationToken);
            // The same events again, in another run, and one of them alone under its own id.
            await bus.Publish(new RecordAnnouncementBatch(department, events), context => signer.Sign(context), TestContext.Current.CancellationToken);
            await bus.Publish(new RecordAnnouncementBatch(department, [events[2]]), context => signer.Sign(context), TestContext.Current.CancellationToken);
        });

        string[] ids = [first.ToString(), second.ToString()];
        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue",
                "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids) AND (withdrawn AND version = 3 OR NOT withdrawn AND version = 1)", ids),
            count => count == 2, Patience, "dept-b's federated view: the first record withdrawn, the second listed");
        await Eventually.Until(() => platform.DeptA.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE subject = ANY(@ids)", ids),
            count => count == events.Count, Patience, "one audit entry per event at dept-a");
        await Task.Delay(TimeSpan.FromSeconds(2));

        (await platform.DeptA.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE subject = ANY(@ids)", ids)).ShouldBe(events.Count);
        (await platform.DeptB.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE subject = ANY(@ids)", ids)).ShouldBe(events.Count);
        using var reader = await platform.DeptB.HttpAsync();
        var federated = await reader.GetJsonAsync($"api/catalogue/federated?department={department}");
        federated.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldBe([second.ToString()]);
    }

    [Fact]
    public async Task A_run_holding_an_entry_without_an_event_goes_to_the_error_queue_with_the_reason()
    {
        var department = $"dept-x{RandomNumberGenerator.GetHexString(6, true)}";
        var broken = new RecordAnnouncementBatch(department, [new RecordEventEntry(Guid.NewGuid())]);
        var messageId = Guid.NewGuid();
        var signer = platform.EnrolOutsider(department);
        await platform.PublishAsAsync("dept-a", bus => bus.Publish(broken, context => { context.MessageId = messageId; signer.Sign(context); }, TestContext.Current.CancellationToken));

        using var operatorClient = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Operator]);
        var listed = await Eventually.Until(async () => (await operatorClient.GetJsonAsync("api/audit/operator/error-messages?limit=500")).EnumerateArray().ToList(),
            messages => messages.Any(m => m.GetProperty("messageId").GetString() == messageId.ToString()), Patience, "the broken run in dept-a's error queue");
        var entry = listed.Single(m => m.GetProperty("messageId").GetString() == messageId.ToString());
        entry.GetProperty("inputQueue").GetString().ShouldBe("dept-a.audit.record-event-batch");
        entry.GetProperty("reason").GetString()!.ShouldContain("exactly one event");
    }
}
