namespace Obsess.Features.Import;

/// <summary>
/// The message ids an import has seen, exactly (ordinal), without keeping a string per id: the characters go into
/// large shared blocks and the table holds plain integers, so the collector has nothing in it to trace or copy. A
/// <c>HashSet&lt;string&gt;</c> kept every id of a million-event file alive to the end, a million objects promoted
/// from one generation to the next while the file was read (1M events, PostgreSQL, alternating pairs: importer CPU
/// to the end of resolution 9.8 → 8.6–8.8 s, collector pauses 1.18–1.29 → 0.94–1.00 s). Only worth it when nothing
/// else keeps the strings (the import's events streamed as they are resolved, see <see cref="ImportService"/>).
/// Open addressing with linear probing over a power-of-two table, at most half full. Not thread-safe.
/// </summary>
internal sealed class MessageIdSet
{
    private const int BlockSize = 1 << 20; // characters per block: 2 MB

    private readonly List<char[]> _blocks = [];
    private int _used = BlockSize; // characters used in the last block (none yet)

    // Per id: its hash, where its characters start (block and offset) and how many there are.
    private Entry[] _entries = new Entry[1024];

    // Slot → entry index + 1 (0: empty).
    private int[] _slots = new int[2048];

    public int Count { get; private set; }

    private record struct Entry(int Hash, int Block, int Offset, int Length);

    /// <summary>Adds the id; false if it was already there.</summary>
    public bool Add(string id)
    {
        var hash = string.GetHashCode(id.AsSpan(), StringComparison.Ordinal);
        var mask = _slots.Length - 1;
        for (var slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            var index = _slots[slot] - 1;
            if (index < 0)
            {
                _slots[slot] = Store(id, hash) + 1;
                if (Count * 2 > _slots.Length)
                {
                    Grow();
                }

                return true;
            }

            ref readonly var e = ref _entries[index];
            if (e.Hash == hash && e.Length == id.Length && _blocks[e.Block].AsSpan(e.Offset, e.Length).SequenceEqual(id))
            {
                return false;
            }
        }
    }

    private int Store(string id, int hash)
    {
        if (id.Length > BlockSize - _used)
        {
            // Ids are short (128 characters at most after validation); a longer one still gets a block of its own.
            _blocks.Add(new char[Math.Max(BlockSize, id.Length)]);
            _used = 0;
        }

        id.CopyTo(_blocks[^1].AsSpan(_used));
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[Count] = new Entry(hash, _blocks.Count - 1, _used, id.Length);
        _used += id.Length;
        return Count++;
    }

    private void Grow()
    {
        _slots = new int[_slots.Length * 2];
        var mask = _slots.Length - 1;
        for (var i = 0; i < Count; i++)
        {
            var slot = _entries[i].Hash & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = i + 1;
        }
    }
}
