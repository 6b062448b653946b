using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Ingestion;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>
/// PostgreSQL only: ingestion writes a group's events in a second transaction after its resolution commits (SQLite
/// writes them in the one transaction it has). What that must not break: a message stored once, and a merge that
/// moves every event of the merged customer, including events still being written when it starts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeferredEventsTests_on_postgres(PostgresAppFixture app) : IClassFixture<PostgresAppFixture>
{
    private static Uri Url(string path) => new(path, UriKind.Relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(Guid Ws, HttpClient Writer)> WorkspaceAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Ingest);
        var writer = app.ApiClient();
        writer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key.Key + ":")));
        return (ws, writer);
    }

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
        var (ws, writer) = await WorkspaceAsync();
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
        var (ws, writer) = await WorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-7","traits":{"email":"kim@example.com"},"messageId":"k1","timestamp":"2026-01-01T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        (await writer.PostAsync(Url("/v1/page"), Json("""{"anonymousId":"device-7","name":"Pricing","messageId":"k2","timestamp":"2026-01-02T10:00:00Z"}"""))).EnsureSuccessStatusCode();
        var ids = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync());
        ids.Count.ShouldBe(2);

        // An events write for the device's customer, decided and not yet committed: it holds the workspace's
        // events-writer lock in shared mode, as ingestion does between its two transactions.
        await using var inFlight = await ConnectAsync();
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock_shared(hashtext(@key))", inFlight))
        {
            command.Parameters.AddWithValue("key", IngestionService.EventWritersLock(ws));
            await command.ExecuteNonQueryAsync();
        }

        var alias = writer.PostAsync(Url("/v1/alias"), Json("""{"previousId":"device-7","userId":"u-7","messageId":"k4","timestamp":"2026-01-04T10:00:00Z"}"""));
        await using (var observer = await ConnectAsync())
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await WaitsForAdvisoryLockAsync(observer))
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the merge never waited for the events-writer lock");
                alias.IsCompleted.ShouldBeFalse("the merge went ahead while an events write was in flight");
                await Task.Delay(20);
            }
        }

        alias.IsCompleted.ShouldBeFalse();
        var late = Event(ws, ids[1], "k-late");
        (await IngestionService.WriteDeferredEventsAsync(inFlight, [late], CancellationToken.None)).ShouldBeNull();
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_unlock_shared(hashtext(@key))", inFlight))
        {
            command.Parameters.AddWithValue("key", IngestionService.EventWritersLock(ws));
            await command.ExecuteNonQueryAsync();
        }

        var response = await alias;
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("merges").GetInt32().ShouldBe(1);
        (await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId == "k-late").Select(e => e.CustomerId).SingleAsync())).ShouldBe(ids[0]);
        var snapshot = await app.QueryAsync(ws, db => db.Merges.Select(m => m.Snapshot).SingleAsync());
        snapshot.ShouldContain(late.Id.ToString());
    }

    /// <summary>Whether a session of this test's database is waiting for an advisory lock.</summary>
    private static async Task<bool> WaitsForAdvisoryLockAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
