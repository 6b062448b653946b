using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace Obsess.Data;

/// <summary>One versioned schema change, as SQL for one engine.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies the versioned SQL scripts in Data/Migrations/{sqlite,postgres} in order, each in its own transaction,
/// and records each in schema_migrations. EF Core's design-time tools are not used: the scripts are written by
/// hand, which also keeps them readable for a DBA. Safe to run from several app nodes at once: PostgreSQL takes
/// an advisory lock, SQLite takes its write lock before it re-reads the version.
/// </summary>
public static partial class Migrator
{
    // Any constant works; it only has to be the same on every node.
    private const long PostgresLockKey = 7_160_421_337;

    public static IReadOnlyList<Migration> Scripts(bool sqlite)
    {
        var prefix = sqlite ? "migrations/sqlite/" : "migrations/postgres/";
        var assembly = typeof(Migrator).Assembly;
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var match = ScriptName().Match(file);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Migration script '{file}' must be named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migration versions must run 1, 2, 3… without gaps; found {list[i].Version} at position {i + 1}.");
            }
        }

        return list;
    }

    public static int LatestVersion(bool sqlite) => Scripts(sqlite).Count;

    /// <summary>Brings the schema up to <paramref name="targetVersion"/> (default: the latest). Returns the versions applied.</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(ObsessDb db, int? targetVersion = null, CancellationToken ct = default)
    {
        var sqlite = db.IsSqlite;
        var scripts = Scripts(sqlite);
        var target = targetVersion ?? scripts.Count;
        var applied = new List<int>();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            if (sqlite)
            {
                await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", ct).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({PostgresLockKey})", ct).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, null, sqlite
                ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                : "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)", ct).ConfigureAwait(false);

            foreach (var script in scripts.Where(s => s.Version <= target))
            {
                await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                if (sqlite)
                {
                    // Take the write lock before reading the version, so two processes cannot both apply it.
                    await ExecuteAsync(connection, tx, "DELETE FROM schema_migrations WHERE version < 0", ct).ConfigureAwait(false);
                }

                if (await CurrentVersionAsync(connection, tx, ct).ConfigureAwait(false) >= script.Version)
                {
                    continue;
                }

                try
                {
                    await ExecuteAsync(connection, tx, script.Sql, ct).ConfigureAwait(false);
                }
                catch (DbException e)
                {
                    throw new InvalidOperationException($"Migration {script.Version} ({script.Name}) failed and was rolled back: {e.Message}", e);
                }

                await using (var record = connection.CreateCommand())
                {
                    record.Transaction = tx;
                    record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)";
                    AddParameter(record, "@v", script.Version);
                    AddParameter(record, "@n", script.Name);
                    AddParameter(record, "@t", sqlite ? DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : DateTime.UtcNow);
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
                applied.Add(script.Version);
            }

            if (!sqlite)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresLockKey})", ct).ConfigureAwait(false);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return applied;
    }

    public static async Task<int> CurrentVersionAsync(ObsessDb db, CancellationToken ct = default)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            await using var exists = connection.CreateCommand();
            exists.CommandText = db.IsSqlite
                ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                : "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'";
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return 0;
            }

            return await CurrentVersionAsync(connection, null, ct).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction? tx, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations";
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex ScriptName();
}
