using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Ingestion;

public sealed record IngestResult(int Accepted, int Duplicates, int Merges, IReadOnlyList<string> Refusals);

/// <summary>
/// Stores Segment messages with identity resolution, all of a batch in one transaction (shared with the batches
/// queued behind it, see <see cref="IngestAsync"/>): when it returns, the messages are durably stored. A message whose messageId is already stored is skipped, so retries are idempotent.
/// Ingestion into one workspace is serialised (a transaction-scoped advisory lock on PostgreSQL, SQLite's write
/// lock), because resolution reads then writes identities: two concurrent batches naming the same new person
/// must not create two customers.
/// </summary>
/// <remarks>
/// A batch is resolved in memory: one query for its stored message ids, one for the holders of the identities it
/// states, one for those customers, and one for the identities of the customers the guards need them for (see
/// <see cref="IdentityResolution.NeedsIdentities"/>); then the pure <see cref="IdentityResolution"/> decides each message in turn,
/// and what it decided is written set-based — new customers, identities and events with the bulk writer (binary
/// COPY / a prepared INSERT), changed customers with one statement (<see cref="CustomerWrites"/>). Only a merge,
/// which moves stored rows, writes what is pending first and goes through <see cref="MergeService"/>.
/// </remarks>
public sealed class IngestionService(ObsessDb db, TimeProvider clock, ILogger<IngestionService> log)
{
    /// <summary>The most messages one group commit writes: 8 full batches of 500.</summary>
    internal const int MaxGroupMessages = 4000;

    /// <summary>Batches waiting to be written, per database and workspace (see <see cref="IngestAsync"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Database, Guid Workspace), GroupQueue> Queues = new();

    /// <summary>
    /// Stores the messages and returns when they are committed. Concurrent calls for the same workspace are written
    /// together (group commit): ingestion into a workspace is serialised anyway, so while one transaction runs,
    /// the batches that arrive queue up, and the next transaction writes all of them (up to
    /// <see cref="MaxGroupMessages"/>) with one set of queries and one commit — one fsync instead of one per batch.
    /// Each caller still gets its own result only after the commit that stored its messages; a message that two
    /// queued batches both carry (a retry) is stored once, exactly as when they ran one after the other. If a group
    /// fails, its batches are retried one by one, so one batch's failure never fails another's.
    /// </summary>
    public async Task<IngestResult> IngestAsync(string source, IReadOnlyList<SegmentMessage> messages, bool forceMerge = false, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var queue = Queues.GetOrAdd((db.Database.GetConnectionString() ?? "", db.CurrentWorkspaceId), _ => new GroupQueue());
        var mine = new PendingBatch(source, messages, forceMerge);
        bool lead;
        lock (queue)
        {
            queue.Waiting.Add(mine);
            lead = !queue.Leading;
            queue.Leading = true;
        }

        if (!lead)
        {
            // Not cancelled with the request on purpose: this batch may be about to lead the next group, and the
            // batches queued behind it wait for that. A client that went away is answered late, not wrongly.
            if (!await mine.Turn.Task.ConfigureAwait(false))
            {
                return await mine.Result.Task.ConfigureAwait(false);
            }
        }

        // This call leads: write the group it heads, hand the lead to the next waiter as soon as the next group may
        // start (on PostgreSQL once the resolution is committed, before the events are written; see
        // IngestLockedAsync), and answer every caller in the group when its messages are stored.
        var handedOff = false;
        void HandOff()
        {
            lock (queue)
            {
                if (handedOff)
                {
                    return;
                }

                handedOff = true;
                if (queue.Waiting.Count > 0)
                {
                    queue.Waiting[0].Turn.TrySetResult(true);
                }
                else
                {
                    queue.Leading = false;
                }
            }
        }

        try
        {
            List<PendingBatch> group;
            lock (queue)
            {
                group = TakeGroup(queue.Waiting, mine);
            }

            await WriteGroupAsync(group, HandOff, queue.Cache).ConfigureAwait(false);
        }
        finally
        {
            HandOff();
        }

        return await mine.Result.Task.ConfigureAwait(false);
    }

