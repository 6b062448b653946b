using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Audit;
using Obsess.Features.Customers;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Data;

/// <summary>The versioned SQL migrations, on each engine, against fresh databases of the fixture's server.</summary>
public abstract class MigrationTests(ObsessAppFixture app)
{
    private static readonly DateTime Created = new(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    [Fact]
    public async Task Rows_written_at_version_1_survive_the_upgrade_to_the_latest_schema()
    {
        var storage = await app.NewDatabaseAsync();
        var ws = Guid.CreateVersion7();
        var userId = Guid.CreateVersion7();
        var customerId = Guid.CreateVersion7();
        var orderId = Guid.CreateVersion7();
        var eventId = Guid.CreateVersion7();

        await using (var db = TestDb.Open(storage, ws))
        {
            (await Migrator.MigrateAsync(db, targetVersion: 1)).ShouldBe([1]);
            (await Migrator.CurrentVersionAsync(db)).ShouldBe(1);

            // Rows are written as version 1 knew them, in plain SQL: today's entities carry columns that version 1
            // does not have yet (the churn window, consent, merges).
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO workspaces (id, slug, name, default_region, currency, created_at) VALUES ({ws}, {"legacy"}, {"Legacy Ltd"}, {"GB"}, {"GBP"}, {Created})");
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO users (workspace_id, id, email, name, role, password_hash, created_at) VALUES ({ws}, {userId}, {"old@example.com"}, {"Old Admin"}, {Roles.Admin}, {"pbkdf2-sha256$1$AA==$AA=="}, {Created})");
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO customers (workspace_id, id, name, email, first_seen_at, last_seen_at, created_at, updated_at) VALUES ({ws}, {customerId}, {"Ada Legacy"}, {"ada@example.com"}, {Created}, {Created}, {Created}, {Created})");
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO orders (workspace_id, id, customer_id, source, external_id, channel, ordered_at, amount, currency, items) VALUES ({ws}, {orderId}, {customerId}, {"web_shop"}, {"WS-1"}, {"web"}, {Created}, {123.45m}, {"GBP"}, {2})");
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO events (workspace_id, id, customer_id, type, name, source, channel, occurred_at, properties, message_id) VALUES ({ws}, {eventId}, {customerId}, {"track"}, {"Order Completed"}, {"web_shop"}, {"web"}, {Created}, {"{\"total\":123.45}"}, {"m-1"})");
        }

        await using (var db = TestDb.Open(storage, ws))
        {
            var latest = Migrator.LatestVersion(db.IsSqlite);
            latest.ShouldBeGreaterThan(1);
            (await Migrator.MigrateAsync(db)).ShouldBe(Enumerable.Range(2, latest - 1).ToList());
            (await Migrator.CurrentVersionAsync(db)).ShouldBe(latest);
        }

        await using (var db = TestDb.Open(storage, ws))
        {
            var workspace = await db.Workspaces.SingleAsync();
            workspace.Id.ShouldBe(ws);
            workspace.Slug.ShouldBe("legacy");
            workspace.Currency.ShouldBe("GBP");
            workspace.CreatedAt.ShouldBe(Created);
            workspace.ChurnWindowDays.ShouldBe(180);

            var user = await db.Users.SingleAsync();
            (user.Id, user.Email, user.Role).ShouldBe((userId, "old@example.com", Roles.Admin));
            var customer = await db.Customers.SingleAsync();
            (customer.Id, customer.Name, customer.LastSeenAt).ShouldBe((customerId, "Ada Legacy", Created));
            (customer.Consent, customer.MergedIntoId).ShouldBe(("{}", (Guid?)null));
            var order = await db.Orders.SingleAsync();
            (order.Id, order.CustomerId, order.Amount, order.Items).ShouldBe((orderId, customerId, 123.45m, 2));

            // Version 9 rebuilds the events table on SQLite (dropping its foreign key): the row and its unique
            // message id survive, so a retry of the same message is still recognised.
            var e = await db.Events.SingleAsync();
            (e.Id, e.CustomerId, e.Name, e.OccurredAt, e.Properties, e.MessageId).ShouldBe((eventId, customerId, "Order Completed", Created, "{\"total\":123.45}", "m-1"));
            await Should.ThrowAsync<DbUpdateException>(async () =>
            {
                db.Events.Add(new CustomerEvent { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customerId, Type = "track", Name = "Again", Source = "web_shop", Channel = "web", OccurredAt = Created, MessageId = "m-1" });
                await db.SaveChangesAsync();
            });
            db.ChangeTracker.Clear();

            db.AuditLog.Add(new AuditEntry { WorkspaceId = ws, Id = Guid.CreateVersion7(), At = Created, Actor = "cli", Action = "test.migrated", Target = $"workspace:{ws}", Detail = "from version 1" });
            await db.SaveChangesAsync();
        }

        await using (var db = TestDb.Open(storage, ws))
        {
            var entry = await db.AuditLog.SingleAsync();
            (entry.Action, entry.Detail, entry.At).ShouldBe(("test.migrated", "from version 1", Created));
        }
    }

    [Fact]
    public async Task Migrating_an_up_to_date_database_again_changes_nothing()
    {
        var storage = await app.NewDatabaseAsync();
        await using var db = TestDb.Open(storage);
        var latest = Migrator.LatestVersion(db.IsSqlite);

        (await Migrator.MigrateAsync(db)).ShouldBe(Enumerable.Range(1, latest).ToList());
        (await Migrator.MigrateAsync(db)).ShouldBeEmpty();
        (await Migrator.CurrentVersionAsync(db)).ShouldBe(latest);
        (await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM schema_migrations").SingleAsync()).ShouldBe(latest);
    }

    [Fact]
    public async Task An_empty_database_is_at_version_0_and_a_target_stops_the_upgrade_there()
    {
        var storage = await app.NewDatabaseAsync();
        await using var db = TestDb.Open(storage);

        (await Migrator.CurrentVersionAsync(db)).ShouldBe(0);
        (await Migrator.MigrateAsync(db, targetVersion: 1)).ShouldBe([1]);
        (await Migrator.MigrateAsync(db, targetVersion: 1)).ShouldBeEmpty();
        (await Migrator.CurrentVersionAsync(db)).ShouldBe(1);
    }

    [Fact]
    public void Both_engines_have_the_same_migration_versions_and_names() =>
        Migrator.Scripts(sqlite: true).Select(s => (s.Version, s.Name))
            .ShouldBe(Migrator.Scripts(sqlite: false).Select(s => (s.Version, s.Name)));
}

public sealed class MigrationTests_on_sqlite(SqliteAppFixture app) : MigrationTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests_on_postgres(PostgresAppFixture app) : MigrationTests(app), IClassFixture<PostgresAppFixture>;
