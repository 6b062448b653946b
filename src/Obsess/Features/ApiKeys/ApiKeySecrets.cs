using System.Security.Cryptography;
using System.Text;

namespace Obsess.Features.ApiKeys;

/// <summary>
/// API key format: "obs_" + the workspace id (32 hex) + "_" + 32 random bytes in base64url. The workspace part lets
/// the lookup stay inside one workspace (every key includes it); the secret has 256 bits of entropy, so a fast
/// SHA-256 is the right hash (a slow KDF protects guessable secrets, which these are not).
/// </summary>
public static class ApiKeySecrets
{
    public const string Marker = "obs_";

    public static string NewKey(Guid workspaceId) =>
        $"{Marker}{workspaceId:N}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";

    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string PrefixOf(string key) => key.Length >= 45 ? key.Substring(37, 8) : key;

    /// <summary>Reads the workspace id out of a key; false for anything not shaped like an Obsess key.</summary>
    public static bool TryParse(string? key, out Guid workspaceId)
    {
        workspaceId = Guid.Empty;
        return key is { Length: > 40 and < 200 }
            && key.StartsWith(Marker, StringComparison.Ordinal)
            && key[36] == '_'
            && Guid.TryParseExact(key.AsSpan(4, 32), "N", out workspaceId);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
