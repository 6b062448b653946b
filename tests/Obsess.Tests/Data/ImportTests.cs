using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
}

public sealed class ImportTests_on_sqlite(SqliteAppFixture app) : ImportTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ImportTests_on_postgres(PostgresAppFixture app) : ImportTests(app), IClassFixture<PostgresAppFixture>;
