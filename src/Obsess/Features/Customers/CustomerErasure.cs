using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Customers;

/// <summary>What an erasure removed, by kind (no personal data: counts only).</summary>
public sealed record ErasureResult(Guid CustomerId, int Profiles, int Identities, int Events, int Orders, IReadOnlyDictionary<string, int> Owned);

/// <summary>
/// Erases a customer — the right to erasure of GDPR Art. 17, as Segment's and RudderStack's deletion requests and
/// PostHog's "delete person" give it: the person's profile and every profile merged into it, their identities, events,
/// orders, scores, merge records, and every row of the other modules that belongs to them (texts, feedback, survey
/// responses and links, follow-up tasks, invitations). One transaction: all of it or nothing. The audit log keeps that
/// an erasure happened, by whom, and the counts; nothing of the person. Data sent again later with the same identities
/// makes a new profile (deletion without suppression).
/// </summary>
public sealed class CustomerErasure(ObsessDb db, TimeProvider clock)
{
    /// <summary>Erases the person <paramref name="customerId"/> belongs to (a merged-away profile names its survivor's person); null when there is no such customer.</summary>
    public async Task<ErasureResult?> EraseAsync(Guid customerId, string actor, CancellationToken ct = default)
    {
        // Under the workspace's lock, after every events write decided before it (PostgreSQL writes a group's events
        // after its resolution commits): no event can arrive for the person after it is gone.
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await AdvisoryLock.LockCustomersAsync(db, ct).ConfigureAwait(false);
        await Ingestion.IngestionService.WaitForEventWritersAsync(db, ct).ConfigureAwait(false);

        var start = await db.Customers.Where(c => c.Id == customerId).Select(c => new { c.Id, c.MergedIntoId }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (start is null)
        {
            return null;
        }

        // The person: the survivor at the end of the merge chain, and every profile merged into it, at any depth.
        var root = start.Id;
        for (var next = start.MergedIntoId; next is { } n;)
        {
            root = n;
            next = await db.Customers.Where(c => c.Id == n).Select(c => c.MergedIntoId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        }

        var person = new List<Guid> { root };
        for (var frontier = new List<Guid> { root }; frontier.Count > 0;)
        {
            var ids = frontier;
            frontier = await db.Customers.Where(c => c.MergedIntoId != null && ids.Contains(c.MergedIntoId.Value)).Select(c => c.Id).ToListAsync(ct).ConfigureAwait(false);
            frontier.RemoveAll(person.Contains);
            person.AddRange(frontier);
        }

        var owned = new Dictionary<string, int>();
        int identities = 0, events = 0, orders = 0;
        foreach (var chunk in person.Chunk(500))
        {
            identities += await db.Identities.Where(i => chunk.Contains(i.CustomerId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            events += await db.Events.Where(e => chunk.Contains(e.CustomerId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            orders += await db.Orders.Where(o => chunk.Contains(o.CustomerId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            await db.Scores.Where(s => chunk.Contains(s.CustomerId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            await db.Merges.Where(m => chunk.Contains(m.SurvivorId) || chunk.Contains(m.MergedId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            foreach (var id in chunk)
            {
                foreach (var table in MergeService.OwnedTables)
                {
#pragma warning disable EF1002 // The table name comes from the constant OwnedTables list, never from input; the values are parameters.
                    owned[table] = owned.GetValueOrDefault(table) + await db.Database.ExecuteSqlRawAsync(
                        $"DELETE FROM {table} WHERE workspace_id = {{0}} AND customer_id = {{1}}", [db.CurrentWorkspaceId, id], ct).ConfigureAwait(false);
#pragma warning restore EF1002
                }
            }
        }

        var profiles = await db.Customers.Where(c => person.Contains(c.Id)).ExecuteDeleteAsync(ct).ConfigureAwait(false);

        var result = new ErasureResult(root, profiles, identities, events, orders, owned);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "customer.erased", $"customer:{root}",
            string.Join(", ", new[] { $"{profiles} profile(s)", $"{identities} identities", $"{events} events", $"{orders} orders" }.Concat(owned.Where(o => o.Value > 0).Select(o => $"{o.Value} {o.Key}"))), clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }
}
