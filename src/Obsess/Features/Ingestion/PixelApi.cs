using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Obsess.Data;

namespace Obsess.Features.Ingestion;

/// <summary>
/// Segment's pixel API (GET /v1/pixel/{type}?data=…), for e-mail opens, ad impressions and pages that can only load an
/// image: the message comes from the query (<see cref="Message"/>) and names its own write key, and
/// every answer is the image (https://segment.com/docs/connections/sources/catalog/libraries/server/pixel-tracking-api/).
/// </summary>
internal static class PixelApi
{
    public const string Path = "/v1/pixel";

    private const string MessageKey = "obsess.v1.pixel";

    /// <summary>A transparent 1×1 GIF89a (43 bytes: header, logical screen, 2-colour table, transparency extension, one-pixel image).</summary>
    private static readonly byte[] TransparentGif =
    [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
        0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
        0x02, 0x44, 0x01, 0x00, 0x3B,
    ];

    internal static bool IsPixelCall(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments(Path);

    /// <summary>
    /// The pixel API's answer, whatever happened (as Segment's: an image tag must never show a broken image): 200 and
    /// the GIF, never cached, so each load reaches the server; a call that was not stored says why in X-Obsess-Problem.
    /// </summary>
    internal static Task WritePixelAsync(HttpContext http, string? problem)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "image/gif";
        http.Response.Headers.CacheControl = "no-store, max-age=0";
        if (problem is not null)
        {
            // A header value must be visible ASCII on one line.
            var ascii = new string([.. problem.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
            http.Response.Headers["X-Obsess-Problem"] = ascii.Length > 500 ? ascii[..500] : ascii;
        }

        return http.Response.Body.WriteAsync(TransparentGif).AsTask();
    }

    public static async Task LoadAsync(string type, HttpContext http, IngestionService service, ObsessDb db, TimeProvider clock, ClaimsPrincipal key, CancellationToken ct)
    {
        if (!IngestionApi.SingleTypes.Contains(type))
        {
            await WritePixelAsync(http, $"type: '{type}' is not a call; use {string.Join(", ", IngestionApi.SingleTypes)}.").ConfigureAwait(false);
            return;
        }

        if (Message(http).Error is { } error)
        {
            await WritePixelAsync(http, error).ConfigureAwait(false);
            return;
        }

        var result = await IngestionApi.HandleAsync(http, service, db, clock, key, type, ct).ConfigureAwait(false);
        var problem = result.Result switch
        {
            ProblemHttpResult p => Describe(p.ProblemDetails),
            Ok<IngestResponse> { Value.Rejected: [var rejected, ..] } => Fields(rejected.Errors),
            _ => null,
        };
        await WritePixelAsync(http, problem).ConfigureAwait(false);
    }

    private static string Describe(ProblemDetails problem) =>
        problem.Extensions.TryGetValue("errors", out var errors) && errors is IDictionary<string, string[]> byField && byField.Count > 0
            ? Fields(byField)
            : $"{problem.Title}: {problem.Detail}";

    private static string Fields(IEnumerable<KeyValuePair<string, string[]>> errors) =>
        string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));

    /// <summary>
    /// The message of a call to Segment's pixel API (GET /v1/pixel/{type}, for e-mail opens and other places that can
    /// only load an image; https://segment.com/docs/connections/sources/catalog/libraries/server/pixel-tracking-api/):
    /// the query's <c>data</c>, base64-encoded JSON (standard or URL-safe alphabet, padding optional) or plain JSON, or
    /// else the query's own parameters, dots nesting (<c>properties.subject=…</c>), every value a string. A hit
    /// without a <c>messageId</c> gets one of its own: each time an image is loaded is an event, not a retry.
    /// Worked out once per request; Error names what is wrong when there is no message.
    /// </summary>
    public static (byte[]? Json, string? Error) Message(HttpContext http)
    {
        if (http.Items.TryGetValue(MessageKey, out var kept))
        {
            return ((byte[]?, string?))kept!;
        }

        var result = BuildMessage(http.Request.Query);
        http.Items[MessageKey] = result;
        return result;
    }

    private static (byte[]? Json, string? Error) BuildMessage(IQueryCollection query)
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
                if (path.Any(p => p.Length == 0))
                {
                    return (null, $"{name}: not a usable parameter name.");
                }

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

                if (parent[path[^1]] is JsonObject)
                {
                    return (null, $"{name}: is also given properties of its own ({name}.…).");
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
        return (Encoding.UTF8.GetBytes(message.ToJsonString(IngestionBody.AsWritten)), null);
    }

    private static byte[]? FromBase64(string text)
    {
        var b64 = text.Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        var buffer = new byte[b64.Length * 3 / 4];
        return Convert.TryFromBase64String(b64, buffer, out var written) ? buffer[..written] : null;
    }
}
