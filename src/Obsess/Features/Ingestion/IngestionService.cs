using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Ingestion;

public sealed record IngestResult(int Accepted, int Duplicates, int Merges, IReadOnlyList<string> Refusals);

/// <summary>
/// Stores Segment messages with identity resolution, all of a batch in one transaction: when it returns, the
/// messages are durably stored. A message whose messageId is already stored is skipped, so retries are idempotent.
/// Ingestion into one workspace is serialised (a transaction-scoped advisory lock on PostgreSQL, SQLite's write
/// lock), because resolution reads then writes identities: two concurrent batches naming the same new person
/// must not create two customers.
/// </summary>
public sealed class IngestionService(ObsessDb db, TimeProvider clock)
{
    public async Task<IngestResult> IngestAsync(string source, IReadOnlyList<SegmentMessage> messages, bool forceMerge = false, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await IngestOnceAsync(source, messages, forceMerge, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < 3 && IsUniqueViolation(e))
            {
                // Another writer stored some of these first (possible on SQLite between our read and write):
                // start again; the second pass sees their rows and skips or attaches to them.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>A unique violation, from SaveChanges (wrapped) or from the bulk writer (raw).</summary>
    private static bool IsUniqueViolation(Exception e) =>
        (e is DbUpdateException ? e.InnerException : e) is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
            or Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };

    private async Task<IngestResult> IngestOnceAsync(string source, IReadOnlyList<SegmentMessage> messages, bool forceMerge, CancellationToken ct)
    {
        var ws = db.CurrentWorkspaceId;
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!db.IsSqlite)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({ws.ToString()}))", ct).ConfigureAwait(false);
        }

        var ids = messages.Select(m => m.MessageId).Distinct().ToList();
        var stored = (await db.Events.Where(e => ids.Contains(e.MessageId)).Select(e => e.MessageId).ToListAsync(ct).ConfigureAwait(false)).ToHashSet();
        var fresh = new List<SegmentMessage>();
        foreach (var m in messages)
        {
            if (stored.Add(m.MessageId))
            {
                fresh.Add(m);
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var holders = await LoadHoldersAsync(fresh, source, ct).ConfigureAwait(false);
        var held = await IdentitiesOfAsync(db, holders.Values.Distinct().ToList(), ct).ConfigureAwait(false);
        var customers = new Dictionary<Guid, Customer>();
        // Every stored customer the batch names, tracked, in one query per thousand rather than one per customer.
        foreach (var chunk in holders.Values.Distinct().Chunk(1000))
        {
            foreach (var c in await db.Customers.Where(c => chunk.Contains(c.Id)).ToListAsync(ct).ConfigureAwait(false))
            {
                customers[c.Id] = c;
            }
        }

        var merges = 0;
        var refusals = new List<string>();
        // Events go in with the bulk writer (binary COPY / a prepared INSERT) after the tracked changes are saved,
        // rather than through the change tracker: they are most of what a batch writes, and nothing reads them back.
        var events = new List<CustomerEvent>();
        async Task SaveAsync()
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            await BulkWriter.WriteAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), "events", Demo.DemoLoader.EventColumns, events, null, ct).ConfigureAwait(false);
            events.Clear();
        }

        foreach (var m in fresh)
        {
            var stated = IdentitiesOf(m, source, holders);
            var known = new Dictionary<Guid, KnownCustomer>();
            foreach (var holder in stated.Where(holders.ContainsKey).Select(i => holders[i]).Distinct())
            {
                var c = await CustomerAsync(holder, customers, ct).ConfigureAwait(false);
                known[holder] = new KnownCustomer(c.Id, c.CreatedAt, held.GetValueOrDefault(holder) ?? []);
            }

            var decision = IdentityResolution.Decide(stated, holders, known, forceMerge);
            Customer customer;
            if (decision.CustomerId is { } id)
            {
                customer = await CustomerAsync(id, customers, ct).ConfigureAwait(false);
            }
            else
            {
                customer = new Customer { WorkspaceId = ws, Id = Guid.CreateVersion7(), CreatedAt = now, UpdatedAt = now, FirstSeenAt = m.Timestamp, LastSeenAt = m.Timestamp };
                db.Customers.Add(customer);
                customers[customer.Id] = customer;
            }

            foreach (var mergedId in decision.MergeIntoSurvivor)
            {
                await SaveAsync().ConfigureAwait(false);
                await MergeService.MergeAsync(db, customer, await CustomerAsync(mergedId, customers, ct).ConfigureAwait(false), decision.MergeCause ?? "linked", holders, now, ct).ConfigureAwait(false);
                Held(held, customer.Id).UnionWith(held.GetValueOrDefault(mergedId) ?? []);
                merges++;
            }

            refusals.AddRange(decision.Refused.Select(r => $"{m.MessageId}: {r.Identity.Kind} {r.Identity.Value} {r.Reason}"));
            foreach (var identity in decision.Attach)
            {
                db.Identities.Add(new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customer.Id, Kind = identity.Kind, Source = identity.Source, Value = identity.Value, FirstSeenAt = m.Timestamp });
                holders[identity] = customer.Id;
                Held(held, customer.Id).Add(identity);
            }

            Apply(customer, m, now);
            if (m.Consent.Count > 0)
            {
                customer.Consent = Consent.Apply(customer.Consent, m.Consent, m.Timestamp, source);
            }

            events.Add(new CustomerEvent
            {
                WorkspaceId = ws,
                Id = Guid.CreateVersion7(),
                CustomerId = customer.Id,
                Type = m.Type,
                Name = m.Type switch
                {
                    "track" => m.Event!,
                    "page" => m.Event is null ? "Viewed page" : $"Viewed {m.Event}",
                    "screen" => m.Event is null ? "Viewed screen" : $"Viewed {m.Event}",
                    "identify" => "Identified",
                    "alias" => "Aliased",
                    _ => m.Type,
                },
                Source = source,
                Channel = m.Channel,
                OccurredAt = m.Timestamp,
                Properties = m.Type == "identify" ? m.Traits : m.Properties,
                MessageId = m.MessageId,
            });
        }

        await SaveAsync().ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new IngestResult(fresh.Count, messages.Count - fresh.Count, merges, refusals);
    }

    private static List<IdentityKey> IdentitiesOf(SegmentMessage m, string source, Dictionary<IdentityKey, Guid> holders)
    {
        var list = new List<IdentityKey>();
        if (m.UserId is not null) { list.Add(new IdentityKey(IdentityKinds.External, source, m.UserId)); }
        if (m.AnonymousId is not null) { list.Add(new IdentityKey(IdentityKinds.Anonymous, source, m.AnonymousId)); }
        if (m.Email is not null) { list.Add(new IdentityKey(IdentityKinds.Email, "", m.Email)); }
        if (m.Phone is not null) { list.Add(new IdentityKey(IdentityKinds.Phone, "", m.Phone)); }
        if (m.PreviousId is not null)
        {
            // Segment's previousId is usually the anonymous id, sometimes an earlier user id: use whichever is known.
            var asUser = new IdentityKey(IdentityKinds.External, source, m.PreviousId);
            list.Add(holders.ContainsKey(asUser) ? asUser : new IdentityKey(IdentityKinds.Anonymous, source, m.PreviousId));
        }

        return list.Distinct().ToList();
    }

    private async Task<Dictionary<IdentityKey, Guid>> LoadHoldersAsync(List<SegmentMessage> messages, string source, CancellationToken ct)
    {
        var values = messages.SelectMany(m => new[] { m.UserId, m.AnonymousId, m.Email, m.Phone, m.PreviousId }).OfType<string>().Distinct().ToList();
        var holders = new Dictionary<IdentityKey, Guid>();
        foreach (var chunk in values.Chunk(500))
        {
            var rows = await db.Identities.Where(i => chunk.Contains(i.Value))
                .Select(i => new { i.Kind, i.Source, i.Value, i.CustomerId }).ToListAsync(ct).ConfigureAwait(false);
            foreach (var r in rows.Where(r => r.Source.Length == 0 || r.Source == source))
            {
                holders[new IdentityKey(r.Kind, r.Source, r.Value)] = r.CustomerId;
            }
        }

        return holders;
    }

    internal static HashSet<IdentityKey> Held(Dictionary<Guid, HashSet<IdentityKey>> held, Guid customer)
    {
        if (!held.TryGetValue(customer, out var set))
        {
            held[customer] = set = [];
        }

        return set;
    }

    /// <summary>Every identity the given customers hold, in one query per thousand customers.</summary>
    internal static async Task<Dictionary<Guid, HashSet<IdentityKey>>> IdentitiesOfAsync(ObsessDb db, List<Guid> customers, CancellationToken ct)
    {
        var held = new Dictionary<Guid, HashSet<IdentityKey>>();
        foreach (var chunk in customers.Chunk(1000))
        {
            foreach (var i in await db.Identities.AsNoTracking().Where(i => chunk.Contains(i.CustomerId))
                         .Select(i => new { i.CustomerId, i.Kind, i.Source, i.Value }).ToListAsync(ct).ConfigureAwait(false))
            {
                Held(held, i.CustomerId).Add(new IdentityKey(i.Kind, i.Source, i.Value));
            }
        }

        return held;
    }

    private async Task<Customer> CustomerAsync(Guid id, Dictionary<Guid, Customer> cache, CancellationToken ct)
    {
        if (!cache.TryGetValue(id, out var c))
        {
            c = await db.Customers.FirstAsync(x => x.Id == id, ct).ConfigureAwait(false);
            cache[id] = c;
        }

        return c;
    }

    private static void Apply(Customer c, SegmentMessage m, DateTime now)
    {
        var newer = m.Timestamp >= c.LastSeenAt;
        if (m.Traits != "{}")
        {
            c.Traits = TraitMerge.Apply(c.Traits, m.Traits, newer);
        }

        c.Email = newer && m.Email is not null ? m.Email : c.Email ?? m.Email;
        c.Phone = newer && m.Phone is not null ? m.Phone : c.Phone ?? m.Phone;
        c.Name = newer && !string.IsNullOrWhiteSpace(m.Name) ? m.Name : c.Name ?? m.Name;
        c.FirstSeenAt = m.Timestamp < c.FirstSeenAt ? m.Timestamp : c.FirstSeenAt;
        c.LastSeenAt = newer ? m.Timestamp : c.LastSeenAt;
        c.UpdatedAt = now;
    }

}
