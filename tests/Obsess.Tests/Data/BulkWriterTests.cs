using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Customers;
using Obsess.Features.Demo;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Data;

/// <summary>
/// The bulk writer's typed columns (<see cref="BulkColumn{T}.Of{TValue}"/>) store every value exactly as the boxed
/// ones did, on each engine: the same rows written both ways into two workspaces read back equal, and equal to
/// what was written.
/// </summary>
public abstract class BulkWriterTests(ObsessAppFixture app)
{
    // Microsecond times: PostgreSQL keeps microseconds, so these read back as they were written on both engines.
    private static readonly DateTime Seen = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1_234_560);

    private static BulkColumn<T>[] Boxed<T>(BulkColumn<T>[] columns) => [.. columns.Select(c => new BulkColumn<T>(c.Name, c.Value))];

    private async Task<Guid> WriteAsync(bool typed, int events, bool eventsAsTheyCome = false)
    {
        var ws = await app.CreateWorkspaceAsync();
        Guid Id(int n) => new($"{n:x8}-0000-7000-8000-{ws.ToString()[24..]}");
        Customer[] customers =
        [
            new() { WorkspaceId = ws, Id = Id(1), Name = "Zoë \"Q\" O'Neil\tTab", Email = "zoe@example.com", Phone = "+14155550100", Traits = """{"plan":"pro","n":1.5}""", Consent = """{"email":true}""", FirstSeenAt = Seen, LastSeenAt = Seen.AddDays(3), CreatedAt = Seen.AddHours(1), UpdatedAt = Seen.AddHours(2) },
            new() { WorkspaceId = ws, Id = Id(2), FirstSeenAt = Seen.AddTicks(10), LastSeenAt = DateTime.MaxValue, CreatedAt = Seen, UpdatedAt = Seen },
        ];
        CustomerIdentity[] identities =
        [
            new() { WorkspaceId = ws, Id = Id(3), CustomerId = Id(1), Kind = IdentityKinds.Email, Source = "", Value = "zoe@example.com", FirstSeenAt = Seen },
            new() { WorkspaceId = ws, Id = Id(4), CustomerId = Id(2), Kind = IdentityKinds.External, Source = "crm", Value = "c-ünï", FirstSeenAt = Seen.AddTicks(-10) },
            // Before PostgreSQL's epoch (2000), with ticks below its microsecond: PostgreSQL drops them toward 2000
            // (Npgsql's encoding, which the binary COPY path repeats), SQLite keeps them.
            new() { WorkspaceId = ws, Id = Id(8), CustomerId = Id(2), Kind = IdentityKinds.Anonymous, Source = "crm", Value = "🙂 a\u0001b", FirstSeenAt = Seen.AddYears(-40).AddTicks(7) },
        ];
        Order[] orders =
        [
            new() { WorkspaceId = ws, Id = Id(5), CustomerId = Id(1), Source = "crm", ExternalId = "o1", Channel = "web", OrderedAt = Seen, Amount = 19.99m, Currency = "EUR", Items = 2 },
            new() { WorkspaceId = ws, Id = Id(6), CustomerId = Id(2), Source = "crm", ExternalId = "o2", Channel = "import", OrderedAt = Seen.AddYears(-30), Amount = 0m, Items = 0 },
            new() { WorkspaceId = ws, Id = Id(7), CustomerId = Id(2), Source = "crm", ExternalId = "o3", Channel = "pos", OrderedAt = Seen, Amount = 999_999_999.99m, Items = int.MaxValue },
        ];
        var eventRows = Enumerable.Range(0, events).Select(n => new CustomerEvent
        {
            WorkspaceId = ws,
            Id = Id(100 + n),
            CustomerId = Id(1 + n % 2),
            Type = "track",
            Name = $"Viewed {n}",
            Source = "crm",
            Channel = "web",
            OccurredAt = Seen.AddSeconds(n),
            // Longer than the binary COPY's 64 KiB writes, and text of two, three and four UTF-8 bytes a character.
            Properties = n == 7 ? $$"""{"note":"{{string.Concat(Enumerable.Repeat("é€🙂", 20_000))}}"}""" : n % 2 == 0 ? "{}" : $$"""{"sku":"S-{{n}}","price":1.25}""",
            MessageId = $"m-{n}",
        }).ToList();

        await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var connection = db.Database.GetDbConnection();
            var transaction = tx.GetDbTransaction();
            await BulkWriter.WriteAsync(connection, transaction, "customers", typed ? DemoLoader.CustomerColumns : Boxed(DemoLoader.CustomerColumns), customers);
            await BulkWriter.WriteAsync(connection, transaction, "customer_identities", typed ? DemoLoader.IdentityColumns : Boxed(DemoLoader.IdentityColumns), identities);
            await BulkWriter.WriteAsync(connection, transaction, "orders", typed ? DemoLoader.OrderColumns : Boxed(DemoLoader.OrderColumns), orders);
            if (eventsAsTheyCome)
            {
                (await BulkWriter.WriteAsync(connection, "events", DemoLoader.EventColumns, eventRows.ToAsyncEnumerable())).ShouldBe(events);
            }
            else
            {
                await BulkWriter.WriteAsync(connection, transaction, "events", typed ? DemoLoader.EventColumns : Boxed(DemoLoader.EventColumns), eventRows);
            }

            await tx.CommitAsync();
            return 0;
        });
        return ws;
    }

    /// <summary>Every stored value, with the workspace's own id and its suffix in the row ids taken out.</summary>
    private Task<List<string>> StoredAsync(Guid ws) =>
        app.QueryAsync(ws, async db =>
        {
            var rows = new List<string>();
            rows.AddRange((await db.Customers.AsNoTracking().OrderBy(c => c.Id).ToListAsync()).Select(c =>
                $"customer {c.WorkspaceId == ws} {c.Id} {c.Name}|{c.Email}|{c.Phone}|{c.Traits}|{c.Consent}|{c.FirstSeenAt:yyyy-MM-ddTHH:mm:ss.fffffff}|{c.LastSeenAt:yyyy-MM-ddTHH:mm:ss.fffffff}|{c.CreatedAt:yyyy-MM-ddTHH:mm:ss.fffffff}|{c.UpdatedAt:yyyy-MM-ddTHH:mm:ss.fffffff}"));
            rows.AddRange((await db.Identities.AsNoTracking().OrderBy(i => i.Id).ToListAsync()).Select(i =>
                $"identity {i.WorkspaceId == ws} {i.Id} {i.CustomerId} {i.Kind}|{i.Source}|{i.Value}|{i.FirstSeenAt:yyyy-MM-ddTHH:mm:ss.fffffff}"));
            rows.AddRange((await db.Orders.AsNoTracking().OrderBy(o => o.Id).ToListAsync()).Select(o =>
                $"order {o.WorkspaceId == ws} {o.Id} {o.CustomerId} {o.Source}|{o.ExternalId}|{o.Channel}|{o.OrderedAt:yyyy-MM-ddTHH:mm:ss.fffffff}|{o.Amount:0.00##}|{o.Currency}|{o.Items}"));
            rows.AddRange((await db.Events.AsNoTracking().OrderBy(e => e.Id).ToListAsync()).Select(e =>
                $"event {e.WorkspaceId == ws} {e.Id} {e.CustomerId} {e.Type}|{e.Name}|{e.Source}|{e.Channel}|{e.OccurredAt:yyyy-MM-ddTHH:mm:ss.fffffff}|{e.Properties}|{e.MessageId}"));
            return rows.Select(r => r.Replace(ws.ToString()[24..], "<ws>", StringComparison.Ordinal)).ToList();
        });

    [Theory]
    [InlineData(1)]
    [InlineData(1_500)]
    public async Task Typed_columns_store_every_value_as_the_boxed_ones_do(int events)
    {
        var typed = await StoredAsync(await WriteAsync(typed: true, events));
        var boxed = await StoredAsync(await WriteAsync(typed: false, events));

        typed.ShouldBe(boxed);
        typed.Count.ShouldBe(2 + 3 + 3 + events);
        typed.ShouldAllBe(r => r.Split(' ', 4)[1] == "True");
        typed[0].ShouldBe($"customer True 00000001-0000-7000-8000-<ws> Zoë \"Q\" O'Neil\tTab|zoe@example.com|+14155550100|{{\"plan\":\"pro\",\"n\":1.5}}|{{\"email\":true}}|2026-03-04T05:06:07.1234560|2026-03-07T05:06:07.1234560|2026-03-04T06:06:07.1234560|2026-03-04T07:06:07.1234560");
        typed[1].ShouldBe("customer True 00000002-0000-7000-8000-<ws> |||{}|{}|2026-03-04T05:06:07.1234570|9999-12-31T23:59:59.9999999|2026-03-04T05:06:07.1234560|2026-03-04T05:06:07.1234560");
        typed[3].ShouldBe("identity True 00000004-0000-7000-8000-<ws> 00000002-0000-7000-8000-<ws> external|crm|c-ünï|2026-03-04T05:06:07.1234550");
        typed[4].ShouldBe($"identity True 00000008-0000-7000-8000-<ws> 00000002-0000-7000-8000-<ws> anonymous|crm|🙂 a\u0001b|1986-03-04T05:06:07.{(this is BulkWriterTests_on_postgres ? "1234570" : "1234567")}");
        typed[5].ShouldBe("order True 00000005-0000-7000-8000-<ws> 00000001-0000-7000-8000-<ws> crm|o1|web|2026-03-04T05:06:07.1234560|19.99|EUR|2");
        typed[6].ShouldBe("order True 00000006-0000-7000-8000-<ws> 00000002-0000-7000-8000-<ws> crm|o2|import|1996-03-04T05:06:07.1234560|0.00|USD|0");
        typed[7].ShouldBe($"order True 00000007-0000-7000-8000-<ws> 00000002-0000-7000-8000-<ws> crm|o3|pos|2026-03-04T05:06:07.1234560|999999999.99|USD|{int.MaxValue}");
        typed[^1].ShouldBe(events == 1
            ? "event True 00000064-0000-7000-8000-<ws> 00000001-0000-7000-8000-<ws> track|Viewed 0|crm|web|2026-03-04T05:06:07.1234560|{}|m-0"
            : "event True 0000063f-0000-7000-8000-<ws> 00000002-0000-7000-8000-<ws> track|Viewed 1499|crm|web|2026-03-04T05:31:06.1234560|{\"sku\":\"S-1499\",\"price\":1.25}|m-1499");
        typed.ShouldContain(r => r.Length > 80_000, events > 7 ? 1 : 0);
    }

    [Fact]
    public async Task Rows_written_as_they_come_are_stored_as_the_boxed_ones_are()
    {
        var streamed = await StoredAsync(await WriteAsync(typed: true, 1_500, eventsAsTheyCome: true));
        var boxed = await StoredAsync(await WriteAsync(typed: false, 1_500));

        streamed.ShouldBe(boxed);
        streamed.Count(r => r.StartsWith("event True ", StringComparison.Ordinal)).ShouldBe(1_500);
    }

    [Fact]
    public async Task A_row_the_table_refuses_fails_the_write_and_nothing_of_it_is_stored()
    {
        var ws = await app.CreateWorkspaceAsync();
        var id = Guid.CreateVersion7();
        CustomerEvent Event(string messageId) => new() { WorkspaceId = ws, Id = id, CustomerId = id, Type = "track", Name = "Viewed", Source = "crm", Channel = "web", OccurredAt = Seen, MessageId = messageId };

        // The second row repeats the first one's primary key.
        await Should.ThrowAsync<System.Data.Common.DbException>(() => app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            await using var tx = await db.Database.BeginTransactionAsync();
            await BulkWriter.WriteAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), "events", DemoLoader.EventColumns, [Event("m-1"), Event("m-2")]);
            await tx.CommitAsync();
            return 0;
        }));

        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(0);
        // The pool's connection is whole again: the same workspace takes a valid write.
        (await StoredAsync(await WriteAsync(typed: true, events: 1))).Count.ShouldBe(2 + 3 + 3 + 1);
    }
}

public sealed class BulkWriterTests_on_sqlite(SqliteAppFixture app) : BulkWriterTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class BulkWriterTests_on_postgres(PostgresAppFixture app) : BulkWriterTests(app), IClassFixture<PostgresAppFixture>;
