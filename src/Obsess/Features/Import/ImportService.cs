using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Obsess.Data;
using Obsess.Features.Customers;
using Obsess.Features.Workspaces;

namespace Obsess.Features.Import;

public sealed record ImportResult(
    int Rows,
    int NewCustomers,
    int UpdatedCustomers,
    int NewIdentities,
    int Orders,
    int Events,
    int Skipped,
    int Merges,
    IReadOnlyList<ImportError> Errors,
    int ErrorCount,
    TimeSpan Elapsed)
{
    public bool Succeeded => ErrorCount == 0;

    /// <summary>The tables written in bulk-load mode (without their secondary indexes, rebuilt before the commit).</summary>
    public IReadOnlyList<string> BulkTables { get; init; } = [];
}

/// <summary>
/// Bulk import of customers, orders or events, all or nothing: one invalid row means nothing is written (every row
/// is still validated, so that all errors are counted). Rows are resolved to customers with the same identity rules
/// as the ingestion API while the rest of the file is still being read, then written in one transaction with the
/// bulk writer — for a large import in bulk-load mode (<see cref="BulkLoad"/>). Re-importing the same file changes
/// nothing: orders are keyed by (source, order_id), events by message_id (or the row's content), customers by their
/// identities.
/// </summary>
public sealed class ImportService(ObsessDb db, TimeProvider clock)
{
    public const int MaxErrorsShown = 100;

    /// <summary>Tests only: runs inside the transaction after a bulk load's write, before its indexes are rebuilt.</summary>
    internal Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, CancellationToken, Task>? BeforeIndexesRebuilt { get; set; }

