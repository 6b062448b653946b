using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Obsess.Features.Ingestion;

/// <summary>
/// The body of a /v1 call, read once and at most <see cref="IngestionApi.MaxBatchBytes"/> long (after any
/// <c>Content-Encoding</c> was undone, so a small gzip body cannot unpack into an unbounded one), and the write key
/// it may carry. Segment's own SDKs for the browser (analytics.js 2.0), iOS (analytics-swift) and Android
/// (analytics-kotlin) put the write key in the body as <c>writeKey</c> instead of an Authorization header, at the
/// root of a call or in each message of a batch; the server SDKs send HTTP Basic.
/// </summary>
internal static class IngestionBody
{
    private const string ItemKey = "obsess.v1.body";
    private const string PixelKey = "obsess.v1.pixel";
    /// <summary>JSON written back as it came: no \u escapes for non-ASCII (the text is stored as data, never put in HTML as is).</summary>
    internal static readonly JsonSerializerOptions AsWritten = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The body, or null when it is longer than the limit. Read from the request once; later calls get the same bytes.
    /// A pixel call (GET) has no body: its message comes from the query (<see cref="PixelMessage"/>).
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HttpContext.Items.TryGetValue(ItemKey, out var kept))
        {
            return (byte[]?)kept;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            return PixelMessage(request.HttpContext).Json ?? [];
        }

        byte[]? body = null;
        if (request.ContentLength is null or <= IngestionApi.MaxBatchBytes)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0 && buffer.Length + read <= IngestionApi.MaxBatchBytes)
            {
                buffer.Write(chunk, 0, read);
            }

            // Stopped before the end: longer than the limit.
            body = read == 0 ? buffer.ToArray() : null;
        }

        request.HttpContext.Items[ItemKey] = body;
        return body;
    }

    /// <summary>The answer to a body longer than the limit.</summary>
    public static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large",
            detail: $"A call may carry at most {IngestionApi.MaxBatchBytes / 1024} KB (uncompressed).");

    /// <summary>Whether this request's body was read and found longer than the limit.</summary>
    public static bool WasTooLarge(HttpContext http) => http.Items.TryGetValue(ItemKey, out var kept) && kept is null;

    /// <summary>
    /// The write key a Segment body names: the root's <c>writeKey</c>, or else the first batch message's. Null when it
    /// names none or is not JSON (the endpoint reports malformed JSON once the caller is known).
    /// </summary>
    public static string? WriteKeyOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? inBatch = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKey = reader.ValueTextEquals("writeKey"u8);
                var isBatch = reader.ValueTextEquals("batch"u8);
                reader.Read();
                if (isKey && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                if (isBatch && inBatch is null && reader.TokenType == JsonTokenType.StartArray)
                {
                    inBatch = FirstMessageKey(ref reader);
                    continue;
                }

                reader.Skip();
            }

            return inBatch;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>At the start of the batch array: the first message's writeKey; leaves the reader on the array's end.</summary>
    private static string? FirstMessageKey(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        string? key = null;
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKey = reader.ValueTextEquals("writeKey"u8);
                reader.Read();
                if (isKey && reader.TokenType == JsonTokenType.String)
                {
                    key ??= reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        // Past the other messages, to the array's own end.
        while (!(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (!reader.Read())
            {
                break;
            }
        }

        return key;
    }

    /// <summary>
    /// The message of a call to Segment's pixel API (GET /v1/pixel/{type}, for e-mail opens and other places that can
    /// only load an image; https://segment.com/docs/connections/sources/catalog/libraries/server/pixel-tracking-api/):
    /// the query's <c>data</c>, base64-encoded JSON (standard or URL-safe alphabet, padding optional) or plain JSON, or
    /// else the query's own parameters, dots nesting (<c>properties.subject=…</c>), every value a string. A hit
    /// without a <c>messageId</c> gets one of its own: each time an image is loaded is an event, not a retry.
    /// Worked out once per request; Error names what is wrong when there is no message.
    /// </summary>
    public static (byte[]? Json, string? Error) PixelMessage(HttpContext http)
    {
        if (http.Items.TryGetValue(PixelKey, out var kept))
        {
            return ((byte[]?, string?))kept!;
        }

        var result = BuildPixelMessage(http.Request.Query);
        http.Items[PixelKey] = result;
        return result;
    }

    private static (byte[]? Json, string? Error) BuildPixelMessage(IQueryCollection query)
    {
        JsonNode? node;
        if (query.TryGetValue("data", out var data))
        {
            var text = data.ToString().Trim();
            byte[]? json = text.StartsWith('{') ? Encoding.UTF8.GetBytes(text) : FromBase64(text);
            if (json is null)
            {
                return (null, "data: not base64-encoded JSON.");
            }

            try
            {
                node = JsonNode.Parse(json);
            }
            catch (JsonException e)
            {
                return (null, $"data: not valid JSON ({e.Message})");
            }

            if (node is not JsonObject)
            {
                return (null, "data: must encode a JSON object.");
            }
        }
        else
        {
            var root = new JsonObject();
            foreach (var (name, values) in query)
            {
                var path = name.Split('.');
                var parent = root;
                for (var i = 0; i < path.Length - 1; i++)
                {
                    parent[path[i]] ??= new JsonObject();
                    if (parent[path[i]] is not JsonObject child)
                    {
                        return (null, $"{name}: '{string.Join('.', path[..(i + 1)])}' is also given a value of its own.");
                    }

                    parent = child;
                }

                if (path[^1].Length == 0 || path.Any(p => p.Length == 0) || parent[path[^1]] is JsonObject)
                {
                    return (null, $"{name}: not a usable parameter name.");
                }

                parent[path[^1]] = values.ToString();
            }

            node = root;
        }

        var message = (JsonObject)node;
        if (!message.ContainsKey("messageId"))
        {
            message["messageId"] = $"pixel-{Guid.CreateVersion7():N}";
        }

        // Written back as it came (no \u escapes for non-ASCII): the message is data, kept like a posted body's.
        return (Encoding.UTF8.GetBytes(message.ToJsonString(AsWritten)), null);
    }

    private static byte[]? FromBase64(string text)
    {
        var b64 = text.Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        var buffer = new byte[b64.Length * 3 / 4];
        return Convert.TryFromBase64String(b64, buffer, out var written) ? buffer[..written] : null;
    }
}
