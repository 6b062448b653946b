using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Obsess.Features.Ingestion;

/// <summary>
/// How a webhook's payload becomes a track call (<c>POST /v1/webhook</c>), given in the webhook's own URL so that any
/// service that can post to a URL can send (Stripe, Shopify, a help desk, a form tool): the event's name (fixed, or
/// read from the payload), where the payload names the customer (a user id, an anonymous id, an e-mail or a phone),
/// the delivery's id (so a redelivered webhook is stored once) and time. Paths are dot-separated property names, with
/// numbers for array elements (<c>data.object.customer_email</c>, <c>line_items.0.sku</c>). Without any, a payload is
/// an event named as RudderStack's webhook source names it, with the whole payload as its properties.
/// </summary>
internal sealed record WebhookMapping
{
    /// <summary>The event name RudderStack's webhook source gives every payload.</summary>
    public const string DefaultEvent = "webhook_source_event";

    /// <summary>A webhook's payload may be as long as the call (Segment's 32 KB per message is for SDK calls).</summary>
    public const int MaxPayloadBytes = IngestionApi.MaxBatchBytes;

    private const int MaxPathLength = 200;

    /// <summary>The query parameters this reads; any other but the write key is refused, so a misspelt one is noticed.</summary>
    public static readonly string[] Parameters = ["event", "eventPath", "userIdPath", "anonymousIdPath", "emailPath", "phonePath", "messageIdPath", "timestampPath", "propertiesPath"];

    public string Event { get; init; } = DefaultEvent;

    public string? EventPath { get; init; }

    public string? UserIdPath { get; init; }

    public string? AnonymousIdPath { get; init; }

    public string? EmailPath { get; init; }

    public string? PhonePath { get; init; }

    public string? MessageIdPath { get; init; }

    public string? TimestampPath { get; init; }

    public string? PropertiesPath { get; init; }

    /// <summary>The mapping a webhook URL's query gives, or the parameters at fault.</summary>
    public static (WebhookMapping? Mapping, Dictionary<string, string[]> Errors) FromQuery(IEnumerable<KeyValuePair<string, string?>> query)
    {
        var errors = new Dictionary<string, string[]>();
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in query)
        {
            if (string.Equals(name, "writeKey", StringComparison.Ordinal))
            {
                continue;
            }

            if (!Parameters.Contains(name, StringComparer.Ordinal))
            {
                errors[name] = [$"Unknown parameter '{name}'. A webhook URL takes writeKey and {string.Join(", ", Parameters)}."];
                continue;
            }

            var v = value?.Trim() ?? "";
            if (v.Length == 0)
            {
                errors[name] = [$"{name} is empty."];
            }
            else if (v.Length > MaxPathLength)
            {
                errors[name] = [$"{name} must be at most {MaxPathLength} characters."];
            }
            else if (name != "event" && v.Split('.').Any(s => s.Length == 0))
            {
                errors[name] = [$"{name} '{v}' is not a path: property names separated by single dots, e.g. data.object.email."];
            }
            else
            {
                given[name] = v;
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new WebhookMapping
        {
            Event = given.GetValueOrDefault("event") ?? DefaultEvent,
            EventPath = given.GetValueOrDefault("eventPath"),
            UserIdPath = given.GetValueOrDefault("userIdPath"),
            AnonymousIdPath = given.GetValueOrDefault("anonymousIdPath"),
            EmailPath = given.GetValueOrDefault("emailPath"),
            PhonePath = given.GetValueOrDefault("phonePath"),
            MessageIdPath = given.GetValueOrDefault("messageIdPath"),
            TimestampPath = given.GetValueOrDefault("timestampPath"),
            PropertiesPath = given.GetValueOrDefault("propertiesPath"),
        }, errors);
    }

