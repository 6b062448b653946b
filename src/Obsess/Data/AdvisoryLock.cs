using Microsoft.EntityFrameworkCore;

namespace Obsess.Data;

/// <summary>
/// A named lock shared by every app node, for background work that one node at a time should do. PostgreSQL: a session
/// advisory lock on the context's (kept-open) connection, released by <see cref="ReleaseAsync"/> or when the
/// connection closes. SQLite is a single-node store, so the lock is always granted.
/// </summary>
public static class AdvisoryLock
{
    public static async Task<bool> TryAcquireAsync(ObsessDb db, string name, CancellationToken ct = default)
    {
        if (db.IsSqlite)
        {
            return true;
        }

        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock(hashtext({name})) AS \"Value\"").SingleAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Serialises, until the current transaction ends, everything that reads then writes the workspace's customers or
    /// identities: ingestion, the imports, merges and splits, consent changes. PostgreSQL: a transaction-scoped
    /// advisory lock keyed by the workspace id (the key ingestion takes, <c>IngestionService.LockWorkspaceAsync</c>).
    /// It also keeps the order of locks one way round: customer rows and the workspace's change counter
    /// (<c>workspace_versions</c>, schema 11) are locked only by holders of this lock, so two such writers never wait
    /// on each other's rows. SQLite: nothing to do, a transaction that writes already holds the database's write lock
    /// (Microsoft.Data.Sqlite begins them IMMEDIATE).
    /// </summary>
    public static Task LockCustomersAsync(ObsessDb db, CancellationToken ct = default) =>
        db.IsSqlite ? Task.CompletedTask : db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({db.CurrentWorkspaceId.ToString()}))", ct);

    public static async Task ReleaseAsync(ObsessDb db, string name)
    {
        if (!db.IsSqlite)
        {
            await db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock(hashtext({name})) AS \"Value\"").SingleAsync().ConfigureAwait(false);
        }
    }
}
