using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Catalogue;

/// <summary>
/// A change made while a round of the announcer holds the record (it read the record as due and clears the mark when it
/// commits) leaves the record due again, so the change is announced by the next round and never lost.
/// </summary>
public sealed class AnnouncementDueTests(TestInfrastructure infrastructure) : IAsyncLifetime
{
    private CatalogueDatabase _catalogue = null!;

    public async ValueTask InitializeAsync() =>
        _catalogue = await CatalogueDatabase.CreateAsync(infrastructure, "catalogue_due", TimeProvider.System);

    public ValueTask DisposeAsync() => _catalogue.DisposeAsync();

    [Fact]
    public Task A_record_changed_during_an_announcer_round_stays_due() =>
        ChangeDuringRoundAsync((ingestion, id) => ingestion.PushAsync(Record("第二版"), TestContext.Current.CancellationToken));

    [Fact]
    public Task A_record_withdrawn_during_an_announcer_round_stays_due() =>
        ChangeDuringRoundAsync((ingestion, id) => ingestion.WithdrawAsync(id, TestContext.Current.CancellationToken));

    private async Task ChangeDuringRoundAsync(Func<RecordIngestion, Guid, Task> change)
    {
        var cancellation = TestContext.Current.CancellationToken;
        Guid id;
        await using (var scope = _catalogue.Services.CreateAsyncScope())
        {
            id = (await scope.ServiceProvider.GetRequiredService<RecordIngestion>().PushAsync(Record("第一版"), cancellation)).Id;
        }
        (await DueAsync(id)).ShouldBeTrue("a new shared record is due");

        // The round: the due record is locked and read; its mark is cleared when the round commits.
        await using var round = new NpgsqlConnection(_catalogue.Database.ConnectionString);
        await round.OpenAsync(cancellation);
        await using var transaction = await round.BeginTransactionAsync(cancellation);
        await ExecuteAsync(round, "SELECT record_id FROM record_announcements WHERE record_id = @id AND due FOR UPDATE", id);

        Task changed;
        await using (var scope = _catalogue.Services.CreateAsyncScope())
        {
            // The change reads the record (still due), then waits for the round's lock to write it.
            changed = change(scope.ServiceProvider.GetRequiredService<RecordIngestion>(), id);
            await Eventually.Until(() => _catalogue.Database.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"),
                waiting => waiting > 0 || changed.IsCompleted, TimeSpan.FromSeconds(60), "the change waiting for the round's lock");
            if (changed.IsCompleted)
            {
                await changed;
                throw new ShouldAssertException("The change did not wait for the round's lock.");
            }
            await ExecuteAsync(round, "UPDATE record_announcements SET due = false WHERE record_id = @id", id);
            await transaction.CommitAsync(cancellation);
            await changed;
        }

        (await DueAsync(id)).ShouldBeTrue("the change came after what the round read, so the next round must announce it");
    }

    private static RecordMetadata Record(string title) => new("OA-DUE-1", "A012", "A012-2023-Y-000001", $"关于档案工作的通知（{title}）",
        "市档案局办公室", new DateOnly(2023, 5, 8), null, "permanent", "public", "administrative", [], null, "unconditional");

    private Task<bool> DueAsync(Guid id) => _catalogue.Database.ScalarAsync<bool>($"SELECT due FROM record_announcements WHERE record_id = '{id}'");

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
