using System.Security.Cryptography;
using System.Text;

namespace Obsess.Features.Surveys;

/// <summary>
/// The secrets in survey URLs, all base64url. A survey token is the workspace id (16 bytes) and 18 random bytes, so a
/// public request finds its workspace without a cross-tenant lookup and the token stays unguessable (144 random bits).
/// A personal link's key is the link id and 24 random bytes; a response's resume secret is 24 random bytes. Only
/// SHA-256 hashes of link keys and resume secrets are stored; a fast hash suits secrets with this much entropy.
/// A personal link's URL carries the key signed (<see cref="SignLink"/>): an HMAC-SHA256 over the link key and what the
/// link binds, so a forged or altered link is refused before the database is asked about it.
/// </summary>
public static class SurveyTokens
{
    public static string NewSurveyToken(Guid workspaceId) => Encode([.. workspaceId.ToByteArray(), .. RandomNumberGenerator.GetBytes(18)]);

    public static bool TryReadWorkspace(string? token, out Guid workspaceId) => TryReadGuid(token, 46, out workspaceId);

    public static string NewLinkKey(Guid linkId) => Encode([.. linkId.ToByteArray(), .. RandomNumberGenerator.GetBytes(24)]);

    public static bool TryReadLinkId(string? key, out Guid linkId) => TryReadGuid(key, 54, out linkId);

    /// <summary>
    /// The <c>k</c> of a personal link's URL: <c>{link key}.{customer}.{touchpoint}.{expiry}.{signature}</c>, the
    /// customer a base64url Guid, the expiry in Unix seconds, and the signature an HMAC-SHA256 (RFC 2104) with the
    /// workspace's link key over all of them plus the workspace and survey, which the URL's survey token already names.
    /// Nothing in it is secret beyond the link key: it only lets the server refuse an altered link without a lookup.
    /// </summary>
    public static string SignLink(ReadOnlySpan<byte> hmacKey, Guid workspaceId, Guid surveyId, string linkKey, Guid customerId, string touchpoint, DateTime expiresAt)
    {
        var link = new SignedLinkKey(linkKey, default, customerId, touchpoint, new DateTimeOffset(expiresAt, TimeSpan.Zero).ToUnixTimeSeconds(), []);
        return $"{linkKey}.{Encode(customerId.ToByteArray())}.{touchpoint}.{link.ExpiresUnix}.{Encode(Mac(hmacKey, workspaceId, surveyId, link))}";
    }

    /// <summary>Reads a signed link key's parts (not yet checking its signature); false for any other shape.</summary>
    public static bool TryReadSignedLink(string? k, out SignedLinkKey link)
    {
        link = null!;
        var parts = k is { Length: < 300 } ? k.Split('.') : [];
        if (parts.Length != 5
            || !TryReadLinkId(parts[0], out var linkId)
            || !TryDecode(parts[1], 16, out var customer)
            || !SurveyValidation.IsTag(parts[2], SurveyValidation.MaxTouchpointLength)
            || parts[3].Length is 0 or > 12 || !parts[3].All(char.IsAsciiDigit)
            || !TryDecode(parts[4], 32, out var mac))
        {
            return false;
        }

        link = new SignedLinkKey(parts[0], linkId, new Guid(customer), parts[2], long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture), mac);
        return true;
    }

    /// <summary>Whether the signature is the workspace key's for this survey, compared in constant time.</summary>
    public static bool VerifyLink(ReadOnlySpan<byte> hmacKey, Guid workspaceId, Guid surveyId, SignedLinkKey link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return CryptographicOperations.FixedTimeEquals(Mac(hmacKey, workspaceId, surveyId, link), link.Mac);
    }

    private static byte[] Mac(ReadOnlySpan<byte> hmacKey, Guid workspaceId, Guid surveyId, SignedLinkKey link) =>
        HMACSHA256.HashData(hmacKey, Encoding.UTF8.GetBytes(
            $"obsess.survey_link.v1|{workspaceId:N}|{surveyId:N}|{link.LinkKey}|{link.CustomerId:N}|{link.Touchpoint}|{link.ExpiresUnix}"));

    public static string NewResumeSecret() => Encode(RandomNumberGenerator.GetBytes(24));

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares a presented secret with a stored hash in constant time.</summary>
    public static bool Verify(string? secret, string storedHash) =>
        secret is { Length: > 0 and < 300 }
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashOf(secret)), Encoding.ASCII.GetBytes(storedHash));

    private static bool TryReadGuid(string? token, int length, out Guid id)
    {
        id = Guid.Empty;
        if (token is null || token.Length != length)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[48];
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written < 16)
        {
            return false;
        }

        id = new Guid(bytes[..16]);
        return true;
    }

    private static bool TryDecode(string text, int length, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != (length * 4 + 2) / 3)
        {
            return false;
        }

        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        var buffer = new byte[length + 2];
        if (!Convert.TryFromBase64String(base64, buffer, out var written) || written != length)
        {
            return false;
        }

        bytes = buffer[..length];
        return true;
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A signed personal link key, read from its URL: the parts the signature covers, and the signature.</summary>
public sealed record SignedLinkKey(string LinkKey, Guid LinkId, Guid CustomerId, string Touchpoint, long ExpiresUnix, byte[] Mac);
