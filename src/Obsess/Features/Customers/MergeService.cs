using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Customers;

public sealed record MergeView(Guid Id, Guid SurvivorId, Guid MergedId, string? MergedName, string Cause, DateTime At, DateTime? SplitAt, int Identities, int Orders, int Events);

public enum SplitOutcome
{
    Split,
    NotFound,
    NothingToSplit,
    AlreadySplit,
}

public sealed record SplitResult(SplitOutcome Outcome, Guid? RestoredCustomerId = null, string? Detail = null);

/// <summary>Merge history and the split that undoes a merge, moving back exactly what the merge moved.</summary>
public sealed class MergeService(ObsessDb db, TimeProvider clock)
{
    /// <summary>
    /// Every other table whose rows belong to a customer (a <c>customer_id</c> column next to <c>workspace_id</c> and
    /// <c>id</c>): a merge moves their rows to the survivor and a split moves exactly those rows back. A feature that
    /// adds such a table adds its name here. Constant names only: they are spliced into SQL.
    /// </summary>
    public static readonly IReadOnlyList<string> OwnedTables = ["texts", "feedback", "survey_responses", "survey_links", "followup_tasks", "invitations"];

    public async Task<List<MergeView>?> HistoryAsync(Guid customerId, CancellationToken ct = default)
    {
        if (!await db.Customers.AnyAsync(c => c.Id == customerId, ct).ConfigureAwait(false))
        {
            return null;
        }

        var merges = await db.Merges.AsNoTracking()
            .Where(m => m.SurvivorId == customerId || m.MergedId == customerId)
            .OrderByDescending(m => m.At).ToListAsync(ct).ConfigureAwait(false);
        return merges.Select(m =>
        {
            var s = JsonSerializer.Deserialize<MergeSnapshot>(m.Snapshot)!;
            return new MergeView(m.Id, m.SurvivorId, m.MergedId, s.Merged.Name, m.Cause, m.At, m.SplitAt, s.Identities.Count, s.Orders.Count, s.Events.Count);
        }).ToList();
    }

    /// <summary>
    /// Undoes a merge. <paramref name="customerId"/> is either the profile that was merged away (its merge is undone)
    /// or the survivor (then <paramref name="mergeId"/> says which merge; without it, the latest one).
    /// The merged profile comes back with the fields it had, the identities, orders and events the merge moved go
    /// back to it, and the survivor's fields return to what they were before the merge.
    /// </summary>
    public async Task<SplitResult> SplitAsync(Guid customerId, Guid? mergeId, string actor, CancellationToken ct = default)
    {
        // Everything is read under the workspace's lock: ingestion may be changing the same customers.
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await AdvisoryLock.LockCustomersAsync(db, ct).ConfigureAwait(false);
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Id == customerId, ct).ConfigureAwait(false);
        if (customer is null)
        {
            return new SplitResult(SplitOutcome.NotFound);
        }

        var query = db.Merges.Where(m => m.SurvivorId == customerId || m.MergedId == customerId);
        if (mergeId is { } mid)
        {
            query = query.Where(m => m.Id == mid);
        }
        else
        {
            query = query.Where(m => m.SplitAt == null);
        }

        var merge = await query.OrderByDescending(m => m.At).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (merge is null)
        {
            return new SplitResult(mergeId is null ? SplitOutcome.NothingToSplit : SplitOutcome.NotFound, Detail: "This customer has no merge to split.");
        }

        if (merge.SplitAt is not null)
        {
            return new SplitResult(SplitOutcome.AlreadySplit, Detail: $"This merge was already split at {merge.SplitAt:u}.");
        }

        var snapshot = JsonSerializer.Deserialize<MergeSnapshot>(merge.Snapshot)!;
        var survivor = await db.Customers.FirstAsync(c => c.Id == merge.SurvivorId, ct).ConfigureAwait(false);
        var merged = await db.Customers.FirstAsync(c => c.Id == merge.MergedId, ct).ConfigureAwait(false);

