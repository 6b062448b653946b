using System.Text.Json;
using System.Text.Json.Nodes;

namespace Obsess.Features.Customers;

/// <summary>
/// Per-trait merge strategies. Default: the most recent non-empty value wins. First-seen traits (sign-up and
/// creation dates) keep the value they had first. An empty value (null, "") never overwrites a real one.
/// </summary>
public static class TraitMerge
{
    private static readonly HashSet<string> FirstSeen = new(StringComparer.OrdinalIgnoreCase)
    {
        "createdAt", "created_at", "signupDate", "signup_date", "signedUpAt", "signed_up_at", "firstSeen", "first_seen", "acquisitionSource", "acquisition_source",
    };

    public static bool IsFirstSeen(string trait) => FirstSeen.Contains(trait);

    /// <summary>Applies <paramref name="incoming"/> on top of <paramref name="existing"/> (both JSON objects); returns the merged JSON.</summary>
    public static string Apply(string existing, string incoming, bool incomingIsNewer = true)
    {
        var target = JsonNode.Parse(existing) as JsonObject ?? [];
        if (JsonNode.Parse(incoming) is not JsonObject source)
        {
            return target.ToJsonString();
        }

        foreach (var (key, value) in source)
        {
            // "consent" is not a trait: it is stored per purpose with its time and source (see Consent).
            if (IsEmpty(value) || key == "consent")
            {
                continue;
            }

            var has = target.TryGetPropertyValue(key, out var current) && !IsEmpty(current);
            if (!has || (incomingIsNewer && !IsFirstSeen(key)) || (!incomingIsNewer && IsFirstSeen(key)))
            {
                target[key] = value?.DeepClone();
            }
        }

        return target.ToJsonString();
    }

    private static bool IsEmpty(JsonNode? v) =>
        v is null || (v.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetValue<string>()));
}
