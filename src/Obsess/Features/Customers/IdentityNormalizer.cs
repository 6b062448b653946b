namespace Obsess.Features.Customers;

/// <summary>
/// Turns the many ways systems write an e-mail or a phone into one canonical value, so the same person matches
/// across sources, and refuses values that identify nobody.
/// </summary>
public static class IdentityNormalizer
{
    // Placeholder values that SDKs and forms send when they have nothing; merging on them would join strangers.
    private static readonly HashSet<string> Bogus = new(StringComparer.OrdinalIgnoreCase)
    {
        "", "null", "undefined", "none", "nil", "nan", "0", "-1", "anonymous", "guest", "unknown", "n/a", "na", "[object object]", "true", "false",
    };

    public static bool IsBogus(string? value) => value is null || Bogus.Contains(value.Trim());

    /// <summary>Trimmed and lower-cased; null when it is not shaped like an address.</summary>
    public static string? Email(string? raw)
    {
        if (IsBogus(raw))
        {
            return null;
        }

        var e = raw!.Trim().ToLowerInvariant();
        var at = e.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == e.LastIndexOf('@') && at < e.Length - 3 && e.IndexOf('.', at) > at + 1 && !e.Any(char.IsWhiteSpace) && e.Length <= 320
            ? e
            : null;
    }

    /// <summary>
    /// E.164 ("+" and up to 15 digits, ITU-T E.164 §6). A number without a country code is read in the workspace's
    /// default region; only regions whose national format is known here are accepted that way (NANP for now).
    /// </summary>
    public static string? Phone(string? raw, string defaultRegion = "US")
    {
        if (IsBogus(raw))
        {
            return null;
        }

        var s = raw!.Trim();
        var international = s.StartsWith('+') || s.StartsWith("00", StringComparison.Ordinal);
        var digits = new string(s.Where(char.IsAsciiDigit).ToArray());
        if (s.StartsWith("00", StringComparison.Ordinal))
        {
            digits = digits[2..];
        }

        if (!international)
        {
            if (defaultRegion is "US" or "CA" && digits.Length == 10)
            {
                digits = "1" + digits;
            }
            else if (defaultRegion is "US" or "CA" && digits.Length == 11 && digits[0] == '1')
            {
                // Already has the NANP trunk/country code 1.
            }
            else
            {
                return null;
            }
        }

        return digits.Length is >= 8 and <= 15 && digits[0] != '0' && digits.Distinct().Count() > 1 ? "+" + digits : null;
    }
}
