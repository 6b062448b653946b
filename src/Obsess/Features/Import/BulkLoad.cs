using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace Obsess.Features.Import;

/// <summary><c>--bulk auto|on|off</c>: whether an import writes a table without its secondary indexes and rebuilds them before the commit.</summary>
public enum BulkMode
{
    Auto,
    On,
    Off,
}

/// <summary>An index (or a primary key) taken off a table for a bulk load, with the statements that drop and recreate it.</summary>
public sealed record DeferredIndex(string Table, string Name, string Drop, string Create);

/// <summary>
/// Bulk-load mode, as <c>pg_restore</c> does it: a large import writes a table without its secondary indexes and
/// then builds each index once from the loaded rows, which costs a sort per index instead of a random B-tree
/// insert per row and index (1M events into PostgreSQL: ~19 s into the indexed table, ~5 s loaded then indexed).
/// Everything happens inside the import's one transaction — both engines have transactional DDL — so the import
/// stays all or nothing: if anything fails, including a rebuilt unique index finding a duplicate, the rollback
/// brings the indexes back exactly as they were. The indexes are recreated from the catalog's own definitions
/// (<c>pg_indexes.indexdef</c>, <c>sqlite_master.sql</c>), read just before they are dropped, so they cannot drift
/// from what the migrations created.
/// <para>
/// What it costs: on PostgreSQL, <c>DROP INDEX</c> takes an ACCESS EXCLUSIVE lock on the table until the commit,
/// so every other reader and writer of that table — other workspaces included — waits for the rest of the import
/// (the write and the rebuild, seconds for a million rows). On SQLite there is one writer at a time anyway, and
/// readers in WAL mode keep reading the snapshot from before the import, indexes included, until it commits.
/// That is why <c>auto</c> bulk-loads a table only when the import writes at least <see cref="AutoMinimumRows"/>
/// rows to it and at least as many as the table already holds (all workspaces together): then the rebuild is
/// cheaper than the per-row inserts, and the lock is the price of a load that is mostly new data anyway.
/// </para>
/// </summary>
public static class BulkLoad
{
    public const int AutoMinimumRows = 10_000;

    /// <summary>The rule, for one table: <paramref name="held"/> is what the table holds, counted up to <paramref name="rows"/> + 1.</summary>
    public static bool Applies(BulkMode mode, long rows, long held) => mode switch
    {
        BulkMode.On => rows > 0,
        BulkMode.Off => false,
        _ => rows >= AutoMinimumRows && rows >= held,
    };

