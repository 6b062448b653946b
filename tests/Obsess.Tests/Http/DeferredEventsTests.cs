using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Obsess.Features.Customers;
using Obsess.Features.Import;
using Obsess.Features.Ingestion;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>
/// PostgreSQL only: ingestion writes a group's events in a second transaction after its resolution commits (SQLite
/// writes them in the one transaction it has). What that must not break: a message stored once, and a merge that
/// moves (or an erasure that erases) every event of the customer, including events still being written when it starts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeferredEventsTests_on_postgres(PostgresAppFixture app) : IClassFixture<PostgresAppFixture>
{
    private async Task<NpgsqlConnection> ConnectAsync()
    {
        var connection = new NpgsqlConnection(app.Storage.PostgresConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static CustomerEvent Event(Guid ws, Guid customer, string messageId) => new()
    {
        WorkspaceId = ws,
        Id = Guid.CreateVersion7(),
        CustomerId = customer,
        Type = "track",
        Name = "Late",
        Source = "test",
        Channel = "web",
        OccurredAt = new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc),
        Properties = "{}",
        MessageId = messageId,
    };

    [Fact]
    public async Task Events_whose_message_id_another_writer_stored_first_are_skipped_and_named()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-1","messageId":"m-1","timestamp":"2026-01-01T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        var customer = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());
        var stored = await app.QueryAsync(ws, db => db.Events.Select(e => e.Id).SingleAsync());
        await using var connection = await ConnectAsync();

        var skipped = await IngestionService.WriteDeferredEventsAsync(connection, [Event(ws, customer, "m-1"), Event(ws, customer, "m-2")], CancellationToken.None);

        skipped.ShouldNotBeNull().ShouldBe(["m-1"]);
        var events = await app.QueryAsync(ws, db => db.Events.OrderBy(e => e.MessageId).Select(e => new { e.Id, e.MessageId }).ToListAsync());
        events.Select(e => e.MessageId).ShouldBe(["m-1", "m-2"]);
        events[0].Id.ShouldBe(stored);
        (await IngestionService.WriteDeferredEventsAsync(connection, [Event(ws, customer, "m-3")], CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task A_merge_waits_for_events_still_being_written_and_moves_them_too()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-7","traits":{"email":"kim@example.com"},"messageId":"k1","timestamp":"2026-01-01T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        (await writer.PostAsync(Url("/v1/page"), Json("""{"anonymousId":"device-7","name":"Pricing","messageId":"k2","timestamp":"2026-01-02T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        var ids = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync());
        ids.Count.ShouldBe(2);

        // An events write for the device's customer, decided and not yet committed: it holds the workspace's
        // events-writer lock in shared mode, as ingestion does between its two transactions.
        await using var inFlight = await ConnectAsync();
        await EventWritersAsync(inFlight, "pg_advisory_lock_shared", ws);

        var alias = writer.PostAsync(Url("/v1/alias"), Json("""{"previousId":"device-7","userId":"u-7","messageId":"k4","timestamp":"2026-01-04T10:00:00Z"}"""));
        await WaitUntilBlockedAsync(alias, "merge");

        var late = Event(ws, ids[1], "k-late");
        (await IngestionService.WriteDeferredEventsAsync(inFlight, [late], CancellationToken.None)).ShouldBeNull();
        await EventWritersAsync(inFlight, "pg_advisory_unlock_shared", ws);

        var response = await alias;
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("merges").GetInt32().ShouldBe(1);
        (await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId == "k-late").Select(e => e.CustomerId).SingleAsync())).ShouldBe(ids[0]);
        var snapshot = await app.QueryAsync(ws, db => db.Merges.Select(m => m.Snapshot).SingleAsync());
        snapshot.ShouldContain(late.Id.ToString());
    }

    [Fact]
    public async Task An_import_waits_for_events_still_being_written_and_counts_them_as_stored()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-9","traits":{"email":"lee@example.com"},"messageId":"l1","timestamp":"2026-01-01T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        var customer = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());

        // An events write decided by ingestion and not yet committed, for a message the file also holds.
        await using var inFlight = await ConnectAsync();
        await EventWritersAsync(inFlight, "pg_advisory_lock_shared", ws);
        const string file = """
            email,event,timestamp,message_id
            lee@example.com,Opened app,2026-01-05T10:00:00Z,l-late
            lee@example.com,Bought,2026-01-06T10:00:00Z,l-new
            """;
        var import = app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<ImportService>()
            .ImportAsync(ImportKind.Events, ImportReader.Read(new StringReader(file), "csv", new Dictionary<string, string>()), "crm"));
        await WaitUntilBlockedAsync(import, "import");

        var late = Event(ws, customer, "l-late");
        (await IngestionService.WriteDeferredEventsAsync(inFlight, [late], CancellationToken.None)).ShouldBeNull();
        await EventWritersAsync(inFlight, "pg_advisory_unlock_shared", ws);

        var result = await import;
        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors.Select(e => e.ToString())));
        (result.Events, result.Skipped).ShouldBe((1, 1));
        var events = await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId != "l1").OrderBy(e => e.MessageId).Select(e => new { e.Id, e.MessageId }).ToListAsync());
        events.Select(e => e.MessageId).ShouldBe(["l-late", "l-new"]);
        events[0].Id.ShouldBe(late.Id);
    }

    [Fact]
    public async Task An_erasure_waits_for_events_still_being_written_and_erases_them_too()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-5","traits":{"email":"max@example.com"},"messageId":"x1","timestamp":"2026-01-01T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        var customer = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());
        var admin = app.ApiClient((await app.CreateApiKeyAsync(ws, Obsess.Features.Accounts.Roles.Admin)).Key);

        // An events write for the customer, decided by ingestion and not yet committed.
        await using var inFlight = await ConnectAsync();
        await EventWritersAsync(inFlight, "pg_advisory_lock_shared", ws);
        var erase = admin.DeleteAsync(Url($"/api/customers/{customer}"));
        await WaitUntilBlockedAsync(erase, "erasure");

        (await IngestionService.WriteDeferredEventsAsync(inFlight, [Event(ws, customer, "x-late")], CancellationToken.None)).ShouldBeNull();
        await EventWritersAsync(inFlight, "pg_advisory_unlock_shared", ws);

        var response = await erase;
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<ErasureResult>())!.Events.ShouldBe(2);
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task A_scores_run_waits_for_an_erasure_in_progress_and_scores_only_customers_still_there()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-1","messageId":"s1"}"""))).EnsureSuccessStatusCode();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-2","messageId":"s2"}"""))).EnsureSuccessStatusCode();
        var ids = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync());

        // An erasure in progress: it holds the events-writer lock exclusively, as CustomerErasure does.
        await using var erasure = await ConnectAsync();
        await using var tx = await erasure.BeginTransactionAsync();
        await using (var lockIt = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", erasure, tx))
        {
            lockIt.Parameters.AddWithValue("key", IngestionService.EventWritersLock(ws));
            await lockIt.ExecuteNonQueryAsync();
        }

        // The run reads both customers, then waits to write.
        var run = app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<Obsess.Features.Intelligence.ScoresService>().RecomputeAsync());
        await WaitUntilBlockedAsync(run, "scores run");
        await using (var erase = new NpgsqlCommand("DELETE FROM events WHERE workspace_id = @ws AND customer_id = @id; DELETE FROM customers WHERE workspace_id = @ws AND id = @id", erasure, tx))
        {
            erase.Parameters.AddWithValue("ws", ws);
            erase.Parameters.AddWithValue("id", ids[0]);
            await erase.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();

        await run;
        (await app.QueryAsync(ws, db => db.Scores.Select(s => s.CustomerId).ToListAsync())).ShouldBe([ids[1]]);
    }

    /// <summary>Takes or releases (<paramref name="function"/>) the workspace's events-writer lock on this session, as ingestion does between its two transactions.</summary>
    private static async Task EventWritersAsync(NpgsqlConnection connection, string function, Guid ws)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(hashtext(@key))", connection);
        command.Parameters.AddWithValue("key", IngestionService.EventWritersLock(ws));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until a session waits for an advisory lock, failing if <paramref name="work"/> finishes first.</summary>
    private async Task WaitUntilBlockedAsync(Task work, string what)
    {
        await using var observer = await ConnectAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await WaitsForAdvisoryLockAsync(observer))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the {what} never waited for the events-writer lock");
            work.IsCompleted.ShouldBeFalse($"the {what} went ahead while an events write was in flight");
            await Task.Delay(20);
        }

        work.IsCompleted.ShouldBeFalse();
    }

    /// <summary>Whether a session of this test's database is waiting for an advisory lock.</summary>
    private static async Task<bool> WaitsForAdvisoryLockAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
