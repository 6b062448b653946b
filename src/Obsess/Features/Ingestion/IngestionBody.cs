using System.Text;
using System.Text.Json;
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

    /// <summary>JSON written back as it came: no \u escapes for non-ASCII (the text is stored as data, never put in HTML as is).</summary>
    internal static readonly JsonSerializerOptions AsWritten = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The body, or null when it is longer than the limit. Read from the request once; later calls get the same bytes.
    /// A pixel call (GET) has no body: its message comes from the query (<see cref="PixelApi.Message"/>).
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HttpContext.Items.TryGetValue(ItemKey, out var kept))
        {
            return (byte[]?)kept;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            return PixelApi.Message(request.HttpContext).Json ?? [];
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
}
