using Microsoft.Data.Sqlite;
using Obsess.Data;

namespace Obsess.Tests.Unit;

/// <summary>The background checkpoint that keeps SQLite's log short so that writers do not checkpoint in their commits.</summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"obsess-ckpt-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task It_copies_every_committed_frame_without_waiting_for_an_open_write()
    {
        await using var writer = new SqliteConnection($"Data Source={_path};Pooling=False");
        await writer.OpenAsync();
        await Execute(writer, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        for (var i = 0; i < 20; i++)
        {
            await Execute(writer, $"INSERT INTO t (body) VALUES ('{new string('x', 3000)}')");
        }

        // A write in progress: it holds SQLite's write lock and has not committed.
        await using var open = (SqliteTransaction)await writer.BeginTransactionAsync();
        await using (var insert = writer.CreateCommand())
        {
            insert.Transaction = open;
            insert.CommandText = "INSERT INTO t (body) VALUES ('uncommitted')";
            await insert.ExecuteNonQueryAsync();
        }

        await using var checkpointer = new SqliteConnection($"Data Source={_path};Pooling=False;Default Timeout=1");
        await checkpointer.OpenAsync();
        var (busy, frames, copied) = await SqliteCheckpointer.CheckpointAsync(checkpointer, CancellationToken.None);

        busy.ShouldBeFalse();           // a passive checkpoint neither waits for nor is stopped by the writer
        frames.ShouldBeGreaterThan(20); // every committed insert wrote at least one page to the log
        copied.ShouldBe(frames);        // all of them are in the database file now, the open write notwithstanding
        await open.CommitAsync();
        await using var count = checkpointer.CreateCommand();
        count.CommandText = "SELECT count(*) FROM t";
        ((long)(await count.ExecuteScalarAsync())!).ShouldBe(21);
    }

    private static async Task Execute(SqliteConnection c, string sql)
    {
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(f);
        }
    }
}
