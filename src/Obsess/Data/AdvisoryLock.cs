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

    public static async Task ReleaseAsync(ObsessDb db, string name)
    {
        if (!db.IsSqlite)
        {
            await db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock(hashtext({name})) AS \"Value\"").SingleAsync().ConfigureAwait(false);
        }
    }
}
