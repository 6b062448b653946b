using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Cli;

/// <summary><c>obsess import events --bulk auto|on|off</c> on the embedded SQLite database of a temporary data folder.</summary>
public sealed class ImportEventsCommandTests
{
    private static string File(int from) => "customer_id,email,event,timestamp,message_id\n" + string.Concat(Enumerable.Range(from, 3)
        .Select(i => $"c{i},p{i}@example.com,Viewed,2026-01-0{i % 9 + 1}T09:00:00Z,m-{i}\n"));

    private static async Task<List<string>> IndexesAsync(string dir)
    {
        await using var db = TestDb.Open(new Storage(dir, null));
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('customers', 'customer_identities', 'events') ORDER BY name";
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    [Fact]
    public async Task Bulk_off_and_on_are_honoured_and_auto_leaves_a_small_import_to_the_indexed_tables()
    {
        var dir = CliRunner.TempDir();
        try
        {
            var paths = new[] { 1, 4, 7 }.Select(from => Path.Combine(dir, $"events-{from}.csv")).ToArray();
            for (var i = 0; i < paths.Length; i++)
            {
                await System.IO.File.WriteAllTextAsync(paths[i], File(1 + 3 * i));
            }

            var off = await CliRunner.RunAsync("import", "events", paths[0], "--bulk", "off", "--data-dir", dir);
            var before = await IndexesAsync(dir);
            var on = await CliRunner.RunAsync("import", "events", paths[1], "--bulk", "on", "--data-dir", dir);
            var auto = await CliRunner.RunAsync("import", "events", paths[2], "--data-dir", dir);
            var wrong = await CliRunner.RunAsync("import", "events", paths[2], "--bulk", "sometimes", "--data-dir", dir);

            off.ExitCode.ShouldBe(0, off.Error);
            off.Out.ShouldContain("Bulk load off (--bulk off): rows written into the indexed tables.");
            on.ExitCode.ShouldBe(0, on.Error);
            on.Out.ShouldContain("Bulk load (--bulk on): customers, customer_identities, events written without their secondary indexes");
            on.Out.ShouldContain("3 events");
            auto.ExitCode.ShouldBe(0, auto.Error);
            auto.Out.ShouldContain("Bulk load not used (--bulk auto)");
            wrong.ExitCode.ShouldNotBe(0);
            before.ShouldContain(i => i.StartsWith("ix_events_workspace_id_message_id: CREATE UNIQUE INDEX", StringComparison.Ordinal));
            (await IndexesAsync(dir)).ShouldBe(before);
            await using var db = TestDb.Open(new Storage(dir, null));
            var ws = await db.Workspaces.Select(w => w.Id).SingleAsync();
            await using var scoped = TestDb.Open(new Storage(dir, null), ws);
            (await scoped.Events.CountAsync()).ShouldBe(9);
            (await scoped.Customers.CountAsync()).ShouldBe(9);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
