using Microsoft.Data.Sqlite;

namespace Obsess.Data;

/// <summary>
/// Moves committed pages from SQLite's write-ahead log into the database file once a second, on its own connection,
/// so that writers do not have to. Left to SQLite, the checkpoint runs inside the commit that grows the log past
/// <c>wal_autocheckpoint</c> pages, while every other writer waits for the write lock. A passive checkpoint never
/// blocks a writer or a reader (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html), and it only copies pages that
/// are already durable in the log, so durability does not change. Writers keep a high <c>wal_autocheckpoint</c> as a
/// backstop for when this job does not run (a command-line run, or tests without background jobs).
/// </summary>
internal sealed class SqliteCheckpointer(Storage storage, ILogger<SqliteCheckpointer> log, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not pooled: this connection lives as long as the job.
        await using var connection = new SqliteConnection($"Data Source={storage.SqlitePath};Default Timeout=30;Pooling=False");
        try
        {
            await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(Interval, clock);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await CheckpointAsync(connection, stoppingToken).ConfigureAwait(false);
                }
                catch (SqliteException e)
                {
                    // A busy database or a transient I/O error: the next tick (or a writer's backstop) tries again.
                    log.LogWarning(e, "SQLite checkpoint failed; trying again in {Interval}", Interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One passive checkpoint: whether it was kept from finishing, the log's frames, and how many of them are now in the database file.</summary>
    internal static async Task<(bool Busy, int LogFrames, int Checkpointed)> CheckpointAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return (reader.GetInt32(0) != 0, reader.GetInt32(1), reader.GetInt32(2));
    }
}
