using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Obsess.Features.Import;

/// <summary>
/// Version 7 GUIDs (RFC 9562 §5.7: 48-bit Unix milliseconds, version, 74 random bits, variant), laid out exactly as
/// <see cref="Guid.CreateVersion7()"/> lays them out, for the million rows of a large import. That method asks the OS
/// for 16 random bytes on every call — here, with glibc's arc4random, one getrandom system call per id — so this
/// draws the same cryptographically secure bytes 16 KiB at a time. Not thread-safe: one instance per import.
/// </summary>
internal sealed class Version7Ids
{
    private readonly byte[] _random = new byte[16 * 1024];
    private int _next = 16 * 1024;

    public Guid Next()
    {
        if (_next == _random.Length)
        {
            RandomNumberGenerator.Fill(_random);
            _next = 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        _random.AsSpan(_next, 16).CopyTo(bytes);
        _next += 16;
        var milliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(milliseconds >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], (uint)milliseconds);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true);
    }
}
