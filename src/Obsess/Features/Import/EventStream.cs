using System.Buffers;
using System.Data.Common;
using System.Threading.Channels;
using Npgsql;
using Obsess.Data;

namespace Obsess.Features.Import;

/// <summary>
/// An event of the file waiting for the write: a struct in a chunk rather than a <see cref="CustomerEvent"/> per row.
/// An import that keeps its events until the last row is validated would otherwise hold a million objects, copied by
/// the collector from one generation to the next (the collector's threads had ~20% of the import's CPU samples).
/// </summary>
internal record struct PendingEvent(Guid Id, Guid CustomerId, string Name, string Channel, DateTime OccurredAt, string Properties, string MessageId)
{
    /// <summary>The columns of <see cref="Demo.DemoLoader.EventColumns"/>, of an event imported into this workspace from this source.</summary>
    public static BulkColumn<PendingEvent>[] Columns(Guid workspace, string source) =>
    [
        BulkColumn<PendingEvent>.Of("workspace_id", _ => workspace), BulkColumn<PendingEvent>.Of("id", e => e.Id), BulkColumn<PendingEvent>.Of("customer_id", e => e.CustomerId),
        BulkColumn<PendingEvent>.Of("type", _ => "track"), BulkColumn<PendingEvent>.Of("name", e => e.Name), BulkColumn<PendingEvent>.Of("source", _ => source),
        BulkColumn<PendingEvent>.Of("channel", e => e.Channel), BulkColumn<PendingEvent>.Of("occurred_at", e => e.OccurredAt),
        BulkColumn<PendingEvent>.Of("properties", e => e.Properties), BulkColumn<PendingEvent>.Of("message_id", e => e.MessageId),
    ];
}

/// <summary>
/// The events not yet written, in chunks of 8,192 that are never copied: a list doubles into a new array each time it
/// is full, up to 72 MB at a million events, and copies everything it holds each time (1M events, PostgreSQL,
/// alternating pairs: 1.71 → 1.63 GB allocated, 11.75 → 10.7–11.3 s of CPU to the end of resolution). A chunk is
/// ~590 KB (the large-object heap), so chunks come from a pool and go back to it once written.
/// </summary>
internal sealed class PendingEvents(ArrayPool<PendingEvent> pool) : IReadOnlyCollection<PendingEvent>
{
    public const int ChunkSize = 8192;

    private List<PendingEvent[]> _chunks = [];

    public int Count { get; private set; }

    public void Add(in PendingEvent e)
    {
        if (Count % ChunkSize == 0)
        {
            _chunks.Add(pool.Rent(ChunkSize));
        }

        _chunks[^1][Count++ % ChunkSize] = e;
    }

    /// <summary>Moves the events of a customer merged away to the survivor.</summary>
    public void Repoint(Guid from, Guid to)
    {
        for (var c = 0; c < _chunks.Count; c++)
        {
            foreach (ref var e in _chunks[c].AsSpan(0, Math.Min(ChunkSize, Count - c * ChunkSize)))
            {
                if (e.CustomerId == from)
                {
                    e.CustomerId = to;
                }
            }
        }
    }

    /// <summary>Hands every event over (each chunk with how many events it holds) and starts again empty.</summary>
    public List<(PendingEvent[] Chunk, int Count)> TakeAll()
    {
        var taken = _chunks.Select((chunk, c) => (chunk, Math.Min(ChunkSize, Count - c * ChunkSize))).ToList();
        _chunks = [];
        Count = 0;
        return taken;
    }

