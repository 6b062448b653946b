using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;

namespace Obsess.Features.Ingestion;

public sealed record IngestResponse(bool Success, int Accepted, int Duplicates, int Merges, IReadOnlyList<RejectedMessage> Rejected, IReadOnlyList<string> Refusals);

/// <summary>
/// The Segment-compatible tracking API under /v1, so Segment's and RudderStack's SDKs send here unchanged:
/// <list type="bullet">
/// <item>the write key is the HTTP Basic user name (empty password), or, without an Authorization header, the body's
/// <c>writeKey</c> (Segment's browser, iOS and Android SDKs);</item>
/// <item>the paths those SDKs use: /v1/identify, /track, /page, /screen, /alias, /group and /batch, the short forms
/// analytics.js and the mobile SDKs post to (/v1/i, /t, /p, /s, /a, /g, /b) and /v1/import (Segment's Ruby, Java
/// and classic Android SDKs), each the same call as its long form, RudderStack's beacon batch
/// (/beacon/v1/batch?writeKey=…) and Segment's pixel API (GET /v1/pixel/{type}?data=…, <see cref="PixelApi"/>);</item>
/// <item>any other service's webhooks (POST /v1/webhook?writeKey=…, <see cref="WebhookApi"/>);</item>
/// <item>bodies compressed with gzip, deflate or brotli (<c>Content-Encoding</c>), any content type (analytics.js
/// posts <c>text/plain</c>), and calls from any web origin (CORS, no cookies).</item>
/// </list>
/// A 200 means durably stored.
/// </summary>
internal static class IngestionApi
{
    public const int MaxBatchBytes = 500 * 1024;
    public const string CorsPolicy = "segment-sdk";

    /// <summary>
    /// RudderStack's browser SDK with <c>useBeacon: true</c> sends its batches with <c>navigator.sendBeacon</c> to
    /// /beacon/v1/batch?writeKey=…: a beacon carries no Authorization header, so the key is in the query.
    /// </summary>
    public const string BeaconPath = "/beacon/v1";
    internal static readonly string[] SingleTypes = ["identify", "track", "page", "screen", "alias", "group"];

    /// <summary>analytics.js posts to the first letter of the call's type; the mobile SDKs batch to /b.</summary>
    private static readonly (string Path, string Type)[] ShortForms = [("i", "identify"), ("t", "track"), ("p", "page"), ("s", "screen"), ("a", "alias"), ("g", "group")];

    public static void MapIngestionApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Ingestion (Segment-compatible)")
            .RequireCors(CorsPolicy)
            .RequireAuthorization(Policies.Ingest)
            .RequireRateLimiting("ingest");
        foreach (var type in SingleTypes)
        {
            Map(v1, type, type)
                .WithName($"Ingest{char.ToUpperInvariant(type[0])}{type[1..]}")
                .WithSummary($"Segment {type} call (also at /v1/{type[0]}).");
        }

        Map(v1, "batch", null)
            .WithName("IngestBatch")
            .WithSummary("Segment batch call (also at /v1/b and /v1/import): up to 1,000 messages and 500 KB. Valid messages are stored even when others are rejected; the response lists the rejected ones with the fields at fault.");

        foreach (var (path, type) in ShortForms)
        {
            Map(v1, path, type).ExcludeFromDescription();
        }

        Map(v1, "b", null).ExcludeFromDescription();
        Map(v1, "import", null).ExcludeFromDescription();

        v1.MapPost(WebhookApi.Path["/v1".Length..], WebhookApi.ReceiveAsync)
            .WithName("IngestWebhook")
            .WithSummary("Any service's webhook as track events: ?writeKey= (or HTTP Basic) and where the payload names the event and the customer (event or eventPath; userIdPath, anonymousIdPath, emailPath, phonePath; messageIdPath, timestampPath, propertiesPath; dot paths). Body: a JSON object, a JSON array of up to 1,000, or a form. Payloads the URL cannot place are rejected naming the parameter at fault; the others are stored.");

