using System.Text.Json;
using System.Text.RegularExpressions;

namespace Obsess.Features.Customers;

/// <summary>One purpose's consent: granted or withdrawn, when, and who said so.</summary>
public sealed record ConsentState(bool Granted, DateTime At, string Source);

/// <summary>
/// Per-purpose consent (e.g. marketing_email, analytics), kept on the customer. Later modules ask
/// <see cref="Allows"/> before they act; a purpose nobody stated is not granted. For each purpose the most recent
/// statement wins, whichever source made it.
/// </summary>
public static partial class Consent
{
    public static IReadOnlyDictionary<string, ConsentState> Read(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, ConsentState>>(json, Options) ?? [];

    public static string Write(IReadOnlyDictionary<string, ConsentState> consent) => JsonSerializer.Serialize(consent, Options);

    public static bool Allows(string json, string purpose) => Read(json).TryGetValue(purpose, out var s) && s.Granted;

    public static bool IsPurpose(string purpose) => PurposeName().IsMatch(purpose);

    /// <summary>
    /// Applies statements; each one replaces the stored state only when it is at least as recent and says something
    /// different (repeating a standing choice keeps the time it was first made, so re-imports change nothing).
    /// </summary>
    public static string Apply(string json, IEnumerable<KeyValuePair<string, bool>> statements, DateTime at, string source)
    {
        var consent = new Dictionary<string, ConsentState>(Read(json));
        foreach (var (purpose, granted) in statements)
        {
            if (!consent.TryGetValue(purpose, out var current) || (current.At <= at && current.Granted != granted))
            {
                consent[purpose] = new ConsentState(granted, at, source);
            }
        }

        return Write(consent);
    }

    /// <summary>Merges two profiles' consent: per purpose, the most recent statement.</summary>
    public static string Merge(string a, string b)
    {
        var result = new Dictionary<string, ConsentState>(Read(a));
        foreach (var (purpose, state) in Read(b))
        {
            if (!result.TryGetValue(purpose, out var current) || current.At < state.At)
            {
                result[purpose] = state;
            }
        }

        return Write(result);
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    [GeneratedRegex("^[a-z0-9_]{1,64}$")]
    private static partial Regex PurposeName();
}
