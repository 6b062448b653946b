using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obsess.Features.Customers;

namespace Obsess.Features.Import;

public enum ImportKind
{
    Customers,
    Orders,
    Events,
}

public sealed record ImportError(int Line, string Field, string Message)
{
    public override string ToString() => $"line {Line}: {Field}: {Message}";
}

/// <summary>A validated row: who it is about, and what it says.</summary>
public sealed record ImportRow
{
    public required int Line { get; init; }

    public required IReadOnlyList<IdentityKey> Identities { get; init; }

    public string? Name { get; init; }

    public string? Email { get; init; }

    public string? Phone { get; init; }

    /// <summary>customers: traits; events: properties (JSON object).</summary>
    public string Data { get; init; } = "{}";

    public IReadOnlyDictionary<string, bool> Consent { get; init; } = ImportRows.NoConsent;

    public DateTime? At { get; init; }

    public string? ExternalId { get; init; }

    public decimal Amount { get; init; }

    public string? Currency { get; init; }

    public int Items { get; init; } = 1;

    public string? Channel { get; init; }

    public string? EventName { get; init; }

    public string? MessageId { get; init; }
}

/// <summary>Turns raw rows into validated rows, naming the line and field of every problem.</summary>
public static class ImportRows
{
    /// <summary>The consent of every row that states none: one empty map, not one per row.</summary>
    internal static readonly IReadOnlyDictionary<string, bool> NoConsent = new Dictionary<string, bool>().AsReadOnly();