    /// <summary>This process's resolution cache for the context's database and workspace, if ingestion ran there (tests, diagnostics).</summary>
    internal static ResolutionCache? CacheOf(ObsessDb db) =>
        Queues.TryGetValue((db.Database.GetConnectionString() ?? "", db.CurrentWorkspaceId), out var queue) ? queue.Cache : null;

    /// <summary>The leader's batch and the waiting batches after it of the same source, oldest first, up to the group's size.</summary>
    internal static List<PendingBatch> TakeGroup(List<PendingBatch> waiting, PendingBatch leader)
    {
        var group = new List<PendingBatch> { leader };
        var size = leader.Messages.Count;
        foreach (var b in waiting)
        {
            if (b != leader && b.Source == leader.Source && b.ForceMerge == leader.ForceMerge && size + b.Messages.Count <= MaxGroupMessages)
            {
                group.Add(b);
                size += b.Messages.Count;
            }
        }

        waiting.RemoveAll(group.Contains);
        return group;
    }

    private async Task WriteGroupAsync(List<PendingBatch> group, Action handOff, ResolutionCache cache)
    {
        // Not the leader's request token: the transaction belongs to every caller in the group.
        try
        {
            var results = await IngestRetryingAsync(group, handOff, cache, CancellationToken.None).ConfigureAwait(false);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Answer(results[i]);
            }
        }
        catch (Exception) when (group.Count > 1)
        {
            // None of the group's events were committed (on PostgreSQL its resolution may have been, which a second
            // resolution of the same messages leaves as it is): write each batch on its own, so only a faulty one fails.
            foreach (var b in group)
            {
                db.ChangeTracker.Clear();
                try
                {
                    b.Answer((await IngestRetryingAsync([b], handOff, null, CancellationToken.None).ConfigureAwait(false))[0]);
                }
                catch (Exception e)
                {
                    b.Fail(e);
                }
            }
        }
        catch (Exception e)
        {
            group[0].Fail(e);
        }
    }

    private async Task<IngestResult[]> IngestRetryingAsync(List<PendingBatch> group, Action handOff, ResolutionCache? cache, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Only the first attempt uses the cache: a later one may run after the lead was handed on (a failure
                // of the deferred events write), while the next group uses it.
                return await IngestOnceAsync(group, handOff, attempt == 1 ? cache : null, ct).ConfigureAwait(false);
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

    /// <summary>
    /// SQLite's write lock is taken by polling: a writer that finds it busy pauses and retries until the command
    /// timeout (Microsoft.Data.Sqlite), so with several batches in flight the lock sat idle between holders, batches
    /// waited 9–15 s behind later ones, and some failed with "database is locked" after 30 s. Batches of this
    /// process queue here instead (per database file, first come first served) and take SQLite's lock only when it
    /// is theirs; other writers still meet the busy timeout as before. PostgreSQL's advisory lock already queues
    /// waiters on the server.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> SqliteWriters = new(StringComparer.Ordinal);

    private async Task<IngestResult[]> IngestOnceAsync(List<PendingBatch> group, Action handOff, ResolutionCache? cache, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        if (!db.IsSqlite)
        {
            // Opened here so that the resolution's transaction and the events' one after it run on one session,
            // which holds the events-writer lock between them (see IngestLockedAsync).
            await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
            try
            {
                return await IngestLockedAsync(group, started, handOff, cache, ct).ConfigureAwait(false);
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }

        var writer = SqliteWriters.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        await writer.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // SQLite checkpoints the WAL into the database inside the commit that grows it past wal_autocheckpoint
            // pages (default 1,000 = 4 MB), while every other batch waits for the write lock: reading the log's
            // frames, writing them into the database file and syncing it was about a sixth of the writer's CPU
            // (perf, 1M-event database). The app's SqliteCheckpointer does it on its own connection once a second
            // instead; SQLite's own durable insert of the same events in groups of 1,000 went from 5.6-6.5k to
            // 7.8-9.5k events/s without checkpoints in its commits. 50,000 pages (200 MB) is only the backstop for
            // when that job does not run. Durability is unchanged: each commit still syncs the WAL (synchronous =
            // FULL, this build's default for WAL), and a checkpoint only moves committed pages.
            // https://www.sqlite.org/wal.html#ckpt
            await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint = 50000", ct).ConfigureAwait(false);
            return await IngestLockedAsync(group, started, handOff, null, ct).ConfigureAwait(false);
        }
        finally
        {
            writer.Release();
        }
    }

    private async Task<IngestResult[]> IngestLockedAsync(List<PendingBatch> group, long started, Action handOff, ResolutionCache? cache, CancellationToken ct)
    {
        var ws = db.CurrentWorkspaceId;
        var source = group[0].Source;
        var forceMerge = group[0].ForceMerge;
        var messages = group.SelectMany(b => b.Messages).ToList();
        var owners = group.SelectMany((b, i) => Enumerable.Repeat(i, b.Messages.Count)).ToArray();
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!db.IsSqlite)
        {
            var counter = await LockWorkspaceAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction(), ws, ct).ConfigureAwait(false);
            cache?.Check(counter);
        }

        var locked = Stopwatch.GetTimestamp();
        var stored = (await Import.ImportService.StoredMessageIdsAsync(db, messages.Select(m => m.MessageId).Distinct(), ct).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var fresh = new List<SegmentMessage>();
        var freshOwners = new List<int>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (stored.Add(messages[i].MessageId))
            {
                fresh.Add(messages[i]);
                freshOwners.Add(owners[i]);
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var idsLoaded = Stopwatch.GetTimestamp();
        var byValue = new Dictionary<string, IdentityRow[]>(StringComparer.Ordinal);
        var (holders, queriedValues) = await LoadHoldersAsync(fresh, source, cache, byValue, ct).ConfigureAwait(false);
        var holdersLoaded = Stopwatch.GetTimestamp();

        // The identities a customer holds are read only by the guards (several customers named, or one met only
        // through a device id): load them for the customers the batch's messages need them for, not for all.
        var held = new Dictionary<Guid, HashSet<IdentityKey>>();
        var complete = new HashSet<Guid>();
        async Task EnsureHeldAsync(IEnumerable<Guid> ids)
        {
            var missing = ids.Where(id => !complete.Contains(id)).Distinct().ToList();
            foreach (var (id, keys) in await IdentitiesOfAsync(db, missing, ct).ConfigureAwait(false))
            {
                Held(held, id).UnionWith(keys);
            }

            complete.UnionWith(missing);
        }

        await EnsureHeldAsync(fresh.SelectMany(m => IdentityResolution.NeedsIdentities(IdentitiesOf(m, source, holders), holders))).ConfigureAwait(false);
        var customers = new Dictionary<Guid, Customer>();
        var profiles = new Dictionary<Guid, StoredProfile>();
        var uncached = new List<Guid>();
        foreach (var id in holders.Values.Distinct())
        {
            if (cache is not null && cache.Customers.TryGetValue(id, out var c))
            {
                customers[id] = c;
                profiles[id] = StoredProfile.Of(c);
            }
            else
            {
                uncached.Add(id);
            }
        }

        foreach (var chunk in uncached.Chunk(1000))
        {
            foreach (var c in await db.Customers.AsNoTracking().Where(c => EF.Parameter(chunk).Contains(c.Id)).ToListAsync(ct).ConfigureAwait(false))
            {
                customers[c.Id] = c;
                profiles[c.Id] = StoredProfile.Of(c);
            }
        }

        var loaded = Stopwatch.GetTimestamp();
        var knownCustomers = customers.Count;
        var merges = new int[group.Count];
        var refusals = group.Select(_ => new List<string>()).ToArray();

        // What the batch decided and has not written yet: customers born in it, stored customers it changed, new
        // identities and events. Written together by FlushAsync, at the end or before a merge.
        var created = new Dictionary<Guid, Customer>();
        var changed = new Dictionary<Guid, Customer>();
        var identities = new List<CustomerIdentity>();
        var events = new List<CustomerEvent>();
        var eventOwners = new List<int>();
        long writing = 0, writingEvents = 0, updating = 0;
        async Task FlushAsync(bool withEvents)
        {
            var t = Stopwatch.GetTimestamp();
            var connection = db.Database.GetDbConnection();
            var transaction = tx.GetDbTransaction();
            await BulkWriter.WriteAsync(connection, transaction, "customers", Demo.DemoLoader.CustomerColumns, created.Values, null, ct).ConfigureAwait(false);
            await BulkWriter.WriteAsync(connection, transaction, "customer_identities", Demo.DemoLoader.IdentityColumns, identities, null, ct).ConfigureAwait(false);
            var e = Stopwatch.GetTimestamp();
            if (withEvents)
            {
                await BulkWriter.WriteAsync(connection, transaction, "events", Demo.DemoLoader.EventColumns, events, null, ct).ConfigureAwait(false);
                events.Clear();
                eventOwners.Clear();
            }

            var u = Stopwatch.GetTimestamp();
            writingEvents += u - e;
            await CustomerWrites.UpdateAsync(connection, transaction, ws, changed.Values.Select(c => (c, profiles[c.Id])).ToList(), ct).ConfigureAwait(false);
            updating += Stopwatch.GetTimestamp() - u;
            await db.SaveChangesAsync(ct).ConfigureAwait(false); // merge records, added by MergeService
            foreach (var c in created.Values.Concat(changed.Values))
            {
                profiles[c.Id] = StoredProfile.Of(c);
            }

            created.Clear();
            changed.Clear();
            identities.Clear();
            writing += Stopwatch.GetTimestamp() - t;
        }

        void Changed(Customer c)
        {
            if (!created.ContainsKey(c.Id))
            {
                changed[c.Id] = c;
            }
        }

        for (var f = 0; f < fresh.Count; f++)
        {
            var m = fresh[f];
            var owner = freshOwners[f];
            var stated = IdentitiesOf(m, source, holders);

            // Earlier messages of the batch may have linked more customers than the first pass saw.
            await EnsureHeldAsync(IdentityResolution.NeedsIdentities(stated, holders)).ConfigureAwait(false);
            var known = new Dictionary<Guid, KnownCustomer>();
            foreach (var holder in stated.Where(holders.ContainsKey).Select(i => holders[i]).Distinct())
            {
                var c = customers[holder];
                known[holder] = new KnownCustomer(c.Id, c.CreatedAt, held.GetValueOrDefault(holder) ?? []);
            }

            var decision = IdentityResolution.Decide(stated, holders, known, forceMerge);
            Customer customer;
            if (decision.CustomerId is { } id)
            {
                customer = customers[id];
            }
            else
            {
                // A microsecond apart in message order, so a later merge of two customers born in this group keeps
                // the first (the oldest survives) rather than whichever id sorts first.
                customer = new Customer { WorkspaceId = ws, Id = Guid.CreateVersion7(), CreatedAt = now.AddMicroseconds(created.Count), UpdatedAt = now, FirstSeenAt = m.Timestamp, LastSeenAt = m.Timestamp };
                customers[customer.Id] = customer;
                created[customer.Id] = customer;
                complete.Add(customer.Id);
            }

            foreach (var mergedId in decision.MergeIntoSurvivor)
            {
                // The merge moves stored rows and records exactly which, so everything decided so far is written
                // first, events included (a merge is rare: those are written in this transaction, not deferred).
                // The wait for deferred events writes (MergeAsync's) comes before this batch writes its own: one of
                // those writes may be blocked on a message id this flush inserts.
                await WaitForEventWritersAsync(db, ct).ConfigureAwait(false);
                await FlushAsync(withEvents: true).ConfigureAwait(false);
                var merged = customers[mergedId];
                await MergeService.MergeAsync(db, customer, merged, decision.MergeCause ?? "linked", holders, now, ct).ConfigureAwait(false);
                Held(held, customer.Id).UnionWith(held.GetValueOrDefault(mergedId) ?? []);
                Changed(customer);
                Changed(merged);
                merges[owner]++;
            }

            refusals[owner].AddRange(decision.Refused.Select(r => $"{m.MessageId}: {r.Identity.Kind} {r.Identity.Value} {r.Reason}"));
            foreach (var identity in decision.Attach)
            {
                identities.Add(new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customer.Id, Kind = identity.Kind, Source = identity.Source, Value = identity.Value, FirstSeenAt = m.Timestamp });
                holders[identity] = customer.Id;
                Held(held, customer.Id).Add(identity);
                byValue[identity.Value] = [.. byValue.GetValueOrDefault(identity.Value) ?? [], new IdentityRow(identity.Kind, identity.Source, customer.Id)];
            }

            Apply(customer, m, now);
            if (m.Consent.Count > 0)
            {
                customer.Consent = Consent.Apply(customer.Consent, m.Consent, m.Timestamp, source);
            }

            Changed(customer);
            eventOwners.Add(owner);
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

        var decided = Stopwatch.GetTimestamp();
        var resolving = decided - loaded - writing;

        // PostgreSQL: the events are written after the resolution's commit, in a transaction of their own, while
        // the next group already resolves (the caller hands the lead on at handOff). Only the resolution needs the
        // workspace's lock — it reads then writes identities — and the events insert was about a third of the time
        // under it (bench: 20 of ~70 ms per 1,000 events), so the lock was held for work no other group waits on.
        // What the single transaction guaranteed is kept:
        // - a merge moves the merged customer's events, so it must not miss events decided for that customer and
        //   not yet written. Every deferred write holds the workspace's events-writer lock in shared mode from
        //   before the resolution commits until its events are committed, and a merge takes that lock exclusively
        //   (WaitForEventWritersAsync), so it waits for every such write. The lock is a session one, held across both
        //   transactions of this connection, and taken while this group still holds the workspace lock, which a
        //   merging transaction also holds: so it is granted at once, and never to a merge's disadvantage.
        // - a message stored twice: a later group may resolve a message whose events are not committed yet (a
        //   retry that raced its original); its events insert then meets the unique message id and falls back to
        //   an insert that skips stored message ids, and those messages are answered as duplicates. Resolving a
        //   message twice changes nothing the first resolution did not (identities attach once, traits and times
        //   merge to the same values).
        // - a 200 still means stored: the callers are answered after the events' commit.
        // SQLite has one writer at a time, so a second transaction would only add a commit: the events go in this one.
        var deferEvents = !db.IsSqlite && events.Count > 0;
        await FlushAsync(withEvents: !deferEvents).ConfigureAwait(false);

        // What the cache will be exact at once this commits: the counter with this group's own changes (its rows hold
        // the counter's lock until then). After a merge it is emptied instead: the merge moved rows it does not hold.
        long? version = cache is not null && merges.Sum() == 0 ? await WorkspaceVersionAsync(ws, ct).ConfigureAwait(false) : null;
        void Committed()
        {
            if (version is { } v)
            {
                cache!.Committed(v, byValue, customers.Values);
            }
            else
            {
                cache?.Clear();
            }
        }

        var flushed = Stopwatch.GetTimestamp();
        HashSet<string>? skipped = null;
        long committed;
        if (!deferEvents)
        {
            await tx.CommitAsync(ct).ConfigureAwait(false);
            committed = Stopwatch.GetTimestamp();
            Committed();
            handOff();
        }
        else
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await EventWritersAsync(connection, "pg_advisory_lock_shared", ws, ct).ConfigureAwait(false);
            try
            {
                await tx.CommitAsync(ct).ConfigureAwait(false);
                committed = Stopwatch.GetTimestamp();
                Committed();
                handOff();
                skipped = await WriteDeferredEventsAsync(connection, events, ct).ConfigureAwait(false);
            }
            finally
            {
                // If the connection broke, the session and its lock went with it.
                if (connection.State == System.Data.ConnectionState.Open)
                {
                    await EventWritersAsync(connection, "pg_advisory_unlock_shared", ws).ConfigureAwait(false);
                }
            }
        }

        if (log.IsEnabled(LogLevel.Debug))
        {
            // Where a batch's time goes, for profiling without a profiler (Logging:LogLevel:Obsess.Features.Ingestion=Debug).
            // "events" is inside "write" when they are written under the lock; "deferred events" is the time after the
            // resolution's commit (PostgreSQL: the events' own transaction).
            static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            log.LogDebug(
                "Ingested {Fresh} of {Messages} messages in {Batches} batches: lock {Lock:0.0} ms, load {Load:0.0} ms, resolve {Resolve:0.0} ms, write {Write:0.0} ms, commit {Commit:0.0} ms; load: message ids {Ids:0.0}, holders {Holders:0.0}; write: events {Events:0.0}, customer updates {Updates:0.0}; deferred events {Deferred:0.0} ms; read from the database: {QueriedValues} of {Values} identity values, {QueriedCustomers} of {Customers} customers",
                fresh.Count, messages.Count, group.Count, Ms(locked - started), Ms(loaded - locked), Ms(resolving), Ms(writing), Ms(committed - flushed),
                Ms(idsLoaded - locked), Ms(holdersLoaded - idsLoaded), Ms(writingEvents), Ms(updating), Ms(Stopwatch.GetTimestamp() - committed),
                queriedValues, byValue.Count, uncached.Count, knownCustomers);
        }

        var duplicates = new int[group.Count];
        if (skipped is not null)
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (skipped.Contains(events[i].MessageId))
                {
                    duplicates[eventOwners[i]]++;
                }
            }
        }

        return group.Select((b, i) =>
        {
            var accepted = freshOwners.Count(o => o == i) - duplicates[i];
            return new IngestResult(accepted, b.Messages.Count - accepted, merges[i], refusals[i]);
        }).ToArray();
    }

    /// <summary>The workspace's events-writer lock (see <see cref="IngestLockedAsync"/>): shared by deferred events writes, exclusive for a merge.</summary>
    internal static string EventWritersLock(Guid ws) => "events-writers:" + ws;

    /// <summary>Calls an advisory-lock function (<paramref name="function"/>) on the workspace's events-writer lock, on this session.</summary>
    private static async Task EventWritersAsync(NpgsqlConnection connection, string function, Guid ws, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(hashtext(@key))", connection);
        command.Parameters.AddWithValue("key", EventWritersLock(ws));
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes a merge in the current transaction wait for every events write of the workspace that was decided
    /// before it and is not committed yet, so that the merge moves those events too (PostgreSQL; SQLite's single
    /// writer already orders them). Held until the transaction ends.
    /// </summary>
    internal static Task WaitForEventWritersAsync(ObsessDb db, CancellationToken ct) =>
        db.IsSqlite ? Task.CompletedTask : db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({EventWritersLock(db.CurrentWorkspaceId)}))", ct);

    /// <summary>
    /// Takes the workspace's events-writer lock in shared mode until the current transaction ends: waits for a merge, an
    /// import or an erasure in progress (they hold it exclusively) and keeps new ones from committing meanwhile, without
    /// holding up ingestion's events writes (PostgreSQL; SQLite's single writer already orders them).
    /// </summary>
    internal static Task ShareEventWritersAsync(ObsessDb db, CancellationToken ct) =>
        db.IsSqlite ? Task.CompletedTask : db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock_shared(hashtext({EventWritersLock(db.CurrentWorkspaceId)}))", ct);

    /// <summary>
    /// Writes events in a transaction of their own with binary COPY; if another writer stored one of their message
    /// ids first, writes them again skipping those and returns the message ids skipped (null when none was). The
    /// second write goes through a temporary copy of the table, written with the same columns, so that one
    /// <c>INSERT … ON CONFLICT DO NOTHING</c> can skip the stored ones and say which it stored.
    /// </summary>
    internal static async Task<HashSet<string>?> WriteDeferredEventsAsync(NpgsqlConnection connection, List<CustomerEvent> events, CancellationToken ct)
    {
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await BulkWriter.WriteAsync(connection, tx, "events", Demo.DemoLoader.EventColumns, events, null, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "ix_events_workspace_id_message_id")
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (var create = new NpgsqlCommand("CREATE TEMP TABLE pending_events (LIKE events) ON COMMIT DROP", connection, tx))
            {
                await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await BulkWriter.WriteAsync(connection, tx, "pending_events", Demo.DemoLoader.EventColumns, events, null, ct).ConfigureAwait(false);
            var columns = string.Join(", ", Demo.DemoLoader.EventColumns.Select(c => c.Name));
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO events ({columns}) SELECT {columns} FROM pending_events ON CONFLICT (workspace_id, message_id) DO NOTHING RETURNING message_id", connection, tx);
            var skipped = events.Select(x => x.MessageId).ToHashSet(StringComparer.Ordinal);
            await using (var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    skipped.Remove(reader.GetString(0));
                }
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return skipped;
        }
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

    /// <summary>
    /// Who holds each identity the messages state: identities of this source and the source-less ones (e-mail, phone).
    /// <paramref name="stated"/> receives every stored identity with each value, of any source, from the cache where it
    /// has the value and from the database otherwise.
    /// </summary>
    /// <returns>The holders, and how many values were read from the database.</returns>
    private async Task<(Dictionary<IdentityKey, Guid> Holders, int Queried)> LoadHoldersAsync(
        List<SegmentMessage> messages, string source, ResolutionCache? cache, Dictionary<string, IdentityRow[]> stated, CancellationToken ct)
    {
        var values = new List<string>();
        foreach (var value in messages.SelectMany(m => new[] { m.UserId, m.AnonymousId, m.Email, m.Phone, m.PreviousId }).OfType<string>())
        {
            if (stated.ContainsKey(value))
            {
                continue;
            }

            if (cache is not null && cache.Values.TryGetValue(value, out var cached))
            {
                stated[value] = cached;
            }
            else
            {
                stated[value] = [];
                values.Add(value);
            }
        }

        // A query per 1,000 values, not one for the group's ~2,000: at 2,000 PostgreSQL 15's planner chose a parallel
        // sequential scan of the identities (370k rows) over the index, 33 ms instead of 2 × 6.5 ms (EXPLAIN ANALYZE),
        // and the database's CPU per 1,000 ingested events went from 49 to 74-85 cpu-ms (cpu-ingest.sh).
        foreach (var chunk in values.Chunk(1000))
        {
            // EF.Parameter: one array parameter, so the query's SQL (and its compiled plan) is the same whatever the count.
            var rows = await db.Identities.AsNoTracking().Where(i => EF.Parameter(chunk).Contains(i.Value))
                .Select(i => new { i.Kind, i.Source, i.Value, i.CustomerId }).ToListAsync(ct).ConfigureAwait(false);
            foreach (var r in rows)
            {
                stated[r.Value] = [.. stated[r.Value], IdentityRow.Read(r.Kind, r.Source, r.CustomerId, source)];
            }
        }

        var holders = new Dictionary<IdentityKey, Guid>(Import.IdentityKeyComparer.Instance);
        foreach (var (value, rows) in stated)
        {
            foreach (var r in rows.Where(r => r.Source.Length == 0 || r.Source == source))
            {
                holders[new IdentityKey(r.Kind, r.Source, value)] = r.CustomerId;
            }
        }

        return (holders, values.Count);
    }

    /// <summary>
    /// Takes the workspace's lock for this transaction and reads its change counter, locking the counter's row as well,
    /// in one round trip (PostgreSQL).
    /// </summary>
    /// <remarks>
    /// <para>Separate statements, not one: under READ COMMITTED a statement's snapshot is taken when it starts, so a read
    /// in the locking statement itself could miss a commit made while it waited for the lock.</para>
    /// <para>The row lock (the row created at 0 if the workspace has none yet) makes any other change to the workspace's
    /// customers or identities wait for this transaction's end, since the triggers that count it update that row: so
    /// the counter read before the commit is this value plus this transaction's own changes, and the cache is never
    /// recorded as exact over a change made meanwhile by a writer that skipped the advisory lock (a script, a future
    /// code path). Every writer in the app takes the advisory lock first, so for them the row lock never waits.</para>
    /// </remarks>
    internal static async Task<long> LockWorkspaceAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid ws, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtext($1))") { Parameters = { new NpgsqlParameter { Value = ws.ToString() } } },
                new NpgsqlBatchCommand("INSERT INTO workspace_versions (workspace_id, version) VALUES ($1, 0) ON CONFLICT (workspace_id) DO NOTHING")
                {
                    Parameters = { new NpgsqlParameter { Value = ws } },
                },
                new NpgsqlBatchCommand("SELECT version FROM workspace_versions WHERE workspace_id = $1 FOR UPDATE") { Parameters = { new NpgsqlParameter { Value = ws } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        // Past the lock's row, the first row is the counter (the insert returns none).
        while (await reader.NextResultAsync(ct).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return reader.GetInt64(0);
            }
        }

        throw new InvalidOperationException("the workspace's change counter was not returned");
    }

    /// <summary>The workspace's change counter as this transaction sees it (PostgreSQL).</summary>
    private async Task<long> WorkspaceVersionAsync(Guid ws, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var command = new NpgsqlCommand(VersionSql, connection, (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction())
        {
            Parameters = { new NpgsqlParameter { Value = ws } },
        };
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>A workspace without a row has never had a customer or identity changed since schema 11: 0.</summary>
    private const string VersionSql = "SELECT coalesce((SELECT version FROM workspace_versions WHERE workspace_id = $1), 0)";

    internal static HashSet<IdentityKey> Held(Dictionary<Guid, HashSet<IdentityKey>> held, Guid customer)
    {
        if (!held.TryGetValue(customer, out var set))
        {
            held[customer] = set = new HashSet<IdentityKey>(Import.IdentityKeyComparer.Instance);
        }

        return set;
    }

    /// <summary>Every identity the given customers hold, in one query per thousand customers.</summary>
    internal static async Task<Dictionary<Guid, HashSet<IdentityKey>>> IdentitiesOfAsync(ObsessDb db, List<Guid> customers, CancellationToken ct)
    {
        var held = new Dictionary<Guid, HashSet<IdentityKey>>();
        foreach (var chunk in customers.Chunk(1000))
        {
            foreach (var i in await db.Identities.AsNoTracking().Where(i => EF.Parameter(chunk).Contains(i.CustomerId))
                         .Select(i => new { i.CustomerId, i.Kind, i.Source, i.Value }).ToListAsync(ct).ConfigureAwait(false))
            {
                Held(held, i.CustomerId).Add(new IdentityKey(i.Kind, i.Source, i.Value));
            }
        }

        return held;
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

    /// <summary>A batch waiting for its group commit: its turn says whether it leads the next group (true) or was written by another's (false).</summary>
    internal sealed class PendingBatch(string source, IReadOnlyList<SegmentMessage> messages, bool forceMerge)
    {
        public string Source { get; } = source;

        public IReadOnlyList<SegmentMessage> Messages { get; } = messages;

        public bool ForceMerge { get; } = forceMerge;

        public TaskCompletionSource<bool> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<IngestResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Answer(IngestResult result)
        {
            Result.TrySetResult(result);
            Turn.TrySetResult(false);
        }

        public void Fail(Exception e)
        {
            Result.TrySetException(e);
            Turn.TrySetResult(false);
        }
    }

    private sealed class GroupQueue
    {
        public List<PendingBatch> Waiting { get; } = [];

        public bool Leading { get; set; }

        /// <summary>This process's resolution cache for the workspace (PostgreSQL); used only by the group that leads.</summary>
        public ResolutionCache Cache { get; } = new();
    }
}