        foreach (var (table, ids) in snapshot.Owned ?? new Dictionary<string, IReadOnlyList<Guid>>())
        {
            if (!OwnedTables.Contains(table))
            {
                continue;
            }

            foreach (var id in ids)
            {
                await MoveRowAsync(db, table, merge.WorkspaceId, id, survivor.Id, merged.Id, ct).ConfigureAwait(false);
            }
        }

        // Only rows that are still the survivor's move back (a later split or merge may have moved some again).
        foreach (var chunk in snapshot.Identities.Chunk(500))
        {
            await db.Identities.Where(i => chunk.Contains(i.Id) && i.CustomerId == survivor.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.CustomerId, merged.Id), ct).ConfigureAwait(false);
        }

        foreach (var chunk in snapshot.Orders.Chunk(500))
        {
            await db.Orders.Where(o => chunk.Contains(o.Id) && o.CustomerId == survivor.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.CustomerId, merged.Id), ct).ConfigureAwait(false);
        }

        foreach (var chunk in snapshot.Events.Chunk(500))
        {
            await db.Events.Where(e => chunk.Contains(e.Id) && e.CustomerId == survivor.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.CustomerId, merged.Id), ct).ConfigureAwait(false);
        }

        Restore(merged, snapshot.Merged);
        merged.MergedIntoId = null;
        Restore(survivor, snapshot.Survivor);
        var now = clock.GetUtcNow().UtcDateTime;
        merged.UpdatedAt = now;
        survivor.UpdatedAt = now;
        merge.SplitAt = now;
        Audit.Audit.Record(db, merge.WorkspaceId, actor, "customer.split", $"customer:{merged.Id}", $"split from {survivor.Id} (merge {merge.Id}: {merge.Cause})", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new SplitResult(SplitOutcome.Split, merged.Id);
    }

    /// <summary>Folds <paramref name="merged"/> into <paramref name="survivor"/>, moving every row, and records exactly what moved.</summary>
    /// <remarks>The caller has saved its pending changes; the survivor and merged entities are tracked by <paramref name="db"/>.</remarks>
    public static async Task MergeAsync(ObsessDb db, Customer survivor, Customer merged, string cause, Dictionary<IdentityKey, Guid> holders, DateTime now, CancellationToken ct)
    {
        // Events decided for the merged customer but still being written (PostgreSQL ingestion writes them after
        // its resolution commits) are waited for, so that they move with the rest.
        await Ingestion.IngestionService.WaitForEventWritersAsync(db, ct).ConfigureAwait(false);
        var identities = await db.Identities.Where(i => i.CustomerId == merged.Id).Select(i => i.Id).ToListAsync(ct).ConfigureAwait(false);
        var orders = await db.Orders.Where(o => o.CustomerId == merged.Id).Select(o => o.Id).ToListAsync(ct).ConfigureAwait(false);
        var events = await db.Events.Where(e => e.CustomerId == merged.Id).Select(e => e.Id).ToListAsync(ct).ConfigureAwait(false);
        var owned = new Dictionary<string, IReadOnlyList<Guid>>();
        foreach (var table in OwnedTables)
        {
            owned[table] = await OwnedRowsAsync(db, table, survivor.WorkspaceId, merged.Id, ct).ConfigureAwait(false);
        }

        var snapshot = new MergeSnapshot(Fields(survivor), Fields(merged), identities, orders, events) { Owned = owned };
        db.Merges.Add(new CustomerMerge
        {
            WorkspaceId = survivor.WorkspaceId,
            Id = Guid.CreateVersion7(),
            SurvivorId = survivor.Id,
            MergedId = merged.Id,
            Cause = cause.Length > 500 ? cause[..500] : cause,
            At = now,
            Snapshot = JsonSerializer.Serialize(snapshot),
        });

        await db.Identities.Where(i => i.CustomerId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.CustomerId, survivor.Id), ct).ConfigureAwait(false);
        await db.Orders.Where(o => o.CustomerId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.CustomerId, survivor.Id), ct).ConfigureAwait(false);
        await db.Events.Where(e => e.CustomerId == merged.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.CustomerId, survivor.Id), ct).ConfigureAwait(false);
        foreach (var table in OwnedTables)
        {
#pragma warning disable EF1002 // The table name comes from the constant OwnedTables list, never from input; the values are parameters.
            await db.Database.ExecuteSqlRawAsync(
                $"UPDATE {table} SET customer_id = {{0}} WHERE workspace_id = {{1}} AND customer_id = {{2}}",
                [survivor.Id, survivor.WorkspaceId, merged.Id],
                ct).ConfigureAwait(false);
#pragma warning restore EF1002
        }

        foreach (var key in holders.Where(h => h.Value == merged.Id).Select(h => h.Key).ToList())
        {
            holders[key] = survivor.Id;
        }

        // Traits: the more recently seen profile's values win, except first-seen traits, where the older one's do.
        var mergedIsNewer = merged.LastSeenAt > survivor.LastSeenAt;
        survivor.Traits = TraitMerge.Apply(survivor.Traits, merged.Traits, mergedIsNewer);
        survivor.Consent = Consent.Merge(survivor.Consent, merged.Consent);
        survivor.Name = (mergedIsNewer ? merged.Name ?? survivor.Name : survivor.Name ?? merged.Name);
        survivor.Email = (mergedIsNewer ? merged.Email ?? survivor.Email : survivor.Email ?? merged.Email);
        survivor.Phone = (mergedIsNewer ? merged.Phone ?? survivor.Phone : survivor.Phone ?? merged.Phone);
        survivor.FirstSeenAt = merged.FirstSeenAt < survivor.FirstSeenAt ? merged.FirstSeenAt : survivor.FirstSeenAt;
        survivor.LastSeenAt = merged.LastSeenAt > survivor.LastSeenAt ? merged.LastSeenAt : survivor.LastSeenAt;
        survivor.UpdatedAt = now;
        merged.MergedIntoId = survivor.Id;
        merged.UpdatedAt = now;
    }

    private static async Task<IReadOnlyList<Guid>> OwnedRowsAsync(ObsessDb db, string table, Guid ws, Guid customerId, CancellationToken ct)
    {
#pragma warning disable EF1002 // Constant table name (OwnedTables); values are parameters.
        return await db.Database.SqlQueryRaw<Guid>($"SELECT id AS \"Value\" FROM {table} WHERE workspace_id = {{0}} AND customer_id = {{1}}", ws, customerId)
            .ToListAsync(ct).ConfigureAwait(false);
#pragma warning restore EF1002
    }

    /// <summary>Moves one row back, only if it is still the survivor's (a later merge or split may have moved it again).</summary>
    private static async Task MoveRowAsync(ObsessDb db, string table, Guid ws, Guid id, Guid from, Guid to, CancellationToken ct)
    {
#pragma warning disable EF1002 // Constant table name (OwnedTables); values are parameters.
        await db.Database.ExecuteSqlRawAsync(
            $"UPDATE {table} SET customer_id = {{0}} WHERE workspace_id = {{1}} AND id = {{2}} AND customer_id = {{3}}",
            [to, ws, id, from],
            ct).ConfigureAwait(false);
#pragma warning restore EF1002
    }

    internal static ProfileFields Fields(Customer c) => new(c.Name, c.Email, c.Phone, c.Traits, c.Consent, c.FirstSeenAt, c.LastSeenAt);

    private static void Restore(Customer c, ProfileFields f)
    {
        c.Name = f.Name;
        c.Email = f.Email;
        c.Phone = f.Phone;
        c.Traits = f.Traits;
        c.Consent = f.Consent;
        c.FirstSeenAt = f.FirstSeenAt;
        c.LastSeenAt = f.LastSeenAt;
    }
}