    /// <summary>
    /// The track call a payload makes, or the mapping parameters it does not satisfy (named by parameter). A value that
    /// is absent from the payload is no error, except that one of the identity paths must give a value.
    /// </summary>
    public (JsonObject? Message, Dictionary<string, string[]> Errors) ToMessage(JsonElement payload)
    {
        var errors = new Dictionary<string, string[]>();
        if (payload.ValueKind != JsonValueKind.Object)
        {
            errors[""] = ["A webhook payload must be a JSON object."];
            return (null, errors);
        }

        var name = Text("eventPath", EventPath) ?? Event;
        var userId = Text("userIdPath", UserIdPath);
        var anonymousId = Text("anonymousIdPath", AnonymousIdPath);
        var email = Text("emailPath", EmailPath);
        var phone = Text("phonePath", PhonePath);
        var messageId = Text("messageIdPath", MessageIdPath);
        var timestamp = Time();
        var properties = payload;
        if (PropertiesPath is not null)
        {
            var found = At(payload, PropertiesPath);
            if (found is { ValueKind: JsonValueKind.Object } p)
            {
                properties = p;
            }
            else
            {
                errors["propertiesPath"] = [$"propertiesPath '{PropertiesPath}' {(found is null ? "is not in the payload" : "is not an object")}."];
            }
        }

        if (userId is null && anonymousId is null && email is null && phone is null && errors.Count == 0)
        {
            errors["identity"] = [IdentityMissing()];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var traits = new JsonObject();
        if (email is not null)
        {
            traits["email"] = email;
        }

        if (phone is not null)
        {
            traits["phone"] = phone;
        }

        var message = new JsonObject
        {
            ["type"] = "track",
            ["event"] = name,
            ["properties"] = JsonNode.Parse(properties.GetRawText()),
            ["context"] = new JsonObject { ["channel"] = "server", ["library"] = new JsonObject { ["name"] = "obsess-webhook" }, ["traits"] = traits },
        };
        Add("userId", userId);
        Add("anonymousId", anonymousId);
        Add("messageId", messageId);
        Add("timestamp", timestamp);
        return (message, errors);

        void Add(string field, string? value)
        {
            if (value is not null)
            {
                message[field] = value;
            }
        }

        // A string as it is, a number as written (ids such as 12345); absent or null: none.
        string? Text(string parameter, string? path)
        {
            if (path is null || At(payload, path) is not { } v || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                return v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
            }

            errors[parameter] = [$"{parameter} '{path}' is {Kind(v)} in the payload, not a text or a number."];
            return null;
        }

        // ISO 8601 text as it is (the call's own check reads it), or Unix time in seconds (Stripe's "created") or
        // milliseconds (values past 10^11, i.e. after 5138 in seconds).
        string? Time()
        {
            if (TimestampPath is null || At(payload, TimestampPath) is not { } v || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var unix) && unix is > 0 and < 100_000_000_000_000)
            {
                var at = unix < 100_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds(unix) : DateTimeOffset.FromUnixTimeMilliseconds(unix);
                return at.ToString("O", CultureInfo.InvariantCulture);
            }

            if (v.ValueKind == JsonValueKind.String)
            {
                return v.GetString();
            }

            errors["timestampPath"] = [$"timestampPath '{TimestampPath}' is {Kind(v)} in the payload, not a date and time (ISO 8601) or Unix time."];
            return null;
        }
    }

    /// <summary>The parameter behind a field of the call a payload made, for the caller's error list.</summary>
    public string ParameterOf(string field) => field switch
    {
        "userId" => "userIdPath",
        "anonymousId" => "anonymousIdPath",
        "traits.email" or "context.traits.email" => "emailPath",
        "traits.phone" or "context.traits.phone" => "phonePath",
        "messageId" => "messageIdPath",
        "timestamp" => "timestampPath",
        "event" => EventPath is null ? "event" : "eventPath",
        "properties" => "propertiesPath",
        _ => field,
    };

    private string IdentityMissing()
    {
        var tried = new[] { ("userIdPath", UserIdPath), ("anonymousIdPath", AnonymousIdPath), ("emailPath", EmailPath), ("phonePath", PhonePath) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1} '{p.Item2}'").ToList();
        return tried.Count == 0
            ? "No customer: tell the webhook URL where the payload names one, with userIdPath, anonymousIdPath, emailPath or phonePath (e.g. ?emailPath=data.object.customer_email)."
            : $"No customer: the payload has no value at {string.Join(", ", tried)}.";
    }

    /// <summary>The element at a dot path: property names, and numbers for array elements.</summary>
    internal static JsonElement? At(JsonElement root, string path)
    {
        var current = root;
        foreach (var step in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(step, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current;
    }

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => "a value",
    };
}
