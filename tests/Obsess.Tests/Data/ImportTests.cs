using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Customers;
using Obsess.Features.Import;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Data;

/// <summary>Bulk import through <see cref="ImportService"/> on each engine: all or nothing, and idempotent.</summary>
public abstract class ImportTests(ObsessAppFixture app)
{
    private const string Customers = """
        id,name,email,phone,plan
        c1,Ann Lee,ann@example.com,(415) 555-0100,pro
        c2,Bob Ray,BOB@example.com,,free
        c3,Cy Doe,,+44 20 7946 0000,pro
        """;

    private const string Orders = """
        {"order_id":"o1","customer_id":"c1","ordered_at":"2026-01-05","amount":"19.99","items":2}
        {"order_id":"o2","email":"bob@example.com","ordered_at":"2026-02-05T10:00:00Z","amount":5}
        {"order_id":"o3","phone":"+14155550100","ordered_at":"2026-03-05","amount":7.5}
        {"order_id":"o4","email":"new.person@example.com","ordered_at":"2026-03-06","amount":1}
        """;

    private Task<ImportResult> ImportAsync(Guid ws, ImportKind kind, string text, string format = "csv") =>
        app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<ImportService>()
            .ImportAsync(kind, ImportReader.Read(new StringReader(text), format, new Dictionary<string, string>()), "crm"));

    private Task<ImportResult> ImportAsync(Guid ws, string events, BulkMode bulk, Func<DbConnection, DbTransaction, CancellationToken, Task>? beforeIndexesRebuilt = null) =>
        app.InWorkspaceAsync(ws, sp =>
        {
            var service = sp.GetRequiredService<ImportService>();
            service.BeforeIndexesRebuilt = beforeIndexesRebuilt;
            return service.ImportAsync(ImportKind.Events, ImportReader.Read(new StringReader(events), "csv", new Dictionary<string, string>()), "crm", bulk: bulk);
        });

    private Task<(int Customers, int Identities, int Orders, int Events, string Fingerprint)> StateAsync(Guid ws) =>
        app.QueryAsync(ws, async db =>
        {
            var customers = await db.Customers.OrderBy(c => c.Email).ThenBy(c => c.Phone)
                .Select(c => $"{c.Name}|{c.Email}|{c.Phone}|{c.Traits}|{c.FirstSeenAt:o}|{c.LastSeenAt:o}|{c.UpdatedAt:o}").ToListAsync();
            return (customers.Count, await db.Identities.CountAsync(), await db.Orders.CountAsync(), await db.Events.CountAsync(), string.Join("\n", customers));
        });

    [Fact]
    public async Task Customers_and_orders_import_and_orders_find_their_customers_by_any_identity()
    {
        var ws = await app.CreateWorkspaceAsync();

        var customers = await ImportAsync(ws, ImportKind.Customers, Customers);
        var orders = await ImportAsync(ws, ImportKind.Orders, Orders, "jsonl");

        customers.Succeeded.ShouldBeTrue();
        (customers.NewCustomers, customers.NewIdentities).ShouldBe((3, 7));
        (orders.Orders, orders.NewCustomers).ShouldBe((4, 1));
        var ann = await app.QueryAsync(ws, db => db.Customers.SingleAsync(c => c.Email == "ann@example.com"));
        (await app.QueryAsync(ws, db => db.Orders.Where(o => o.CustomerId == ann.Id).Select(o => o.ExternalId).OrderBy(x => x).ToListAsync())).ShouldBe(["o1", "o3"]);
        // Ann came in without a date (first seen at the import); her orders say she has been buying since January.
        ann.FirstSeenAt.ShouldBe(new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc));
    }

    [Fact]
    public async Task Importing_the_same_files_again_changes_nothing()
    {
        var ws = await app.CreateWorkspaceAsync();
        await ImportAsync(ws, ImportKind.Customers, Customers);
        await ImportAsync(ws, ImportKind.Orders, Orders, "jsonl");
        var before = await StateAsync(ws);

        var again = await ImportAsync(ws, ImportKind.Customers, Customers);
        var ordersAgain = await ImportAsync(ws, ImportKind.Orders, Orders, "jsonl");

        (again.NewCustomers, again.UpdatedCustomers, again.NewIdentities).ShouldBe((0, 0, 0));
        (ordersAgain.Orders, ordersAgain.Skipped).ShouldBe((0, 4));
        (await StateAsync(ws)).ShouldBe(before);
    }

    [Fact]
    public async Task One_invalid_row_means_nothing_is_written_and_every_error_names_its_line()
    {
        var ws = await app.CreateWorkspaceAsync();
        const string file = """
            id,email,phone
            c1,ok@example.com,
            c2,not-an-email,
            null,x@example.com,
            c4,,123
            """;

        var result = await ImportAsync(ws, ImportKind.Customers, file);

        result.Succeeded.ShouldBeFalse();
        result.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(3, "email"), (4, "customer_id"), (5, "phone")]);
        (await StateAsync(ws)).Customers.ShouldBe(0);
    }

    [Fact]
    public async Task A_row_that_links_two_stored_customers_merges_them_and_keeps_this_imports_rows_with_the_survivor()
    {
        var ws = await app.CreateWorkspaceAsync();
        await ImportAsync(ws, ImportKind.Customers, "id,name,email\nc1,Ann Lee,ann@example.com\n");
        await ImportAsync(ws, ImportKind.Customers, "id,name\nc2,A. Lee\n");
        // In one file: the first row gives c2 a phone, the second says that phone is Ann's.
        const string orders = """
            order_id,customer_id,email,phone,ordered_at,amount
            o1,c2,,+14155550123,2026-01-01,10
            o2,,ann@example.com,+14155550123,2026-01-02,20
            """;

        var result = await ImportAsync(ws, ImportKind.Orders, orders);

        result.Merges.ShouldBe(1);
        var live = await app.QueryAsync(ws, db => db.Customers.Where(c => c.MergedIntoId == null).ToListAsync());
        var ann = live.ShouldHaveSingleItem();
        ann.Email.ShouldBe("ann@example.com");
        (await app.QueryAsync(ws, db => db.Identities.Where(i => i.CustomerId == ann.Id).Select(i => i.Value).OrderBy(v => v).ToListAsync()))
            .ShouldBe(["+14155550123", "ann@example.com", "c1", "c2"]);
        (await app.QueryAsync(ws, db => db.Orders.CountAsync(o => o.CustomerId == ann.Id))).ShouldBe(2);
    }

    [Fact]
    public async Task Events_import_once_even_without_message_ids()
    {
        var ws = await app.CreateWorkspaceAsync();
        const string file = """
            user_id,event,timestamp,plan
            u1,Signed up,2025-01-01T09:00:00Z,pro
            u1,Upgraded,2025-02-01T09:00:00Z,team
            u2,Signed up,2025-01-03T09:00:00Z,free
            """;

        (await ImportAsync(ws, ImportKind.Events, file)).Events.ShouldBe(3);
        (await ImportAsync(ws, ImportKind.Events, file)).Skipped.ShouldBe(3);
        (await StateAsync(ws)).ShouldBe((2, 2, 0, 3, (await StateAsync(ws)).Fingerprint));
    }

    [Fact]
    public async Task A_file_again_with_new_rows_stores_only_those_and_resolves_them_to_the_stored_customers()
    {
        var ws = await app.CreateWorkspaceAsync();
        // Ten pairs, each a customer with an e-mail (cN) and, next, one without (dN).
        var pairs = Enumerable.Range(0, 10).ToList();
        var first = "customer_id,email,phone,event,timestamp,message_id\n" + string.Concat(pairs.Select(n =>
            $"c{n},p{n}@example.com,,Signed up,2026-01-01T09:00:00Z,m-c{n}\nd{n},,,Signed up,2026-01-02T09:00:00Z,m-d{n}\n"));
        // The same rows again (skipped), then new ones: the first person by e-mail alone, with a phone not given before;
        // and each dN by its id stating pN's e-mail: two stored customers, so a merge into cN's, created first.
        var again = first + ",p0@example.com,+14155550100,Bought,2026-01-03T09:00:00Z,m-x\n" + string.Concat(pairs.Select(n =>
            $"d{n},p{n}@example.com,,Bought,2026-01-04T09:00:00Z,m-y{n}\n"));
        (await ImportAsync(ws, ImportKind.Events, first)).Events.ShouldBe(20);
        var born = await app.QueryAsync(ws, db => db.Identities.ToDictionaryAsync(i => i.Value, i => i.CustomerId));

        var result = await ImportAsync(ws, ImportKind.Events, again);

        (result.Events, result.Skipped, result.NewCustomers, result.NewIdentities, result.Merges).ShouldBe((11, 20, 0, 1, 10));
        var survivors = await app.QueryAsync(ws, db => db.Customers.Where(c => c.MergedIntoId == null).Select(c => c.Id).ToListAsync());
        survivors.ShouldBe(pairs.Select(n => born[$"c{n}"]), ignoreOrder: true);
        (await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId == "m-x" || e.MessageId == "m-c0" || e.MessageId == "m-d0")
            .Select(e => e.CustomerId).Distinct().ToListAsync())).ShouldBe([born["c0"]]);
        (await app.QueryAsync(ws, db => db.Identities.Where(i => i.Kind == "phone").Select(i => i.CustomerId).SingleAsync())).ShouldBe(born["c0"]);
    }

    [Fact]
    public async Task Events_of_a_customer_born_in_the_import_follow_it_when_a_later_row_merges_it_into_an_older_one()
    {
        var ws = await app.CreateWorkspaceAsync();
        // c1 is born first; Bob second, with more events than one chunk of pending events holds (8,192); the last
        // row says they are one person, so Bob's customer is merged into c1's, the older.
        var file = new System.Text.StringBuilder("customer_id,email,event,timestamp,message_id\nc1,,Signed up,2026-01-01T09:00:00Z,m-0\n");
        for (var i = 1; i <= 9_000; i++)
        {
            file.Append(System.Globalization.CultureInfo.InvariantCulture, $",bob@example.com,Viewed,2026-01-02T09:00:00Z,m-{i}\n");
        }

        file.Append("c1,bob@example.com,Bought,2026-01-03T09:00:00Z,m-9001\n");

        var result = await ImportAsync(ws, ImportKind.Events, file.ToString());

        (result.Events, result.NewCustomers, result.NewIdentities).ShouldBe((9_002, 1, 2));
        var customer = (await app.QueryAsync(ws, db => db.Customers.ToListAsync())).ShouldHaveSingleItem();
        (await app.QueryAsync(ws, db => db.Events.CountAsync(e => e.CustomerId == customer.Id))).ShouldBe(9_002);
        (await app.QueryAsync(ws, db => db.Identities.Where(i => i.CustomerId == customer.Id).Select(i => i.Value).OrderBy(v => v).ToListAsync()))
            .ShouldBe(["bob@example.com", "c1"]);
    }

    [Theory]
    [InlineData(BulkMode.On)]
    [InlineData(BulkMode.Off)]
    [InlineData(BulkMode.Auto)]
    public async Task Events_already_written_follow_their_customer_when_a_later_row_merges_it_twice(BulkMode bulk)
    {
        var ws = await app.CreateWorkspaceAsync();
        // Born in this order: c1's customer, a phone's, an anonymous id's; each of the last two with more events than
        // one chunk (8,192), so on PostgreSQL, where a first import writes its events while it reads (--bulk on and
        // off at once, auto from 10,000 events), most of them are in the database before the last two rows link the
        // three: the anonymous id's customer merges into the phone's, then the phone's into c1's, the oldest.
        var file = new System.Text.StringBuilder("customer_id,phone,anonymous_id,event,timestamp,message_id\nc1,,,Signed up,2026-01-01T09:00:00Z,m-0\n");
        for (var i = 1; i <= 18_000; i++)
        {
            file.Append(System.Globalization.CultureInfo.InvariantCulture, $"{(i <= 9_000 ? ",+14155550123," : $",,a-{i % 2}")},Viewed,2026-01-02T09:00:00Z,m-{i}\n");
        }

        file.Append(",+14155550123,a-0,Linked,2026-01-04T09:00:00Z,m-18001\n");
        file.Append("c1,+14155550123,,Bought,2026-01-05T09:00:00Z,m-18002\n");

        var result = await ImportAsync(ws, file.ToString(), bulk);

        (result.Events, result.NewCustomers, result.Merges).ShouldBe((18_003, 2, 0));
        var customers = await app.QueryAsync(ws, db => db.Customers.ToListAsync());
        customers.Count.ShouldBe(2);
        var c1 = await app.QueryAsync(ws, db => db.Identities.Where(i => i.Value == "c1").Select(i => i.CustomerId).SingleAsync());
        (await app.QueryAsync(ws, db => db.Identities.Where(i => i.CustomerId == c1).Select(i => i.Value).OrderBy(v => v).ToListAsync()))
            .ShouldBe(["+14155550123", "a-0", "c1"]);
        // a-1 was never linked: its customer keeps its own events; every other event is c1's.
        var a1 = await app.QueryAsync(ws, db => db.Identities.Where(i => i.Value == "a-1").Select(i => i.CustomerId).SingleAsync());
        (await app.QueryAsync(ws, db => db.Events.GroupBy(e => e.CustomerId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count)))
            .ShouldBe(new Dictionary<Guid, int> { [c1] = 18_003 - 4_500, [a1] = 4_500 }, ignoreOrder: true);
    }

    [Theory]
    [InlineData(BulkMode.On)]
    [InlineData(BulkMode.Off)]
    public async Task A_message_id_repeated_in_a_first_import_is_stored_once(BulkMode bulk)
    {
        var ws = await app.CreateWorkspaceAsync();

        var result = await ImportAsync(ws, Events + "\nc1,ann@example.com,,Viewed again,2026-01-07T09:00:00Z,m-1,web,SKU-1,10.50\n", bulk);

        (result.Events, result.Skipped).ShouldBe((6, 1));
        (await app.QueryAsync(ws, db => db.Events.Where(e => e.MessageId == "m-1").Select(e => e.Name).ToListAsync())).ShouldBe(["Viewed"]);
    }

    [Fact]
    public async Task A_bulk_import_whose_identities_name_a_missing_customer_fails_when_the_foreign_key_is_checked_and_writes_nothing()
    {
        var ws = await app.CreateWorkspaceAsync();
        var before = await IndexesAsync(ws);

        // An identity of no customer, written inside the import's transaction after its rows: on PostgreSQL the bulk
        // load checks the identities' foreign key once, after the write, so it is that check which must refuse it.
        var failure = await Should.ThrowAsync<DbException>(() => ImportAsync(ws, Events, BulkMode.On, (connection, transaction, ct) =>
            BulkWriter.WriteAsync(connection, transaction, "customer_identities", Features.Demo.DemoLoader.IdentityColumns,
                [new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = Guid.CreateVersion7(), Kind = IdentityKinds.Email, Source = "", Value = "ghost@example.com", FirstSeenAt = DateTime.UtcNow }],
                ct: ct)));

        failure.Message.ShouldContain("foreign key", Case.Insensitive, failure.Message);
        (await ContentAsync(ws)).ShouldBeEmpty();
        (await IndexesAsync(ws)).ShouldBe(before);
    }

    private const string Events = """
        customer_id,email,phone,event,timestamp,message_id,channel,sku,price
        c1,ann@example.com,,Viewed,2026-01-01T09:00:00Z,m-1,web,SKU-1,10.50
        c2,bob@example.com,+14155550100,Viewed,2026-01-02T09:00:00Z,m-2,ios,SKU-2,3
        c1,ann@example.com,,Bought,2026-01-03T09:00:00Z,m-3,web,SKU-1,10.50
        c3,cy@example.com,,Viewed,2026-01-04T09:00:00Z,m-4,,SKU-0042,
        ,bob@example.com,,Bought,2026-01-05T09:00:00Z,m-5,ios,SKU-2,3
        c2,,+14155550100,Returned,2026-01-06T09:00:00Z,m-6,web,SKU-2,-3
        """;

    private static readonly string[] WrittenTables = ["customers", "customer_identities", "orders", "events"];

    /// <summary>Every index and key of the tables an import writes, with its definition, as the catalog has it.</summary>
    private static async Task<List<string>> IndexesAsync(DbConnection connection, DbTransaction? transaction)
    {
        var tables = string.Join(", ", WrittenTables.Select(t => $"'{t}'"));
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = connection is SqliteConnection
            ? $"SELECT tbl_name || ': ' || name || ': ' || coalesce(sql, '(made by the table)') FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({tables})"
            : $"""
               SELECT tablename || ': ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({tables})
               UNION ALL
               SELECT conrelid::regclass::text || ': ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid IN (SELECT oid FROM pg_class WHERE relname IN ({tables}) AND relnamespace = current_schema()::regnamespace)
               """;
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetString(0));
        }

        return [.. found.Order(StringComparer.Ordinal)];
    }

    private Task<List<string>> IndexesAsync(Guid ws) => app.QueryAsync(ws, async db =>
    {
        await db.Database.OpenConnectionAsync();
        return await IndexesAsync(db.Database.GetDbConnection(), null);
    });

    /// <summary>What an events import wrote, with customers named by their e-mail (ids and write times differ between workspaces).</summary>
    private Task<List<string>> ContentAsync(Guid ws) => app.QueryAsync(ws, async db =>
    {
        var customers = await db.Customers.ToListAsync();
        var email = customers.ToDictionary(c => c.Id, c => c.Email ?? "?");
        var identities = await db.Identities.Select(i => new { i.CustomerId, i.Kind, i.Source, i.Value, i.FirstSeenAt }).ToListAsync();
        var events = await db.Events.Select(e => new { e.CustomerId, e.Type, e.Name, e.Source, e.Channel, e.OccurredAt, e.Properties, e.MessageId }).ToListAsync();
        return customers.Select(c => $"customer {c.Email} {c.Phone} {c.Name} {c.Traits} {c.FirstSeenAt:o} {c.LastSeenAt:o} {c.MergedIntoId is null}")
            .Concat(identities.Select(i => $"identity {email[i.CustomerId]} {i.Kind} {i.Source} {i.Value} {i.FirstSeenAt:o}"))
            .Concat(events.Select(e => $"event {email[e.CustomerId]} {e.Type} {e.Name} {e.Source} {e.Channel} {e.OccurredAt:o} {e.Properties} {e.MessageId}"))
            .Order(StringComparer.Ordinal).ToList();
    });

    [Fact]
    public async Task Bulk_mode_writes_the_same_rows_as_normal_mode_and_a_second_bulk_import_changes_nothing()
    {
        var normal = await app.CreateWorkspaceAsync();
        var bulk = await app.CreateWorkspaceAsync();

        var off = await ImportAsync(normal, Events, BulkMode.Off);
        var on = await ImportAsync(bulk, Events, BulkMode.On);
        var written = await ContentAsync(bulk);
        var again = await ImportAsync(bulk, Events, BulkMode.On);

        off.BulkTables.ShouldBeEmpty();
        on.BulkTables.ShouldBe(["customers", "customer_identities", "events"]);
        (on.NewCustomers, on.NewIdentities, on.Events).ShouldBe((off.NewCustomers, off.NewIdentities, off.Events));
        (on.NewCustomers, on.NewIdentities, on.Events).ShouldBe((3, 7, 6));
        written.ShouldBe(await ContentAsync(normal));
        written.Count.ShouldBe(3 + 7 + 6);
        (again.Events, again.Skipped, again.NewCustomers, again.BulkTables.Count).ShouldBe((0, 6, 0, 0));
        (await ContentAsync(bulk)).ShouldBe(written);
    }

    [Fact]
    public async Task A_bulk_import_drops_the_indexes_while_it_writes_and_rebuilds_each_as_it_was()
    {
        var ws = await app.CreateWorkspaceAsync();
        var before = await IndexesAsync(ws);
        List<string>? during = null;

        var result = await ImportAsync(ws, Events, BulkMode.On, async (connection, transaction, _) => during = await IndexesAsync(connection, transaction));

        result.Succeeded.ShouldBeTrue();
        before.ShouldContain(i => i.StartsWith("events: ix_events_workspace_id_message_id: CREATE UNIQUE INDEX", StringComparison.Ordinal));
        during.ShouldNotBeNull();
        during.ShouldNotContain(i => i.Contains(": ix_events_", StringComparison.Ordinal) || i.Contains(": ix_customer_identities_", StringComparison.Ordinal) || i.Contains(": ix_customers_", StringComparison.Ordinal));
        // Untouched: the orders table (no rows for it), and customers' primary key (foreign keys reference it).
        during.Where(i => i.StartsWith("orders: ", StringComparison.Ordinal)).ShouldBe(before.Where(i => i.StartsWith("orders: ", StringComparison.Ordinal)));
        during.ShouldContain(i => i.StartsWith("customers: ", StringComparison.Ordinal) && (i.Contains("pk_customers", StringComparison.Ordinal) || i.Contains("sqlite_autoindex_customers", StringComparison.Ordinal)));
        (await IndexesAsync(ws)).ShouldBe(before);
    }

    [Fact]
    public async Task A_bulk_import_with_an_invalid_row_writes_nothing_and_leaves_the_indexes()
    {
        var ws = await app.CreateWorkspaceAsync();
        var before = await IndexesAsync(ws);

        var result = await ImportAsync(ws, Events.Replace("2026-01-04T09:00:00Z", "the fourth", StringComparison.Ordinal), BulkMode.On);

        result.Succeeded.ShouldBeFalse();
        result.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(5, "timestamp")]);
        (await ContentAsync(ws)).ShouldBeEmpty();
        (await IndexesAsync(ws)).ShouldBe(before);
    }

    [Fact]
    public async Task A_duplicate_that_only_the_rebuilt_unique_index_catches_rolls_back_everything_and_keeps_the_indexes()
    {
        var ws = await app.CreateWorkspaceAsync();
        var before = await IndexesAsync(ws);

        // Another writer's event with one of the file's message ids, arriving after the import checked the stored ids:
        // written here inside the import's transaction, after its rows, where only the rebuilt unique index can see it.
        var failure = await Should.ThrowAsync<DbException>(() => ImportAsync(ws, Events, BulkMode.On, (connection, transaction, ct) =>
            BulkWriter.WriteAsync(connection, transaction, "events", Features.Demo.DemoLoader.EventColumns,
                [new CustomerEvent { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = Guid.CreateVersion7(), Type = "track", Name = "Elsewhere", Source = "api", Channel = "web", OccurredAt = DateTime.UtcNow, MessageId = "m-3" }],
                ct: ct)));

        failure.Message.ShouldContain("message_id", Case.Insensitive, failure.Message);
        (await ContentAsync(ws)).ShouldBeEmpty();
        (await IndexesAsync(ws)).ShouldBe(before);
        // And the tables are whole: the same file imports cleanly afterwards.
        (await ImportAsync(ws, Events, BulkMode.On)).Events.ShouldBe(6);
        (await IndexesAsync(ws)).ShouldBe(before);
    }
}

public sealed class ImportTests_on_sqlite(SqliteAppFixture app) : ImportTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ImportTests_on_postgres(PostgresAppFixture app) : ImportTests(app), IClassFixture<PostgresAppFixture>;