    private static readonly string[] IdColumns = ["id", "customer_id", "user_id", "external_id"];
    private static readonly string[] TimeColumns = ["timestamp", "occurred_at", "ordered_at", "date", "created_at", "time"];
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "id", "customer_id", "user_id", "external_id", "anonymous_id", "email", "phone", "name", "first_name", "last_name",
        "order_id", "amount", "total", "value", "currency", "items", "quantity", "channel", "event", "type", "message_id",
        "timestamp", "occurred_at", "ordered_at", "date", "time",
    };

    public static (ImportRow? Row, List<ImportError> Errors) Validate(ImportKind kind, RawRow raw, string source, string region)
    {
        var errors = new List<ImportError>();
        var f = raw.Fields;
        // Gathered in one list per thread, kept by the row as an array of its exact size (one object instead of two).
        var identities = _identities ??= new List<IdentityKey>(4);
        identities.Clear();
        string? Get(string name) => f.TryGetValue(name, out var v) ? v?.Trim() : null;
        string? First(ReadOnlySpan<string> names)
        {
            foreach (var name in names)
            {
                if (Get(name) is { } value)
                {
                    return value;
                }
            }

            return null;
        }

        var customerId = kind == ImportKind.Customers ? First(IdColumns) : First(IdColumns.AsSpan(1));
        if (customerId is not null)
        {
            if (IdentityNormalizer.IsBogus(customerId))
            {
                errors.Add(new ImportError(raw.Line, "customer_id", $"\"{customerId}\" is a placeholder, not an id."));
            }
            else
            {
                identities.Add(new IdentityKey(IdentityKinds.External, source, customerId));
            }
        }

        if (Get("anonymous_id") is { } anon && !IdentityNormalizer.IsBogus(anon))
        {
            identities.Add(new IdentityKey(IdentityKinds.Anonymous, source, anon));
        }

        string? email = null, phone = null;
        if (Get("email") is { } rawEmail && !IdentityNormalizer.IsBogus(rawEmail))
        {
            email = IdentityNormalizer.Email(rawEmail);
            if (email is null)
            {
                errors.Add(new ImportError(raw.Line, "email", $"\"{rawEmail}\" is not an e-mail address."));
            }
            else
            {
                identities.Add(new IdentityKey(IdentityKinds.Email, "", email));
            }
        }

        if (Get("phone") is { } rawPhone && !IdentityNormalizer.IsBogus(rawPhone))
        {
            phone = IdentityNormalizer.Phone(rawPhone, region);
            if (phone is null)
            {
                errors.Add(new ImportError(raw.Line, "phone", $"\"{rawPhone}\" is not a phone number (E.164, or a national number of region {region})."));
            }
            else
            {
                identities.Add(new IdentityKey(IdentityKinds.Phone, "", phone));
            }
        }

        if (identities.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ImportError(raw.Line, "customer_id", "Each row needs someone to belong to: customer_id, email, phone or anonymous_id."));
        }

        DateTime? at = null;
        if (First(TimeColumns) is { } time)
        {
            if (DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && t.Year is > 1900 and < 2200)
            {
                at = t.UtcDateTime;
            }
            else
            {
                errors.Add(new ImportError(raw.Line, TimeColumns.First(c => Get(c) is not null), $"\"{time}\" is not a date (use ISO 8601, e.g. 2024-05-01 or 2024-05-01T12:00:00Z)."));
            }
        }

        var name = Get("name") ?? (Get("first_name") is { } fn ? $"{fn} {Get("last_name")}".Trim() : Get("last_name"));
        string data = "{}";
        Dictionary<string, bool>? consent = null;
        string? orderId = null, currency = null, evt = null, messageId = null;
        decimal amount = 0;
        var items = 1;
        switch (kind)
        {
            case ImportKind.Customers:
                data = ExtraFields(f, out consent, errors, raw.Line);
                break;

            case ImportKind.Orders:
                orderId = Get("order_id");
                if (orderId is null)
                {
                    errors.Add(new ImportError(raw.Line, "order_id", "order_id is required (it makes re-imports safe)."));
                }

                if (at is null && !errors.Any(e => TimeColumns.Contains(e.Field)))
                {
                    errors.Add(new ImportError(raw.Line, "ordered_at", "ordered_at (or date) is required."));
                }

                var amountText = First(["amount", "total", "value"]);
                if (amountText is null)
                {
                    errors.Add(new ImportError(raw.Line, "amount", "amount is required."));
                }
                else if (!decimal.TryParse(amountText, NumberStyles.Number, CultureInfo.InvariantCulture, out amount) || amount < 0 || amount > 1_000_000_000)
                {
                    errors.Add(new ImportError(raw.Line, "amount", $"\"{amountText}\" is not an amount (a number ≥ 0 with a dot for decimals)."));
                }

                if (First(["items", "quantity"]) is { } itemsText && (!int.TryParse(itemsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out items) || items < 0))
                {
                    errors.Add(new ImportError(raw.Line, "items", $"\"{itemsText}\" is not a whole number ≥ 0."));
                }

                currency = Get("currency")?.ToUpperInvariant();
                if (currency is not null && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)))
                {
                    errors.Add(new ImportError(raw.Line, "currency", $"\"{currency}\" is not an ISO 4217 code such as USD."));
                }

                break;

            case ImportKind.Events:
                evt = Get("event") ?? Get("name");
                if (evt is null)
                {
                    errors.Add(new ImportError(raw.Line, "event", "event (the event's name) is required."));
                }

                if (at is null && !errors.Any(e => TimeColumns.Contains(e.Field)))
                {
                    errors.Add(new ImportError(raw.Line, "timestamp", "timestamp is required."));
                }

                data = ExtraFields(f, out _, errors, raw.Line);
                messageId = Get("message_id") ?? $"import:{source}:{Fingerprint(f)}";
                name = null;
                break;
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        // One row built once, with what its kind says (a million-row import allocates nothing more per row than it keeps).
        var row = new ImportRow
        {
            Line = raw.Line,
            Identities = identities.ToArray(),
            Name = name is { Length: > 200 } ? name[..200] : name,
            Email = email,
            Phone = phone,
            At = at,
            Channel = Get("channel") is { } ch ? (ch.Length > 32 ? ch[..32] : ch) : null,
            Data = data,
            Consent = consent ?? NoConsent,
            ExternalId = orderId is { Length: > 128 } ? orderId[..128] : orderId,
            Amount = Math.Round(amount, 2),
            Items = items,
            Currency = currency,
            EventName = evt is { Length: > 200 } ? evt[..200] : evt,
            MessageId = messageId is { Length: > 128 } ? messageId[..128] : messageId,
        };

        return (row, errors);
    }

    /// <summary>Columns with no fixed meaning become traits (or event properties); consent_&lt;purpose&gt; columns become consent.</summary>
    private static string ExtraFields(IReadOnlyDictionary<string, string?> f, out Dictionary<string, bool>? consent, List<ImportError> errors, int line)
    {
        consent = null;
        // One buffer and writer per thread, reused for every row (a stream and a writer per row were a large share
        // of a million-row import's allocations).
        var buffer = _jsonBuffer ??= new ArrayBufferWriter<byte>(256);
        var w = _jsonWriter ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        {
            w.WriteStartObject();
            foreach (var (key, value) in f is CsvFields csv ? csv.InKeyOrder() : f.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (Reserved.Contains(key) || value is null)
                {
                    continue;
                }

                if (key.StartsWith("consent_", StringComparison.Ordinal))
                {
                    var purpose = key["consent_".Length..];
                    if (bool.TryParse(value.Trim(), out var granted) && Customers.Consent.IsPurpose(purpose))
                    {
                        (consent ??= [])[purpose] = granted;
                    }
                    else
                    {
                        errors.Add(new ImportError(line, key, $"\"{value}\" must be true or false."));
                    }

                    continue;
                }

                var v = value.Trim();
                if (bool.TryParse(v, out var b))
                {
                    w.WriteBoolean(key, b);
                }
                else if (LooksNumeric(v) && decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    w.WriteNumber(key, d);
                }
                else
                {
                    w.WriteString(key, v);
                }
            }

            w.WriteEndObject();
            w.Flush();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [ThreadStatic]
    private static List<IdentityKey>? _identities;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _jsonBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _jsonWriter;

    /// <summary>Numbers stay numbers, but codes with leading zeros (zip codes, account numbers) stay text.</summary>
    private static bool LooksNumeric(string v) =>
        v.Length is > 0 and < 16 && (v == "0" || v.StartsWith("0.", StringComparison.Ordinal) || !v.StartsWith('0'));

    /// <summary>A row's content hash: the same row imported twice gets the same message id, so it is stored once.</summary>
    private static string Fingerprint(IReadOnlyDictionary<string, string?> f)
    {
        var text = string.Join('\u001f', (f is CsvFields csv ? csv.InKeyOrder() : f.OrderBy(k => k.Key, StringComparer.Ordinal)).Select(k => $"{k.Key}={k.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