        v1.MapGet(PixelApi.Path["/v1".Length..] + "/{type}", PixelApi.LoadAsync)
            .WithName("IngestPixel")
            .WithSummary("Segment's pixel API, for e-mail opens and other places that can only load an image: one call of {type} (identify, track, page, screen, alias, group) from ?data=<base64 JSON> (or the query's own parameters, dots nesting), with the write key as its writeKey. Always answers 200 with a 1×1 GIF; a call that was not stored says why in the X-Obsess-Problem header.")
            .Produces(StatusCodes.Status200OK, contentType: "image/gif");

        var beacon = app.MapGroup(BeaconPath).WithTags("Ingestion (Segment-compatible)")
            .RequireCors(CorsPolicy)
            .RequireAuthorization(Policies.Ingest)
            .RequireRateLimiting("ingest");
        Map(beacon, "batch", null)
            .WithName("IngestBeaconBatch")
            .WithSummary("The batch call as RudderStack's browser SDK sends it with navigator.sendBeacon (useBeacon: true): the write key in the query (?writeKey=), the body as for /v1/batch.");
    }

    /// <summary>POST <paramref name="group"/>/<paramref name="path"/> as a call of <paramref name="type"/> (null: a batch).</summary>
    private static RouteHandlerBuilder Map(RouteGroupBuilder group, string path, string? type) =>
        group.MapPost($"/{path}", (HttpContext http, IngestionService service, ObsessDb db, TimeProvider clock, ClaimsPrincipal key, CancellationToken ct) =>
            HandleAsync(http, service, db, clock, key, type, ct));

    /// <summary>The source a key writes as: its name, lower-cased with underscores (e.g. "Web shop" → web_shop).</summary>
    internal static string SourceOf(ClaimsPrincipal key)
    {
        var name = key.FindFirstValue(ClaimTypes.Name) ?? "api";
        var sb = new StringBuilder();
        foreach (var ch in name.Trim().ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '_');
        }

        var s = sb.ToString().Trim('_');
        return s.Length == 0 ? "api" : s.Length > 64 ? s[..64] : s;
    }

    internal static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> HandleAsync(
        HttpContext http, IngestionService service, ObsessDb db, TimeProvider clock, ClaimsPrincipal key, string? type, CancellationToken ct)
    {
        var (document, problem) = await ReadJsonAsync(http, ct).ConfigureAwait(false);
        if (document is null)
        {
            return problem!;
        }

        using (document)
        {
            var root = document.RootElement;
            IReadOnlyList<JsonElement> items;
            DateTime? batchSentAt = null;
            JsonElement? batchContext = null;
            if (type is null)
            {
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
                {
                    return Invalid("batch", "The body must be an object with a \"batch\" array.");
                }

                if (batch.GetArrayLength() == 0)
                {
                    return Invalid("batch", "The batch is empty.");
                }

                if (batch.GetArrayLength() > SegmentParser.MaxBatchMessages)
                {
                    return Invalid("batch", $"A batch may hold at most {SegmentParser.MaxBatchMessages} messages.");
                }

                items = batch.EnumerateArray().ToList();
                if (root.TryGetProperty("context", out var bc) && bc.ValueKind == JsonValueKind.Object)
                {
                    // A batch's context applies to all its messages (Segment's Java SDK sends the library's there).
                    batchContext = bc;
                }

                if (root.TryGetProperty("sentAt", out var sa) && sa.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(sa.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var sent))
                {
                    batchSentAt = sent.UtcDateTime;
                }
            }
            else
            {
                items = [root];
            }

            return await StoreAsync(http, service, db, clock, key, items, new Calls(type, batchSentAt, batchContext), ct).ConfigureAwait(false);
        }
    }

    /// <summary>The body of a tracking call as JSON, or the problem that it is not (unknown encoding, too long, not JSON).</summary>
    internal static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadJsonAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            // The decompression middleware removes the header of every encoding it undid.
            return (null, TypedResults.Problem(statusCode: 415, title: "Unsupported Content-Encoding",
                detail: $"Content-Encoding '{encoding}' is not supported; send gzip, deflate, br or an uncompressed body."));
        }

        var body = await IngestionBody.ReadAsync(http.Request, ct).ConfigureAwait(false);
        if (body is null)
        {
            return (null, IngestionBody.TooLarge());
        }

        try
        {
            return (JsonDocument.Parse(body), null);
        }
        catch (JsonException e)
        {
            return (null, TypedResults.Problem(statusCode: 400, title: "Malformed JSON", detail: $"The body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>
    /// How a call's messages are read: their type (null: each says its own, as in a batch), the batch's sentAt and
    /// context, whether they were made from webhooks (<see cref="SegmentParser.Parse"/>), and how a rejected message's fields are named for the caller
    /// (by default "batch[i].field" in a batch, "field" in a single call).
    /// </summary>
    /// <param name="Rejected">Messages already known to be invalid, by index, with their errors (not parsed again).</param>
    internal sealed record Calls(string? Type, DateTime? BatchSentAt = null, JsonElement? BatchContext = null, bool Webhook = false, Func<int, string, string>? FieldName = null,
        IReadOnlyDictionary<int, Dictionary<string, string[]>>? Rejected = null);

    /// <summary>
    /// Validates each message, stores the valid ones (a 200 means stored) and lists the rejected ones with their fields
    /// at fault; a 400 when none is valid.
    /// </summary>
    internal static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> StoreAsync(
        HttpContext http, IngestionService service, ObsessDb db, TimeProvider clock, ClaimsPrincipal key, IReadOnlyList<JsonElement> items, Calls calls, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var region = await db.Workspaces.Where(w => w.Id == db.CurrentWorkspaceId).Select(w => w.DefaultRegion).FirstAsync(ct).ConfigureAwait(false);
        var fieldName = calls.FieldName ?? ((i, field) => (calls.Type is null ? $"batch[{i}].{field}" : field).TrimEnd('.'));
        var valid = new List<SegmentMessage>();
        var rejected = new List<RejectedMessage>();
        var presentedKey = http.Items[ApiKeyAuthenticationHandler.PresentedKeyItem] as string;
        for (var i = 0; i < items.Count; i++)
        {
            var (message, errors) = calls.Rejected?.GetValueOrDefault(i) is { } known
                ? (null, known)
                : SegmentParser.Parse(items[i], calls.Type, now, calls.BatchSentAt, region, calls.BatchContext, calls.Webhook);
            if (items[i].ValueKind == JsonValueKind.Object && items[i].TryGetProperty("writeKey", out var writeKey)
                && writeKey.ValueKind == JsonValueKind.String && !string.Equals(writeKey.GetString(), presentedKey, StringComparison.Ordinal))
            {
                // One call writes as one key: a message naming another key is not written under this one.
                (message, errors) = (null, new Dictionary<string, string[]>(errors) { ["writeKey"] = ["This message names another write key than the call is authenticated with. Send each source's messages in its own call."] });
            }

            if (message is null)
            {
                var id = items[i].ValueKind == JsonValueKind.Object && items[i].TryGetProperty("messageId", out var mid) && mid.ValueKind == JsonValueKind.String ? mid.GetString() : null;
                rejected.Add(new RejectedMessage(i, id, errors.ToDictionary(e => fieldName(i, e.Key), e => e.Value)));
            }
            else
            {
                valid.Add(message);
            }
        }

        if (valid.Count == 0)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Status = 400,
                Title = "Every message was rejected",
                Detail = "No message was stored. Each entry of 'rejected' names the message and its fields at fault.",
                Extensions = { ["rejected"] = rejected, ["errors"] = rejected.SelectMany(r => r.Errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.SelectMany(e => e.Value).ToArray()) },
            });
        }

        var result = await service.IngestAsync(SourceOf(key), valid, ct: ct).ConfigureAwait(false);
        return TypedResults.Ok(new IngestResponse(true, result.Accepted, result.Duplicates, result.Merges, rejected, result.Refusals));
    }

    private static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = 400,
            Title = "Invalid request",
            Detail = message,
            Extensions = { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } },
        });
}
