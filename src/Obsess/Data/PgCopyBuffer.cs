using System.Buffers.Binary;
using System.Text;

namespace Obsess.Data;

/// <summary>
/// Rows in PostgreSQL's binary COPY format (the "binary format" of the COPY documentation: a header, then per row
/// its field count and each field as a length and its bytes, then a trailer), encoded here for the types whose
/// encoding is simple and fixed (uuid, timestamp, integers, booleans, text) — byte for byte what Npgsql's own
/// writers send for them, without a parameter and an asynchronous write per value. Not thread-safe.
/// </summary>
internal sealed class PgCopyBuffer
{
    /// <summary>Written to the server once this much has accumulated (Npgsql's write buffer is 8 KiB).</summary>
    public const int FlushAt = 64 * 1024;

    // Strict, as Npgsql's text encoding is: a string with a lone surrogate fails rather than being altered.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Npgsql's epoch offset: PostgreSQL counts microseconds from 2000-01-01.
    private const long PostgresEpochTicks = 630_822_816_000_000_000;

    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private byte[] _buffer = new byte[FlushAt + 1024];

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Length);

    public void Clear() => Length = 0;

    /// <summary>The signature, flags (none) and header extension length (none).</summary>
    public void WriteHeader()
    {
        Signature.CopyTo(Room(11));
        Length += 11;
        Int32(0);
        Int32(0);
    }

    public void WriteTrailer() => Int16(-1);

    public void StartRow(int fields) => Int16(checked((short)fields));

    public void WriteNull() => Int32(-1);

    public void Write(Guid value)
    {
        Int32(16);
        value.TryWriteBytes(Room(16), bigEndian: true, out _);
        Length += 16;
    }

    /// <summary>
    /// timestamp and timestamptz alike, as Npgsql encodes a <see cref="DateTime"/> of any kind: microseconds from
    /// 2000-01-01 (the extra precision dropped, toward zero), and the minimum and maximum as -infinity and infinity.
    /// </summary>
    public void Write(DateTime value)
    {
        Int32(8);
        Int64(value == DateTime.MinValue ? long.MinValue : value == DateTime.MaxValue ? long.MaxValue : (value.Ticks - PostgresEpochTicks) / 10);
    }

    public void Write(int value)
    {
        Int32(4);
        Int32(value);
    }

    public void Write(long value)
    {
        Int32(8);
        Int64(value);
    }

    public void Write(bool value)
    {
        Int32(1);
        Room(1)[0] = value ? (byte)1 : (byte)0;
        Length++;
    }

    public void Write(string value)
    {
        var room = Room(4 + Utf8.GetMaxByteCount(value.Length));
        var bytes = Utf8.GetBytes(value, room[4..]);
        BinaryPrimitives.WriteInt32BigEndian(room, bytes);
        Length += 4 + bytes;
    }

    private void Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(Room(2), value);
        Length += 2;
    }

    private void Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(Room(4), value);
        Length += 4;
    }

    private void Int64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(Room(8), value);
        Length += 8;
    }

    /// <summary>At least <paramref name="bytes"/> free bytes after what is written (a long text grows the buffer).</summary>
    private Span<byte> Room(int bytes)
    {
        if (_buffer.Length - Length < bytes)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + bytes));
        }

        return _buffer.AsSpan(Length);
    }
}