    /// <summary>How many rows the table holds, counting no further than <paramref name="limit"/> (a bounded cost on a huge table).</summary>
    public static async Task<long> RowsHeldAsync(DbConnection connection, DbTransaction transaction, string table, long limit, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"SELECT count(*) FROM (SELECT 1 FROM {Quote(table)} LIMIT {limit}) AS t");
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads the table's indexes from the catalog and drops them. Kept: on SQLite the primary key (it is part of the
    /// table); on PostgreSQL a primary key or unique constraint that a foreign key references (dropping it would
    /// take the foreign keys with it — <c>customers</c>' key is referenced by most tables), and exclusion constraints.
    /// A primary key that nothing references is dropped and added back like an index (ALTER TABLE … ADD CONSTRAINT).
    /// <para>
    /// PostgreSQL also drops the table's foreign keys to tables in <paramref name="locked"/> — tables whose indexes this
    /// transaction has already dropped, so it holds them exclusively anyway — and adds them back after the indexes, as
    /// <c>pg_restore</c> does: the key is then checked once for all rows, by one join, instead of by a look-up per row
    /// (1M events: the 199k identities' COPY took 1.1 s with the key, the customers' 0.22 s for half as many rows). A
    /// row that breaks it fails the import at that point, as it would have during the write. A key to a table this
    /// import does not lock stays: dropping or adding it locks the referenced table against writers until the commit.
    /// </para>
    /// </summary>
    public static async Task<IReadOnlyList<DeferredIndex>> DropAsync(
        DbConnection connection, DbTransaction transaction, bool sqlite, string table, CancellationToken ct, IReadOnlyCollection<string>? locked = null)
    {
        var deferred = new List<DeferredIndex>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            var name = command.CreateParameter();
            name.ParameterName = "@table";
            name.Value = table;
            command.Parameters.Add(name);
            command.CommandText = sqlite
                // Indexes SQLite made for a PRIMARY KEY or UNIQUE clause have no SQL and cannot be dropped.
                ? "SELECT name, sql, NULL, NULL FROM sqlite_master WHERE type = 'index' AND tbl_name = @table AND sql IS NOT NULL ORDER BY name"
                : """
                  SELECT i.indexname, i.indexdef, c.conname, pg_get_constraintdef(c.oid)
                  FROM pg_indexes i
                  LEFT JOIN pg_constraint c ON c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass
                      AND c.conrelid = format('%I.%I', i.schemaname, i.tablename)::regclass AND c.contype IN ('p', 'u', 'x')
                  WHERE i.schemaname = current_schema() AND i.tablename = @table
                      AND (c.oid IS NULL OR c.contype IN ('p', 'u') AND NOT EXISTS (
                          SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
                  ORDER BY i.indexname
                  """;
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var index = reader.GetString(0);
                var definition = reader.GetString(1);
                deferred.Add(reader.IsDBNull(2)
                    ? new DeferredIndex(table, index, $"DROP INDEX {Quote(index)}", definition)
                    : new DeferredIndex(table, reader.GetString(2), $"ALTER TABLE {Quote(table)} DROP CONSTRAINT {Quote(reader.GetString(2))}",
                        $"ALTER TABLE {Quote(table)} ADD CONSTRAINT {Quote(reader.GetString(2))} {reader.GetString(3)}"));
            }
        }

        if (!sqlite && locked is { Count: > 0 })
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                SELECT c.conname, pg_get_constraintdef(c.oid), r.relname
                FROM pg_constraint c
                JOIN pg_class t ON t.oid = c.conrelid AND t.relnamespace = current_schema()::regnamespace
                JOIN pg_class r ON r.oid = c.confrelid AND r.relnamespace = current_schema()::regnamespace
                WHERE c.contype = 'f' AND t.relname = @table
                ORDER BY c.conname
                """;
            var name = command.CreateParameter();
            name.ParameterName = "@table";
            name.Value = table;
            command.Parameters.Add(name);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var constraint = reader.GetString(0);
                if (locked.Contains(reader.GetString(2)))
                {
                    // After the table's indexes in the list, so it is added back once they are built.
                    deferred.Add(new DeferredIndex(table, constraint, $"ALTER TABLE {Quote(table)} DROP CONSTRAINT {Quote(constraint)}",
                        $"ALTER TABLE {Quote(table)} ADD CONSTRAINT {Quote(constraint)} {reader.GetString(1)}"));
                }
            }
        }

        foreach (var index in deferred)
        {
            await ExecuteAsync(connection, transaction, index.Drop, ct).ConfigureAwait(false);
        }

        return deferred;
    }

    /// <summary>Recreates what <see cref="DropAsync"/> dropped, with the catalog's definitions.</summary>
    public static async Task RestoreAsync(DbConnection connection, DbTransaction transaction, bool sqlite, IEnumerable<DeferredIndex> deferred, CancellationToken ct)
    {
        var indexes = deferred.ToList();
        if (indexes.Count == 0)
        {
            return;
        }

        if (!sqlite)
        {
            // The sort of each index build: PostgreSQL's default (64 MB) spills a million-row index to disk. This
            // transaction only.
            await ExecuteAsync(connection, transaction, "SET LOCAL maintenance_work_mem = '256MB'", ct).ConfigureAwait(false);
        }
        else
        {
            // SQLite sorts for CREATE INDEX on the calling thread alone unless given helper threads: with one, the
            // two cores share each build. Set back below, as the connection returns to the pool.
            await ExecuteAsync(connection, transaction, "PRAGMA threads = 1", ct).ConfigureAwait(false);
        }

        try
        {
            foreach (var index in indexes)
            {
                await ExecuteAsync(connection, transaction, index.Create, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (sqlite)
            {
                await ExecuteAsync(connection, transaction, "PRAGMA threads = 0", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// PostgreSQL: fresh statistics for tables that are mostly this load's rows, right after the commit (ANALYZE takes
    /// a SHARE UPDATE EXCLUSIVE lock, which blocks neither readers nor writers). Without them the
    /// planner keeps the empty table's picture until autovacuum's analyze comes round: a re-import of the same million
    /// events right after the first took 64 s instead of ~11 s (its message-id lookups planned as if the table were
    /// empty; main's import without bulk mode shows the same, 49 s). ANALYZE reads a sample (30,000 rows at the default
    /// statistics target), so it costs a fraction of a second. SQLite's planner keeps no statistics unless asked to
    /// (the app never runs ANALYZE there), so nothing is done on SQLite.
    /// </summary>
    public static async Task AnalyzeAsync(Data.ObsessDb db, IEnumerable<string> tables, CancellationToken ct)
    {
        if (db.IsSqlite)
        {
            return;
        }

        foreach (var table in tables)
        {
            // Through the context, which opens its connection again (it closed it after the commit).
            var analyze = "ANALYZE " + Quote(table); // a table name from the import's own list, quoted
            await db.Database.ExecuteSqlRawAsync(analyze, ct).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        // An index build on millions of rows outlasts the default 30 s command timeout on a slow machine.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