    public IEnumerator<PendingEvent> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _chunks[i / ChunkSize][i % ChunkSize];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// The events of an import written to PostgreSQL while the rest of the file is still being read and resolved: the
/// resolving thread hands over chunks of resolved events, and a writer task sends them as one binary COPY inside the
/// import's transaction, so the server stores them while the client reads on, and no event is kept to the end. The
/// import stays all or nothing: every row goes into the one transaction, which is rolled back if any row is invalid.
/// (Not on SQLite: its inserts run in this process, on the same two cores as the reading and resolving, and writing
/// them alongside made the import no faster — 1M events, 16.4–17.7 s before, 17.6–22.4 s with the stream.)
/// <para>
/// An event already sent names the customer it was resolved to then. If a later row of the same import merges that
/// customer (born in this import) into another, <see cref="Moved"/> records it, and <see cref="FixMovedAsync"/> moves
/// the sent events to the final survivor with one UPDATE before the commit (events not yet sent are repointed in
/// memory, as before). Customers stored before the import are never merged while streaming: the import streams only
/// when no identity it could name is stored, see <see cref="ImportService"/>.
/// </para>
/// </summary>
internal sealed class EventStream(ArrayPool<PendingEvent> pool, Guid workspace, string source) : IAsyncDisposable
{
    // A few chunks in flight: enough to keep the writer busy while the resolver fills the next one.
    private readonly Channel<(PendingEvent[] Chunk, int Count)> _chunks =
        Channel.CreateBounded<(PendingEvent[] Chunk, int Count)>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });

    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<Guid, Guid> _moved = [];
    private Task<int>? _writer;

    public bool Started => _writer is not null;

    /// <summary>Events handed to the writer so far.</summary>
    public int Sent { get; private set; }

    /// <summary>Starts the writer on <paramref name="connection"/>, which belongs to it until <see cref="CompleteAsync"/>.</summary>
    public void Start(DbConnection connection)
    {
        var ct = _stop.Token;
        _writer = Task.Run(async () =>
        {
            try
            {
                return await BulkWriter.WriteAsync(connection, "events", PendingEvent.Columns(workspace, source), RowsAsync(ct), ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Wakes a resolver waiting for room in the channel: it then reports this exception (see SendAsync).
                _chunks.Writer.TryComplete(e);
                throw;
            }
        }, ct);
    }

    private async IAsyncEnumerable<PendingEvent> RowsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (chunk, count) in _chunks.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            for (var i = 0; i < count; i++)
            {
                yield return chunk[i];
            }

            // Written (the COPY encodes each row as it is read): the chunk's strings can go, the array can be reused.
            pool.Return(chunk, clearArray: true);
        }
    }

    /// <summary>Hands the pending events to the writer; the writer's failure, if any, is thrown here.</summary>
    public async Task SendAsync(PendingEvents events, CancellationToken ct)
    {
        foreach (var chunk in events.TakeAll())
        {
            try
            {
                await _chunks.Writer.WriteAsync(chunk, ct).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                await _writer!.ConfigureAwait(false); // the writer failed: its own exception
                throw;
            }

            Sent += chunk.Count;
        }
    }

    /// <summary>A customer born in this import was merged into <paramref name="survivor"/>: its events already sent follow it.</summary>
    public void Moved(Guid merged, Guid survivor) => _moved[merged] = survivor;

    /// <summary>Waits for the writer to write everything sent; returns the number of events written.</summary>
    public async Task<int> CompleteAsync()
    {
        _chunks.Writer.TryComplete();
        return await _writer!.ConfigureAwait(false);
    }

    /// <summary>
    /// The merged customer → final survivor of each merge recorded (a survivor may itself have been merged later in
    /// the file), as two arrays.
    /// </summary>
    internal static (Guid[] Merged, Guid[] Survivors) FinalSurvivors(IReadOnlyDictionary<Guid, Guid> moved)
    {
        var merged = moved.Keys.ToArray();
        var survivors = new Guid[merged.Length];
        for (var i = 0; i < merged.Length; i++)
        {
            var to = moved[merged[i]];
            // A merged customer holds no identity any more, so no later row can make it a survivor: the chain has no
            // cycle (the bound is only a guard).
            for (var steps = 0; moved.TryGetValue(to, out var next) && steps < moved.Count; steps++)
            {
                to = next;
            }

            survivors[i] = to;
        }

        return (merged, survivors);
    }

    /// <summary>
    /// Moves the events already sent for customers merged later in the import to their final survivor: one UPDATE,
    /// run by the caller before the events' indexes are rebuilt (a bulk load then scans the table once and maintains no
    /// index). Only this import's events can name these customers: they were born in it, with fresh ids.
    /// </summary>
    public async Task<int> FixMovedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        if (_moved.Count == 0)
        {
            return 0;
        }

        var (merged, survivors) = FinalSurvivors(_moved);
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandTimeout = 0;
        update.CommandText = """
            UPDATE events AS e SET customer_id = m.survivor
            FROM unnest(@merged, @survivors) AS m (merged, survivor)
            WHERE e.workspace_id = @ws AND e.customer_id = m.merged
            """;
        update.Parameters.Add(new NpgsqlParameter("ws", workspace));
        update.Parameters.Add(new NpgsqlParameter("merged", merged));
        update.Parameters.Add(new NpgsqlParameter("survivors", survivors));
        return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            // Stopped early (a failure, an invalid row): the writer abandons its COPY; the caller rolls back.
            await _stop.CancelAsync().ConfigureAwait(false);
            _chunks.Writer.TryComplete();
            try
            {
                await _writer.ConfigureAwait(false);
            }
            catch (Exception) when (_writer.IsCanceled || _writer.IsFaulted)
            {
                // Observed by SendAsync or CompleteAsync, or the import is failing for another reason being thrown now.
            }
        }

        _stop.Dispose();
    }
}