    public async Task<ImportResult> ImportAsync(
        ImportKind kind, IEnumerable<RawRow> rows, string source, Action<string, double>? progress = null, BulkMode bulk = BulkMode.Auto, CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var ws = db.CurrentWorkspaceId;
        var workspace = await db.Workspaces.AsNoTracking().FirstAsync(w => w.Id == ws, ct).ConfigureAwait(false);

        // Two cores, two stages: one thread reads and validates the file while this one resolves the rows already
        // validated (a bounded channel of batches between them keeps memory flat). Nothing is written until the last
        // row is validated, so the import stays all or nothing: once a row is invalid, no more rows are handed over,
        // the rest of the file is only validated (to count its errors), and the transaction is rolled back. Two batches
        // in the channel, not sixteen: rows waiting there are alive at every collection, and each one copied to an
        // older generation (1M events, alternating pairs: 10.7–11.1 s of CPU to the end of resolution instead of
        // 11.5–12.7, collector pauses 1.11–1.15 s instead of 1.18–1.38).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var validation = new Validation();
        var channel = Channel.CreateBounded<ImportRow[]>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var validator = Task.Run(() => ValidateAsync(kind, rows, source, workspace.DefaultRegion, channel.Writer, validation, stop.Token), stop.Token);
        try
        {
            return await ResolveAndWriteAsync(kind, source, workspace, channel.Reader, validator, validation, progress, bulk, watch, ct).ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened here, the validating thread must be done with the caller's reader before we return.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await validator.ConfigureAwait(false);
            }
            catch (Exception) when (validator.IsCanceled || validator.IsFaulted)
            {
                // Already observed by ResolveAndWriteAsync, or the import failed for another reason being thrown now.
            }
        }
    }

    private const int BatchSize = 2048;

    /// <summary>What the validating thread found: every row read, the first errors and their count.</summary>
    private sealed class Validation
    {
        private volatile bool _failed;

        public int Read { get; set; }

        public List<ImportError> Errors { get; } = [];

        public int ErrorCount { get; set; }

        /// <summary>Read by the resolving thread, so it stops work that will be rolled back.</summary>
        public bool Failed => _failed;

        public void Add(List<ImportError> errors)
        {
            ErrorCount += errors.Count;
            Errors.AddRange(errors.Take(Math.Max(0, MaxErrorsShown - Errors.Count)));
            _failed = true;
        }
    }

    private static async Task ValidateAsync(ImportKind kind, IEnumerable<RawRow> rows, string source, string region, ChannelWriter<ImportRow[]> writer, Validation validation, CancellationToken ct)
    {
        try
        {
            var batch = new List<ImportRow>(BatchSize);
            foreach (var raw in rows)
            {
                ct.ThrowIfCancellationRequested();
                validation.Read++;
                var (row, rowErrors) = ImportRows.Validate(kind, raw, source, region);
                if (rowErrors.Count > 0)
                {
                    validation.Add(rowErrors);
                }
                else if (!validation.Failed)
                {
                    batch.Add(row!);
                    if (batch.Count == BatchSize)
                    {
                        await writer.WriteAsync([.. batch], ct).ConfigureAwait(false);
                        batch.Clear();
                    }
                }
            }

            if (batch.Count > 0 && !validation.Failed)
            {
                await writer.WriteAsync([.. batch], ct).ConfigureAwait(false);
            }
        }
        finally
        {
            writer.Complete();
        }
    }

    private async Task<ImportResult> ResolveAndWriteAsync(
        ImportKind kind, string source, Workspace workspace, ChannelReader<ImportRow[]> rows, Task validator, Validation validation,
        Action<string, double>? progress, BulkMode bulk, Stopwatch watch, CancellationToken ct)
    {
        var ws = workspace.Id;
        progress?.Invoke("Resolving", 0);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!db.IsSqlite)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({ws.ToString()}))", ct).ConfigureAwait(false);

            // HTTP ingestion writes a group's events after its resolution commits: wait for those in flight, so the
            // stored message ids read below are complete (no new ones start while this holds the workspace lock).
            await Ingestion.IngestionService.WaitForEventWritersAsync(db, ct).ConfigureAwait(false);
        }
        else
        {
            // The events' indexes on customer, time and message id take rows in random order, and at a million rows
            // they are ~100 MB: with SQLite's default page cache (2 MB per connection) nearly every insert read its
            // index pages back from the OS (a third of the import's CPU was system time). A larger cache for this
            // connection's import only; it is set back below, as the connection returns to the pool. Durability is
            // unchanged: the cache holds pages, the commit still writes and syncs the WAL.
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -262144", ct).ConfigureAwait(false); // KiB: 256 MiB
        }

        try
        {
            return await ResolveAndWriteAsync(kind, source, workspace, rows, validator, validation, progress, bulk, watch, now, tx, ct).ConfigureAwait(false);
        }
        finally
        {
            if (db.IsSqlite)
            {
                // Also after a failure (the page cache setting is not part of the transaction).
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -2000", CancellationToken.None).ConfigureAwait(false); // SQLite's default
            }
        }
    }

    private async Task<ImportResult> ResolveAndWriteAsync(
        ImportKind kind, string source, Workspace workspace, ChannelReader<ImportRow[]> rows, Task validator, Validation validation,
        Action<string, double>? progress, BulkMode bulk, Stopwatch watch, DateTime now, IDbContextTransaction tx, CancellationToken ct)
    {
        var ws = workspace.Id;
        // Who holds each identity now: every identity of this source and the source-less ones (e-mail, phone).
        var holders = new Dictionary<IdentityKey, Guid>(IdentityKeyComparer.Instance);
        foreach (var i in await db.Identities.AsNoTracking().Where(i => i.Source == "" || i.Source == source)
                     .Select(i => new { i.Kind, i.Source, i.Value, i.CustomerId }).ToListAsync(ct).ConfigureAwait(false))
        {
            holders[new IdentityKey(i.Kind, i.Source, i.Value)] = i.CustomerId;
        }

        var anyStored = holders.Count > 0;

        var ids = new Version7Ids();
        // Event names and channels repeat down a file; one string each, instead of one per row kept until the write
        // (a million rows otherwise carry millions of copies through every garbage collection).
        var repeated = new Dictionary<string, string>(StringComparer.Ordinal);
        string Repeated(string value)
        {
            if (repeated.TryGetValue(value, out var same))
            {
                return same;
            }

            if (repeated.Count < 10_000)
            {
                repeated[value] = value;
            }

            return value;
        }

        var created = new Dictionary<Guid, Customer>();
        var createdOrder = new Dictionary<Guid, int>();
        var existing = new Dictionary<Guid, Customer>();
        var newIdentities = new List<CustomerIdentity>();
        var orders = new List<Order>();
        var pool = System.Buffers.ArrayPool<PendingEvent>.Create(PendingEvents.ChunkSize, 16);
        var events = new PendingEvents(pool);
        var merges = 0;
        var skipped = 0;
        var updated = new HashSet<Guid>();

        HashSet<string> knownOrders = kind == ImportKind.Orders
            ? (await db.Orders.AsNoTracking().Where(o => o.Source == source).Select(o => o.ExternalId).ToListAsync(ct).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal)
            : [];
        // A workspace with no events stored has none of the file's message ids: the first import skips the lookup.
        var eventsStored = kind == ImportKind.Events && await db.Events.AnyAsync(ct).ConfigureAwait(false);
        var held = new Dictionary<Guid, HashSet<IdentityKey>>();
        var loaded = new HashSet<Guid>();

        // On PostgreSQL, events are written while the file is still being resolved (EventStream) when resolving reads
        // nothing from the database, which the writer then holds: no message id of the file can be stored (the workspace has no events)
        // and no identity it could name is stored (so every customer a row reaches, or merges, was born in this import).
        // A workspace's first import of its history is such a file; any other goes the way it did, written at the end.
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        var streamable = kind == ImportKind.Events && !eventsStored && !anyStored && connection is Npgsql.NpgsqlConnection;
        // The message ids seen. Streamed events are gone once written, so a set of their strings would be all that keeps a
        // million of them alive to the end: MessageIdSet keeps their characters instead. Events kept to the end hold their
        // strings anyway, and there a set of the same strings cost less (SQLite, 1M events, alternating pairs: client CPU
        // to the end of resolution 9.6 / 10.7 s with it, 11.6 / 11.4 s with MessageIdSet).
        Func<string, bool> firstSeen = streamable ? new MessageIdSet().Add : new HashSet<string>(StringComparer.Ordinal).Add;
        await using var stream = new EventStream(pool, ws, source);
        // When to start: at once, unless --bulk auto must first see that the import is large enough to write the events
        // without their indexes (BulkLoad.Applies; the import's final count can only be larger than what it has so far).
        var sendAt = bulk == BulkMode.Auto ? BulkLoad.AutoMinimumRows : 1;
        var deferred = new List<DeferredIndex>();
        var eventsBulk = false;

        async Task StreamAsync()
        {
            if (!stream.Started)
            {
                if (bulk != BulkMode.Off)
                {
                    var holds = bulk == BulkMode.Auto ? await BulkLoad.RowsHeldAsync(connection, transaction, "events", events.Count + 1L, ct).ConfigureAwait(false) : 0;
                    if (!BulkLoad.Applies(bulk, events.Count, holds))
                    {
                        // The table holds more rows than the import has so far: keep the events, and ask again at twice as many.
                        sendAt = events.Count * 2;
                        return;
                    }

                    eventsBulk = true;
                    deferred.AddRange(await BulkLoad.DropAsync(connection, transaction, db.IsSqlite, "events", ct).ConfigureAwait(false));
                }

                stream.Start(connection);
                sendAt = PendingEvents.ChunkSize;
            }

            await stream.SendAsync(events, ct).ConfigureAwait(false);
        }

        void Repoint(Guid from, Guid to)
        {
            foreach (var i in newIdentities.Where(i => i.CustomerId == from)) { i.CustomerId = to; }
            foreach (var o in orders.Where(o => o.CustomerId == from)) { o.CustomerId = to; }
            events.Repoint(from, to);
        }

        async Task<ResolutionDecision> DecideAsync(ImportRow row)
        {
            var stated = row.Identities.Distinct().ToList();
            var known = new Dictionary<Guid, KnownCustomer>();
            foreach (var holder in stated.Where(holders.ContainsKey).Select(i => holders[i]).Distinct())
            {
                var c = await CustomerAsync(holder).ConfigureAwait(false);
                // Customers created by this import count as newer than every stored one, in the order they appeared.
                var createdAt = created.ContainsKey(holder) ? now.AddTicks(createdOrder[holder]) : c.CreatedAt;
                known[holder] = new KnownCustomer(holder, createdAt, held.GetValueOrDefault(holder) ?? []);
            }

            return IdentityResolution.Decide(stated, holders, known);
        }

        async Task<Customer> CustomerAsync(Guid id)
        {
            if (created.TryGetValue(id, out var c) || existing.TryGetValue(id, out c))
            {
                return c;
            }

            c = await db.Customers.FirstAsync(x => x.Id == id, ct).ConfigureAwait(false);
            existing[id] = c;
            return c;
        }

        async Task LoadNamedAsync(IEnumerable<ImportRow> batch)
        {
            var named = new List<Guid>();
            foreach (var row in batch)
            {
                foreach (var identity in row.Identities)
                {
                    if (holders.TryGetValue(identity, out var holder) && !created.ContainsKey(holder) && loaded.Add(holder))
                    {
                        named.Add(holder);
                    }
                }
            }

            foreach (var (id, keys) in await Ingestion.IngestionService.IdentitiesOfAsync(db, named, ct).ConfigureAwait(false))
            {
                Ingestion.IngestionService.Held(held, id).UnionWith(keys);
            }

            foreach (var chunk in named.Chunk(1000))
            {
                foreach (var c in await db.Customers.Where(c => chunk.Contains(c.Id)).ToListAsync(ct).ConfigureAwait(false))
                {
                    existing.TryAdd(c.Id, c);
                }
            }
        }

        var done = 0;
        await foreach (var batch in rows.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (validation.Failed)
            {
                continue; // rolled back below: drain the channel without resolving.
            }

            // Rows whose event is stored already are skipped below, so nothing is loaded for them (a re-import of a
            // whole file loads no customer at all).
            IEnumerable<ImportRow> toResolve = batch;
            if (eventsStored)
            {
                var storedHere = new HashSet<string>(StringComparer.Ordinal);
                foreach (var stored in await StoredMessageIdsAsync(db, batch.Select(r => r.MessageId!).Distinct(), ct).ConfigureAwait(false))
                {
                    firstSeen(stored);
                    storedHere.Add(stored);
                }

                if (storedHere.Count > 0)
                {
                    toResolve = batch.Where(r => !storedHere.Contains(r.MessageId!));
                }
            }

            // Load the stored customers this batch names, in chunks, rather than one query per row. Loaded later than
            // before the first row, their identities may include ones a merge of this import moved; the union is the same.
            // A workspace with none of these identities stored has no customer a row could name (every holder is born
            // in this import), so its first import skips the look-ups (two map look-ups per identity, ~0.5 s of a
            // million-row import's CPU in a profile).
            if (anyStored)
            {
                await LoadNamedAsync(toResolve).ConfigureAwait(false);
            }

            foreach (var row in batch)
            {
                if (kind == ImportKind.Orders && !knownOrders.Add(row.ExternalId!) || kind == ImportKind.Events && !firstSeen(row.MessageId!))
                {
                    skipped++;
                    continue;
                }

                // Most rows name one customer by every identity they state: no decision to build for those (an object
                // per row), nothing to attach or merge.
                var sole = IdentityResolution.SoleHolder(row.Identities, holders);
                var decision = sole is null ? await DecideAsync(row).ConfigureAwait(false) : null;
                Customer customer;
                // Born in this import (created now or by an earlier row): written whole at the end, so never "updated".
                bool born;
                if ((sole ?? decision!.CustomerId) is { } id)
                {
                    born = created.TryGetValue(id, out customer!);
                    customer ??= await CustomerAsync(id).ConfigureAwait(false);
                }
                else
                {
                    var at = row.At ?? now;
                    // Created in file order, a microsecond apart (the databases' precision): a later merge of two
                    // customers born here keeps the one the file named first, as "the oldest survives" says, rather
                    // than whichever id sorts first.
                    customer = new Customer { WorkspaceId = ws, Id = ids.Next(), CreatedAt = now.AddMicroseconds(created.Count), UpdatedAt = now, FirstSeenAt = at, LastSeenAt = at };
                    created[customer.Id] = customer;
                    createdOrder[customer.Id] = created.Count;
                    born = true;
                }

                foreach (var mergedId in decision?.MergeIntoSurvivor ?? [])
                {
                    if (created.Remove(mergedId, out var fresh))
                    {
                        // A customer born in this import has no stored rows: point its pending rows at the survivor, and
                        // the events already sent to the database too, before the commit.
                        Repoint(mergedId, customer.Id);
                        if (stream.Started)
                        {
                            stream.Moved(mergedId, customer.Id);
                        }

                        foreach (var key in holders.Where(h => h.Value == mergedId).Select(h => h.Key).ToList()) { holders[key] = customer.Id; }
                        Ingestion.IngestionService.Held(held, customer.Id).UnionWith(held.GetValueOrDefault(mergedId) ?? []);
                        customer.Traits = TraitMerge.Apply(customer.Traits, fresh.Traits, incomingIsNewer: false);
                        customer.Consent = Consent.Merge(customer.Consent, fresh.Consent);
                        customer.Name ??= fresh.Name;
                        customer.Email ??= fresh.Email;
                        customer.Phone ??= fresh.Phone;
                    }
                    else
                    {
                        // Rows of this import not yet written follow the merged customer to the survivor too.
                        Repoint(mergedId, customer.Id);
                        await db.SaveChangesAsync(ct).ConfigureAwait(false);
                        await MergeService.MergeAsync(db, customer, existing[mergedId], decision!.MergeCause ?? "linked by import", holders, now, ct).ConfigureAwait(false);
                        Ingestion.IngestionService.Held(held, customer.Id).UnionWith(held.GetValueOrDefault(mergedId) ?? []);
                        merges++;
                    }
                }

                foreach (var identity in decision?.Attach ?? [])
                {
                    newIdentities.Add(new CustomerIdentity { WorkspaceId = ws, Id = ids.Next(), CustomerId = customer.Id, Kind = identity.Kind, Source = identity.Source, Value = identity.Value, FirstSeenAt = row.At ?? now });
                    holders[identity] = customer.Id;
                    Ingestion.IngestionService.Held(held, customer.Id).Add(identity);
                }

                var before = born ? default : (customer.Name, customer.Email, customer.Phone, customer.Traits, customer.Consent, customer.FirstSeenAt, customer.LastSeenAt);
                customer.Name ??= row.Name;
                customer.Email ??= row.Email;
                customer.Phone ??= row.Phone;
                if (kind == ImportKind.Customers)
                {
                    customer.Traits = TraitMerge.Apply(customer.Traits, row.Data);
                    if (!string.IsNullOrEmpty(row.Name)) { customer.Name = row.Name; }
                    if (row.Consent.Count > 0) { customer.Consent = Consent.Apply(customer.Consent, row.Consent, row.At ?? now, source); }
                }

                if (row.At is { } seen)
                {
                    customer.FirstSeenAt = seen < customer.FirstSeenAt ? seen : customer.FirstSeenAt;
                    customer.LastSeenAt = seen > customer.LastSeenAt ? seen : customer.LastSeenAt;
                }

                if (!born && before != (customer.Name, customer.Email, customer.Phone, customer.Traits, customer.Consent, customer.FirstSeenAt, customer.LastSeenAt))
                {
                    customer.UpdatedAt = now;
                    updated.Add(customer.Id);
                }

                if (kind == ImportKind.Orders)
                {
                    orders.Add(new Order { WorkspaceId = ws, Id = ids.Next(), CustomerId = customer.Id, Source = source, ExternalId = row.ExternalId!, Channel = row.Channel ?? "import", OrderedAt = row.At!.Value, Amount = row.Amount, Currency = row.Currency ?? workspace.Currency, Items = row.Items });
                }
                else if (kind == ImportKind.Events)
                {
                    events.Add(new PendingEvent(ids.Next(), customer.Id, Repeated(row.EventName!), Repeated(row.Channel ?? "import"), row.At!.Value, row.Data, row.MessageId!));
                    if (streamable && events.Count >= sendAt)
                    {
                        await StreamAsync().ConfigureAwait(false);
                    }
                }

                if (++done % 20_000 == 0)
                {
                    // The file's length in rows is not known until it is read: a bar that slows as it nears half way.
                    progress?.Invoke("Resolving", 0.5 * done / (done + 500_000.0));
                }
            }
        }

        // The validating thread is done (it completed the channel); its exceptions (a malformed file) surface here.
        await validator.ConfigureAwait(false);
        if (validation.ErrorCount > 0)
        {
            // Rolled back as the transaction is disposed: a merge made while resolving the rows before the first
            // invalid one is undone with everything else.
            return new ImportResult(validation.Read, 0, 0, 0, 0, 0, 0, 0, validation.Errors, validation.ErrorCount, watch.Elapsed);
        }

        // The events sent while resolving: the rest of them, and the writer's end (it hands the connection back).
        var streamed = 0;
        if (stream.Started)
        {
            await stream.SendAsync(events, ct).ConfigureAwait(false);
            streamed = await stream.CompleteAsync().ConfigureAwait(false);
        }

        // Existing customers changed through tracked entities; new rows go through the bulk writer. Every read of the
        // import (stored identities, message ids and orders, the customers it updates or merges) is done by now, so
        // from here on no query of this import needs the indexes a bulk load takes away.
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        (string Table, int Rows)[] tables = [("customers", created.Count), ("customer_identities", newIdentities.Count), ("orders", orders.Count), ("events", streamed + events.Count)];
        var bulkTables = new List<string>();
        foreach (var (table, count) in tables)
        {
            if (table == "events" && stream.Started)
            {
                // Decided when the stream started.
                if (eventsBulk)
                {
                    bulkTables.Add(table);
                }

                continue;
            }

            var holds = bulk == BulkMode.Auto && count >= BulkLoad.AutoMinimumRows ? await BulkLoad.RowsHeldAsync(connection, transaction, table, count + 1L, ct).ConfigureAwait(false) : 0;
            if (BulkLoad.Applies(bulk, count, holds))
            {
                bulkTables.Add(table);
                // Customers come first: once their indexes are dropped (the table locked), the other tables' foreign
                // keys to them can be checked after the write too.
                var locked = deferred.Select(d => d.Table).ToHashSet(StringComparer.Ordinal);
                deferred.AddRange(await BulkLoad.DropAsync(connection, transaction, db.IsSqlite, table, ct, locked).ConfigureAwait(false));
            }
        }

        var total = (double)Math.Max(1, created.Count + newIdentities.Count + orders.Count + events.Count);
        var written = 0;
        void Report(int n) => progress?.Invoke("Writing", 0.5 + (deferred.Count > 0 ? 0.4 : 0.5) * (written + n) / total);
        written += await BulkWriter.WriteAsync(connection, transaction, "customers", Demo.DemoLoader.CustomerColumns, created.Values, Report, ct).ConfigureAwait(false);
        written += await BulkWriter.WriteAsync(connection, transaction, "customer_identities", Demo.DemoLoader.IdentityColumns, newIdentities, Report, ct).ConfigureAwait(false);
        written += await BulkWriter.WriteAsync(connection, transaction, "orders", Demo.DemoLoader.OrderColumns, orders, Report, ct).ConfigureAwait(false);
        await BulkWriter.WriteAsync(connection, transaction, "events", PendingEvent.Columns(ws, source), events, Report, ct).ConfigureAwait(false);
        // Events sent before a later row merged their customer (born in this import) follow it to the survivor.
        if (stream.Started)
        {
            await stream.FixMovedAsync((Npgsql.NpgsqlConnection)connection, (Npgsql.NpgsqlTransaction)transaction, ct).ConfigureAwait(false);
        }

        if (deferred.Count > 0)
        {
            progress?.Invoke("Indexing", 0.9);
            if (BeforeIndexesRebuilt is { } hook)
            {
                await hook(connection, transaction, ct).ConfigureAwait(false);
            }

            // A unique index that finds a duplicate here fails the import like a unique violation during the write would.
            await BulkLoad.RestoreAsync(connection, transaction, db.IsSqlite, deferred, ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        // After the commit: ANALYZE takes a lock that lets others read and write, unlike the bulk load's. The rows are
        // stored by now, so a failure here must not report the import as failed: autovacuum analyzes later anyway.
        try
        {
            await BulkLoad.AnalyzeAsync(db, bulkTables, CancellationToken.None).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException)
        {
        }
        progress?.Invoke("Writing", 1);
        return new ImportResult(validation.Read, created.Count, updated.Count, newIdentities.Count, orders.Count, streamed + events.Count, skipped, merges, [], 0, watch.Elapsed) { BulkTables = bulkTables };
    }

    /// <summary>
    /// Which of these message ids the current workspace has already stored: one reused command over chunks of ids
    /// (a JSON array on SQLite, a text array on PostgreSQL), far cheaper than an EF query per chunk.
    /// </summary>
    internal static async Task<List<string>> StoredMessageIdsAsync(ObsessDb db, IEnumerable<string> messageIds, CancellationToken ct)
    {
        var found = new List<string>();
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var workspace = command.CreateParameter();
        workspace.ParameterName = "@ws";
        var ids = command.CreateParameter();
        ids.ParameterName = "@ids";
        command.Parameters.Add(workspace);
        command.Parameters.Add(ids);
        if (db.IsSqlite)
        {
            command.CommandText = "SELECT message_id FROM events WHERE workspace_id = @ws AND message_id IN (SELECT value FROM json_each(@ids))";
            workspace.Value = BulkWriter.SqliteValue(db.CurrentWorkspaceId);
        }
        else
        {
            command.CommandText = "SELECT message_id FROM events WHERE workspace_id = @ws AND message_id = ANY(@ids)";
            workspace.Value = db.CurrentWorkspaceId;
        }

        foreach (var chunk in messageIds.Chunk(5000))
        {
            ids.Value = db.IsSqlite ? System.Text.Json.JsonSerializer.Serialize(chunk) : chunk;
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add(reader.GetString(0));
            }
        }

        return found;
    }
}
