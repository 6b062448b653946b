using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Ingestion;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>
/// PostgreSQL only: ingestion resolves a group from what this process last read and wrote (its resolution cache) while
/// the workspace's change counter says nobody else changed a customer or an identity since. What must hold: a change
/// made any other way (another process, the API, a script) is seen by the very next batch.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ResolutionCacheTests_on_postgres(PostgresAppFixture app) : IClassFixture<PostgresAppFixture>
{
    private async Task SendAsync(HttpClient writer, string path, string json) =>
        (await writer.PostAsync(Url(path), Json(json))).EnsureSuccessStatusCode();

    private async Task<long> VersionAsync(Guid ws)
    {
        await using var connection = new NpgsqlConnection(app.Storage.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce((SELECT version FROM workspace_versions WHERE workspace_id = $1), 0)", connection) { Parameters = { new() { Value = ws } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(app.Storage.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var v in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = v });
        }

        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Batches_after_the_first_resolve_from_the_cache_to_the_same_customer()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        await SendAsync(writer, "/v1/identify", """{"userId":"u-1","traits":{"email":"ann@example.com"},"messageId":"a1","timestamp":"2026-01-01T10:00:00Z"}""");
        var cache = (await app.QueryAsync(ws, db => Task.FromResult(IngestionService.CacheOf(db)))).ShouldNotBeNull();
        var hits = cache.Hits;

        await SendAsync(writer, "/v1/track", """{"userId":"u-1","event":"Paid","messageId":"a2","timestamp":"2026-01-02T10:00:00Z"}""");
        await SendAsync(writer, "/v1/identify", """{"anonymousId":"d-1","traits":{"email":"ANN@example.com "},"messageId":"a3","timestamp":"2026-01-03T10:00:00Z"}""");
        await SendAsync(writer, "/v1/page", """{"anonymousId":"d-1","name":"Pricing","messageId":"a4","timestamp":"2026-01-04T10:00:00Z"}""");

        cache.Hits.ShouldBe(hits + 3);
        var customers = await app.QueryAsync(ws, db => db.Events.Select(e => e.CustomerId).Distinct().ToListAsync());
        customers.ShouldHaveSingleItem();
        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(1);
    }

    [Fact]
    public async Task An_identity_moved_by_someone_else_is_followed_by_the_next_batch()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        await SendAsync(writer, "/v1/identify", """{"userId":"u-1","messageId":"b1","timestamp":"2026-01-01T10:00:00Z"}""");
        await SendAsync(writer, "/v1/identify", """{"userId":"u-2","messageId":"b2","timestamp":"2026-01-01T11:00:00Z"}""");
        var second = await app.QueryAsync(ws, db => db.Identities.Where(i => i.Value == "u-2").Select(i => i.CustomerId).SingleAsync());

        // As another app node, a script or a support tool would: straight into the database.
        await ExecuteAsync("UPDATE customer_identities SET customer_id = $1 WHERE workspace_id = $2 AND value = 'u-1'", second, ws);
        await SendAsync(writer, "/v1/track", """{"userId":"u-1","event":"Paid","messageId":"b3","timestamp":"2026-01-02T10:00:00Z"}""");

        (await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId == "b3").Select(e => e.CustomerId).SingleAsync())).ShouldBe(second);
    }

    [Fact]
    public async Task After_a_merge_the_merged_customers_identities_lead_to_the_survivor()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        await SendAsync(writer, "/v1/identify", """{"userId":"u-7","traits":{"email":"kim@example.com"},"messageId":"e1","timestamp":"2026-01-01T10:00:00Z"}""");
        await SendAsync(writer, "/v1/page", """{"anonymousId":"device-7","name":"Pricing","messageId":"e2","timestamp":"2026-01-02T10:00:00Z"}""");
        var survivor = await app.QueryAsync(ws, db => db.Identities.Where(i => i.Value == "u-7").Select(i => i.CustomerId).SingleAsync());

        await SendAsync(writer, "/v1/alias", """{"previousId":"device-7","userId":"u-7","messageId":"e3","timestamp":"2026-01-03T10:00:00Z"}""");
        await SendAsync(writer, "/v1/page", """{"anonymousId":"device-7","name":"Checkout","messageId":"e4","timestamp":"2026-01-04T10:00:00Z"}""");

        (await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId == "e4").Select(e => e.CustomerId).SingleAsync())).ShouldBe(survivor);
        (await app.QueryAsync(ws, db => db.Events.Select(e => e.CustomerId).Distinct().ToListAsync())).ShouldBe([survivor]);
    }

    [Fact]
    public async Task Consent_set_through_the_api_survives_the_next_batch_for_that_customer()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        using var admin = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Admin)).Key);
        await SendAsync(writer, "/v1/identify", """{"userId":"u-1","traits":{"name":"Ann"},"messageId":"c1","timestamp":"2026-01-01T10:00:00Z"}""");
        var id = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());

        (await admin.PutAsJsonAsync(Url($"/api/customers/{id}/consent"), new { purposes = new { marketing_email = true } })).EnsureSuccessStatusCode();
        await SendAsync(writer, "/v1/identify", """{"userId":"u-1","traits":{"plan":"pro"},"messageId":"c2","timestamp":"2026-01-02T10:00:00Z"}""");

        var profile = (await admin.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{id}")))!;
        profile.Consent["marketing_email"].Granted.ShouldBeTrue();
        profile.Traits["plan"].GetString().ShouldBe("pro");
        profile.Traits["name"].GetString().ShouldBe("Ann");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task While_a_group_holds_the_workspace_a_change_that_skips_the_lock_waits_for_its_commit(bool counted)
    {
        var ws = await app.CreateWorkspaceAsync();
        if (counted)
        {
            await SendAsync(await app.IngestClientAsync(ws), "/v1/identify", """{"userId":"u-1","messageId":"w1","timestamp":"2026-01-01T10:00:00Z"}""");
        }

        // A group's transaction, as ingestion opens it: the workspace lock and the counter read.
        await using var group = new NpgsqlConnection(app.Storage.PostgresConnectionString);
        await group.OpenAsync();
        await using var tx = await group.BeginTransactionAsync();
        var before = await IngestionService.LockWorkspaceAsync(group, tx, ws, CancellationToken.None);
        before.ShouldBe(await VersionAsync(ws));

        // A script that does not take the advisory lock adds a customer meanwhile.
        var change = ExecuteAsync("INSERT INTO customers (workspace_id, id, first_seen_at, last_seen_at, created_at, updated_at) VALUES ($1, $2, now(), now(), now(), now())", ws, Guid.CreateVersion7());
        await using (var observer = new NpgsqlConnection(app.Storage.PostgresConnectionString))
        {
            await observer.OpenAsync();
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()", observer);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((long)(await waiting.ExecuteScalarAsync())! == 0)
            {
                change.IsCompleted.ShouldBeFalse("the change went ahead while a group held the workspace");
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the change never waited for the group");
                await Task.Delay(20);
            }
        }

        change.IsCompleted.ShouldBeFalse();
        await tx.CommitAsync();
        await change;
        (await VersionAsync(ws)).ShouldBe(before + 1);
    }

    [Fact]
    public async Task Every_kind_of_change_to_customers_or_identities_moves_the_workspace_counter()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        await SendAsync(writer, "/v1/identify", """{"userId":"u-1","messageId":"d1","timestamp":"2026-01-01T10:00:00Z"}""");
        var customer = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());
        var other = await app.CreateWorkspaceAsync();
        var version = await VersionAsync(ws);
        version.ShouldBeGreaterThan(0);
        var otherVersion = await VersionAsync(other);

        async Task Moves(string sql, params object[] values)
        {
            await ExecuteAsync(sql, values);
            var now = await VersionAsync(ws);
            now.ShouldBe(version + 1, sql);
            version = now;
        }

        await Moves("UPDATE customers SET name = 'Ann' WHERE workspace_id = $1", ws);
        await Moves("INSERT INTO customer_identities (workspace_id, id, customer_id, kind, source, value, first_seen_at) VALUES ($1, $2, $3, 'email', '', 'ann@example.com', now())", ws, Guid.CreateVersion7(), customer);
        await Moves("UPDATE customer_identities SET first_seen_at = now() WHERE workspace_id = $1", ws);
        await Moves("DELETE FROM customer_identities WHERE workspace_id = $1 AND value = 'ann@example.com'", ws);
        var extra = Guid.CreateVersion7();
        await Moves("INSERT INTO customers (workspace_id, id, first_seen_at, last_seen_at, created_at, updated_at) VALUES ($1, $2, now(), now(), now(), now())", ws, extra);
        await Moves("DELETE FROM customers WHERE workspace_id = $1 AND id = $2", ws, extra);
        (await VersionAsync(other)).ShouldBe(otherVersion);

        // TRUNCATE names no rows: every workspace's counter moves (rolled back here, the tables are shared).
        await using var connection = new NpgsqlConnection(app.Storage.PostgresConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var truncate = new NpgsqlCommand("TRUNCATE customer_identities", connection, tx))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        await using var read = new NpgsqlCommand("SELECT workspace_id, version FROM workspace_versions WHERE workspace_id IN ($1, $2)", connection, tx) { Parameters = { new() { Value = ws }, new() { Value = other } } };
        var after = new Dictionary<Guid, long>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                after[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }

        after[ws].ShouldBe(version + 1);
        after[other].ShouldBe(otherVersion + 1);
        await tx.RollbackAsync();
    }
}
