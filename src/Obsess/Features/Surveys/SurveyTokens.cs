using System.Security.Cryptography;
using System.Text;

namespace Obsess.Features.Surveys;

/// <summary>
/// The secrets in survey URLs, all base64url. A survey token is the workspace id (16 bytes) and 18 random bytes, so a
/// public request finds its workspace without a cross-tenant lookup and the token stays unguessable (144 random bits).
/// A personal link's key is the link id and 24 random bytes; a response's resume secret is 24 random bytes. Only
/// SHA-256 hashes of link keys and resume secrets are stored; a fast hash suits secrets with this much entropy.
/// </summary>
public static class SurveyTokens
{
    public static string NewSurveyToken(Guid workspaceId) => Encode([.. workspaceId.ToByteArray(), .. RandomNumberGenerator.GetBytes(18)]);

    public static bool TryReadWorkspace(string? token, out Guid workspaceId) => TryReadGuid(token, 46, out workspaceId);

    public static string NewLinkKey(Guid linkId) => Encode([.. linkId.ToByteArray(), .. RandomNumberGenerator.GetBytes(24)]);

    public static bool TryReadLinkId(string? key, out Guid linkId) => TryReadGuid(key, 54, out linkId);

    public static string NewResumeSecret() => Encode(RandomNumberGenerator.GetBytes(24));

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares a presented secret with a stored hash in constant time.</summary>
    public static bool Verify(string? secret, string storedHash) =>
        secret is { Length: > 0 and < 200 }
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

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
