using System.Globalization;
using System.Text.Json;
using Obsess.Features.Customers;

namespace Obsess.Features.Ingestion;

/// <summary>One validated message of the Segment HTTP tracking API spec (identify, track, page, screen, alias, group).</summary>
public sealed record SegmentMessage
{
    public required string Type { get; init; }

    public required string MessageId { get; init; }

    public string? UserId { get; init; }

    public string? AnonymousId { get; init; }

    /// <summary>alias: the id the user had before.</summary>
    public string? PreviousId { get; init; }

    /// <summary>track: the event; page/screen: the page name.</summary>
    public string? Event { get; init; }

    public required DateTime Timestamp { get; init; }

    /// <summary>Traits (identify, or context.traits on other calls) as a JSON object; "{}" when none.</summary>
    public required string Traits { get; init; }

    public required string Properties { get; init; }

    public string? Email { get; init; }

    public string? Phone { get; init; }

    public string? Name { get; init; }

    public string Channel { get; init; } = "web";

    /// <summary>Consent statements: traits.consent or Segment's context.consent.categoryPreferences (purpose → granted).</summary>
    public IReadOnlyDictionary<string, bool> Consent { get; init; } = new Dictionary<string, bool>();
}

/// <summary>A message refused, with the fields at fault (RFC 9457-style entry in the batch response).</summary>
public sealed record RejectedMessage(int Index, string? MessageId, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// Reads Segment messages leniently where the spec is lenient (ids may be numbers, timestamps may be missing) and
/// strictly where a wrong value would corrupt data (types, bogus ids, malformed timestamps). Each error names the
/// field, in the message's own JSON path.
/// </summary>
public static class SegmentParser
{
    public const int MaxMessageBytes = 32 * 1024;
    public const int MaxBatchMessages = 1000;
    private static readonly string[] Types = ["identify", "track", "page", "screen", "alias", "group"];

    /// <param name="batchContext">A batch call's own <c>context</c>, which applies to each of its messages wherever the message's context does not say otherwise.</param>
    /// <param name="webhook">
    /// A message made from a webhook's payload (<see cref="WebhookMapping"/>): an e-mail or phone in the traits is
    /// identity enough without a userId or anonymousId (such senders know a customer by e-mail), and it may be as long
    /// as the call. Segment's own calls need one of the two ids and at most 32 KB.
    /// </param>
    public static (SegmentMessage? Message, Dictionary<string, string[]> Errors) Parse(
        JsonElement m, string? forcedType, DateTime receivedAt, DateTime? batchSentAt, string region, JsonElement? batchContext = null, bool webhook = false)
    {
        var errors = new Dictionary<string, string[]>();
        if (m.ValueKind != JsonValueKind.Object)
        {
            errors[""] = ["A message must be a JSON object."];
            return (null, errors);
        }

        var maxBytes = webhook ? WebhookMapping.MaxPayloadBytes : MaxMessageBytes;
        if (m.GetRawText().Length > maxBytes)
        {
            errors[""] = [$"A message must be at most {maxBytes / 1024} KB."];
            return (null, errors);
        }

        var type = forcedType ?? Str(m, "type", errors);
        if (type is null || !Types.Contains(type))
        {
            errors["type"] = [$"type must be one of: {string.Join(", ", Types)}."];
        }

        var userId = Id(m, "userId", errors);
        var anonymousId = Id(m, "anonymousId", errors);
        if (userId is null && anonymousId is null && !errors.ContainsKey("userId") && !errors.ContainsKey("anonymousId") && !webhook)
        {
            errors["userId"] = ["Either userId or anonymousId is required."];
        }

        string? previousId = null;
        if (type == "alias")
        {
            previousId = Id(m, "previousId", errors);
            if (previousId is null && !errors.ContainsKey("previousId"))
            {
                errors["previousId"] = ["alias needs previousId."];
            }
        }

        string? evt = null;
        if (type == "track")
        {
            evt = Str(m, "event", errors);
            if (string.IsNullOrWhiteSpace(evt))
            {
                errors["event"] = ["track needs a non-empty event name."];
            }
            else if (evt.Length > 200)
            {
                errors["event"] = ["event must be at most 200 characters."];
            }
        }
        else if (type is "page" or "screen")
        {
            evt = Str(m, "name", errors);
        }

        var messageId = Id(m, "messageId", errors);
        if (messageId is { Length: > 128 })
        {
            errors["messageId"] = ["messageId must be at most 128 characters."];
        }

        var timestamp = Time(m, "timestamp", errors);
        var sentAt = Time(m, "sentAt", errors) ?? batchSentAt;

        var traits = Obj(m, "traits", errors);
        var context = new MessageContext(m.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.Object ? c : null, batchContext);
        if (traits is null && context.Holder("traits") is { } holder)
        {
            traits = Obj(holder, "traits", errors, "context.traits");
        }

        var properties = Obj(m, "properties", errors);
        string? email = null, phone = null, name = null;
        if (traits is { } t)
        {
            if (t.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String && !IdentityNormalizer.IsBogus(e.GetString()))
            {
                email = IdentityNormalizer.Email(e.GetString());
                if (email is null)
                {
                    errors["traits.email"] = ["traits.email is not an e-mail address."];
                }
            }

            if (t.TryGetProperty("phone", out var p) && p.ValueKind == JsonValueKind.String && !IdentityNormalizer.IsBogus(p.GetString()))
            {
                phone = IdentityNormalizer.Phone(p.GetString(), region);
                if (phone is null)
                {
                    errors["traits.phone"] = [$"traits.phone is not a phone number (give it in E.164, e.g. +14155550100, or in the workspace's region {region})."];
                }
            }

            name = t.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name is null && t.TryGetProperty("firstName", out var fn) && fn.ValueKind == JsonValueKind.String)
            {
                name = (fn.GetString() + " " + (t.TryGetProperty("lastName", out var ln) && ln.ValueKind == JsonValueKind.String ? ln.GetString() : "")).Trim();
            }
        }

        if (webhook && userId is null && anonymousId is null && email is null && phone is null && errors.Count == 0)
        {
            // Reached when the e-mail or phone given is a placeholder ("null", "undefined", …), which identifies nobody.
            errors["identity"] = ["No customer: no userId, anonymousId, or usable e-mail or phone in the traits."];
        }

        var consent = new Dictionary<string, bool>();
        if (traits is { } tc && tc.TryGetProperty("consent", out var tcv))
        {
            ReadConsent(tcv, "traits.consent", consent, errors);
        }

        if (context.Get("consent") is { ValueKind: JsonValueKind.Object } ccv && ccv.TryGetProperty("categoryPreferences", out var prefs))
        {
            ReadConsent(prefs, "context.consent.categoryPreferences", consent, errors);
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        // Segment's clock-skew correction: the device's clock may be wrong, but the gap between timestamp and
        // sentAt on that clock is right, so the event happened that long before the server received it.
        var at = timestamp is { } ts && sentAt is { } sa ? receivedAt - (sa - ts) : timestamp ?? receivedAt;
        if (at > receivedAt.AddDays(1))
        {
            at = receivedAt;
        }

        var channel = ChannelOf(m, context, type);
        return (new SegmentMessage
        {
            Type = type!,
            MessageId = messageId ?? Deterministic(m),
            UserId = userId,
            AnonymousId = anonymousId,
            PreviousId = previousId,
            Event = evt,
            Timestamp = at,
            Traits = traits?.GetRawText() ?? "{}",
            Properties = properties?.GetRawText() ?? "{}",
            Email = email,
            Phone = phone,
            Name = name is { Length: > 200 } ? name[..200] : name,
            Channel = channel.Length > 32 ? channel[..32] : channel,
            Consent = consent,
        }, errors);
    }

    /// <summary>A message's context, falling back, key by key, to its batch's.</summary>
    private readonly record struct MessageContext(JsonElement? Own, JsonElement? Batch)
    {
        public JsonElement? Get(string name) => Holder(name)?.GetProperty(name);

        /// <summary>The context object (the message's, else the batch's) that has <paramref name="name"/>.</summary>
        public JsonElement? Holder(string name) =>
            Own is { } own && own.TryGetProperty(name, out _) ? own
            : Batch is { ValueKind: JsonValueKind.Object } batch && batch.TryGetProperty(name, out _) ? batch
            : null;
    }

    /// <summary>
    /// The channel a message came through: <c>context.channel</c> when the sender states it; else RudderStack's
    /// <c>channel</c> (web, mobile, server); else "mobile" when the device is a phone or tablet (<c>context.device.type</c>
    /// or <c>context.os.name</c> iOS/Android, as Segment's and RudderStack's mobile SDKs report it) or the library is a
    /// mobile SDK, "server" when the library is a server SDK (<c>context.library.name</c>: analytics-node,
    /// -python, -ruby, -java, -go, -php, .NET); else "mobile" for a screen call and "web" for the rest.
    /// </summary>
    private static string ChannelOf(JsonElement m, MessageContext context, string? type)
    {
        if (context.Get("channel") is { ValueKind: JsonValueKind.String } stated && stated.GetString() is { Length: > 0 } s)
        {
            return s;
        }

        if (m.TryGetProperty("channel", out var rudder) && rudder.ValueKind == JsonValueKind.String && rudder.GetString() is { Length: > 0 } r)
        {
            return r.ToLowerInvariant();
        }

        var device = Text(context.Get("device"), "type") ?? Text(context.Get("os"), "name");
        if (device is not null && (device.Equals("ios", StringComparison.OrdinalIgnoreCase) || device.Equals("android", StringComparison.OrdinalIgnoreCase)
            || device.Equals("ipados", StringComparison.OrdinalIgnoreCase)))
        {
            return "mobile";
        }

        if (Text(context.Get("library"), "name") is { } library)
        {
            var words = library.ToLowerInvariant().Split(['-', '_', '/', '@', ' ', '.', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Any(w => w is "ios" or "android" or "swift" or "kotlin" or "flutter" or "xamarin" or "native" or "unity"))
            {
                return "mobile";
            }

            if (words.Any(w => w is "node" or "python" or "ruby" or "java" or "go" or "php" or "net" or "csharp" or "dotnet" or "elixir" or "rust" or "clj"))
            {
                return "server";
            }
        }

        return type == "screen" ? "mobile" : "web";

        static string? Text(JsonElement? o, string name) =>
            o is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private static void ReadConsent(JsonElement v, string path, Dictionary<string, bool> into, Dictionary<string, string[]> errors)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors[path] = [$"{path} must be an object of purpose → true/false."];
            return;
        }

        foreach (var p in v.EnumerateObject())
        {
            var purpose = p.Name.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
            if (!Customers.Consent.IsPurpose(purpose) || p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors[$"{path}.{p.Name}"] = ["A consent purpose is a short name (letters, digits, _) with the value true or false."];
                continue;
            }

            into[purpose] = p.Value.GetBoolean();
        }
    }

    /// <summary>Without a messageId, the message's own content is its identity, so a retried copy is still stored once.</summary>
    private static string Deterministic(JsonElement m) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(m.GetRawText())))[..40];

    private static string? Str(JsonElement m, string name, Dictionary<string, string[]> errors)
    {
        if (!m.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"{name} must be a string."];
            return null;
        }

        return v.GetString();
    }

    /// <summary>Ids may be strings or numbers (the spec allows both); placeholder values are refused by name.</summary>
    private static string? Id(JsonElement m, string name, Dictionary<string, string[]> errors)
    {
        if (!m.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var s = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!.Trim(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        };
        if (s is null)
        {
            errors[name] = [$"{name} must be a string or a number."];
            return null;
        }

        if (IdentityNormalizer.IsBogus(s))
        {
            errors[name] = [$"{name} \"{s}\" is a placeholder, not an id; leave it out instead."];
            return null;
        }

        if (s.Length > 256)
        {
            errors[name] = [$"{name} must be at most 256 characters."];
            return null;
        }

        return s;
    }

    private static DateTime? Time(JsonElement m, string name, Dictionary<string, string[]> errors)
    {
        var s = Str(m, name, errors);
        if (s is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && t.Year is > 1970 and < 2200)
        {
            return t.UtcDateTime;
        }

        errors[name] = [$"{name} must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z."];
        return null;
    }

    private static JsonElement? Obj(JsonElement m, string name, Dictionary<string, string[]> errors, string? path = null)
    {
        if (!m.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            errors[path ?? name] = [$"{path ?? name} must be a JSON object."];
            return null;
        }

        return v;
    }
}
