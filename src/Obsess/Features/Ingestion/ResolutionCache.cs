using Obsess.Features.Customers;

namespace Obsess.Features.Ingestion;

/// <summary>
/// What one process's ingestion into one workspace last read and wrote under the workspace lock (PostgreSQL): every
/// identity stored with each value it looked up, and the customers it resolved messages to. Reading them again under
/// the lock was the largest part of the serialized section (holders ~17 and customers ~10 of ~45 ms per 1,000
/// events, docs/bench/hub.md §11), so the next group uses these instead, for the values and customers it holds.
/// </summary>
/// <remarks>
/// The cache is exact or not used. It is valid only at <see cref="Version"/>, the workspace's change counter
/// (<c>workspace_versions</c>, moved by triggers on every statement that changes customers or identities, whoever
/// runs it) as this process's last commit left it; a group that finds another value under the lock starts from an
/// empty cache. The group also holds the counter's row lock from that read to its commit, so a writer that skips the
/// workspace lock waits rather than changing something the group's commit would then vouch for. A group that fails, or merges, empties it too (a merge moves rows the cache does not follow).
/// Customers are mutated in place by the group that uses them. Only the first attempt of the group that leads the
/// workspace's queue touches it, before it hands the lead on, so the cache needs no locking of its own; a retry,
/// which may run after the hand-off, reads from the database.
/// </remarks>
internal sealed class ResolutionCache
{
    /// <summary>
    /// Beyond this many values or customers the cache starts again empty, so memory stays bounded: ~225 bytes per
    /// value and ~315 per customer (100,000 benchmark customers with 330,630 values held 106 MB of managed heap,
    /// <c>hub-cache-memory</c>), so at most ~300 MB per workspace.
    /// </summary>
    internal const int MaxValues = 1_000_000;

    internal const int MaxCustomers = 250_000;

    /// <summary>The workspace's change counter the contents are exact at; -1 when empty.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>Every stored identity with the value, of any kind and source (an empty array: none).</summary>
    public Dictionary<string, IdentityRow[]> Values { get; } = new(StringComparer.Ordinal);

    public Dictionary<Guid, Customer> Customers { get; } = [];

    /// <summary>Groups that found the cache valid and groups that did not, since the process started (for the debug log and tests).</summary>
    public long Hits { get; private set; }

    public long Misses { get; private set; }

    /// <summary>
    /// Called under the workspace lock with the counter read there: keeps the contents if they are exact at it, else
    /// empties them. Until <see cref="Committed"/> the cache then counts as empty for the next check, so a group that
    /// fails after changing cached customers in memory leaves nothing to be trusted, without a handler of its own.
    /// </summary>
    public void Check(long version)
    {
        if (version == Version)
        {
            Hits++;
        }
        else
        {
            Misses++;
            Clear();
        }

        Version = -1;
    }

    public void Clear()
    {
        Version = -1;
        Values.Clear();
        Customers.Clear();
    }

    /// <summary>After a commit: the values and customers the group read or wrote are as stored at <paramref name="version"/>.</summary>
    public void Committed(long version, Dictionary<string, IdentityRow[]> values, IEnumerable<Customer> customers)
    {
        foreach (var (value, rows) in values)
        {
            Values[value] = rows;
        }

        foreach (var c in customers)
        {
            Customers[c.Id] = c;
        }

        Version = version;
        if (Values.Count > MaxValues || Customers.Count > MaxCustomers)
        {
            Clear();
        }
    }
}

/// <summary>A stored identity as the holders look-up returns it.</summary>
internal readonly record struct IdentityRow(string Kind, string Source, Guid CustomerId)
{
    /// <summary>
    /// A row read from the database, its kind and source sharing the strings the app already holds rather than one
    /// fresh pair per row (the cache keeps every row it reads: ~285 bytes per value with a fresh pair, ~225 with shared ones,
    /// <c>hub-cache-memory</c>, docs/bench/hub.md §13).
    /// </summary>
    public static IdentityRow Read(string kind, string source, Guid customerId, string currentSource) => new(
        kind switch
        {
            IdentityKinds.Email => IdentityKinds.Email,
            IdentityKinds.Phone => IdentityKinds.Phone,
            IdentityKinds.External => IdentityKinds.External,
            IdentityKinds.Anonymous => IdentityKinds.Anonymous,
            _ => kind,
        },
        source.Length == 0 ? string.Empty : source == currentSource ? currentSource : source,
        customerId);
}
