using System.Globalization;
using System.Security.Cryptography;

namespace Obsess.Features.Accounts;

/// <summary>
/// PBKDF2-HMAC-SHA256 with 600,000 iterations and a 16-byte random salt, the OWASP Password Storage Cheat Sheet's
/// recommendation for PBKDF2 (2023). Stored as "pbkdf2-sha256$iterations$salt$hash" (base64), so the cost can be
/// raised later and old hashes still verify (and are re-hashed at the next sign-in).
/// </summary>
public static class PasswordHasher
{
    public const int Iterations = 600_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Scheme = "pbkdf2-sha256";

    public static string Hash(string password, int iterations = Iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public static bool Verify(string password, string stored) => Verify(password, stored, out _);

    /// <summary>Checks a password in constant time; <paramref name="needsRehash"/> says the stored cost is below today's.</summary>
    public static bool Verify(string password, string stored, out bool needsRehash)
    {
        needsRehash = false;
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        needsRehash = iterations < Iterations;
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A strong random password for the first admin: 20 characters from an unambiguous alphabet (~114 bits).</summary>
    public static string Generate(int length = 20)
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }

    /// <summary>The minimum a password must meet (NIST SP 800-63B: length over composition rules).</summary>
    public static string? Weakness(string? password) =>
        string.IsNullOrEmpty(password) ? "Password is required."
        : password.Length < 12 ? "Password must be at least 12 characters long."
        : password.Length > 256 ? "Password must be at most 256 characters long."
        : null;
}
