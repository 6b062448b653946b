using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Obsess.Data;

namespace Obsess.Features.Ingestion;

/// <summary>
/// <c>POST /v1/webhook?writeKey=…</c>: any service's webhook as events, the silo that has no SDK. The URL carries the
/// write key, as RudderStack's webhook source takes it (a sender rarely lets one set an Authorization header; HTTP Basic
/// and Bearer work too), and the <see cref="WebhookMapping"/>. The body is one JSON object, a JSON array of up to 1,000
/// of them, or a form (<c>application/x-www-form-urlencoded</c>, as Twilio and older form tools post); each becomes a
/// track call and goes through identity resolution like any other. A payload the mapping cannot place is rejected,
/// naming the URL parameter at fault; the others are stored. Without a <c>messageIdPath</c>, a payload's content is
/// its identity, so a redelivered webhook is stored once.
/// </summary>
internal static class WebhookApi
{
    public const string Path = "/v1/webhook";

    public static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> ReceiveAsync(
        HttpContext http, IngestionService service, ObsessDb db, TimeProvider clock, ClaimsPrincipal key, CancellationToken ct)
    {
        var (mapping, mappingErrors) = WebhookMapping.FromQuery(http.Request.Query.Select(q => KeyValuePair.Create(q.Key, (string?)q.Value.ToString())));
        if (mapping is null)
        {
            return TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = 400,
                Title = "Invalid webhook URL",
                Detail = "The webhook URL's parameters say how a payload becomes an event; these are not valid.",
                Extensions = { ["errors"] = mappingErrors },
            });
        }

        if (http.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "A webhook body is JSON or a URL-encoded form (application/x-www-form-urlencoded), not multipart.");
        }

        var isForm = http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
        var (document, problem) = isForm ? await FormAsync(http, ct).ConfigureAwait(false) : await IngestionApi.ReadJsonAsync(http, ct).ConfigureAwait(false);
        if (document is null)
        {
            return problem!;
        }

        using (document)
        {
            var root = document.RootElement;
            var payloads = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
            var many = root.ValueKind == JsonValueKind.Array;
            if (payloads.Count is 0 or > SegmentParser.MaxBatchMessages)
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid request",
                    detail: $"A webhook call carries one payload or a list of 1 to {SegmentParser.MaxBatchMessages}.");
            }

            // Each payload as its track call; one the mapping cannot place stands as a message that says why, so the
            // store's usual report names it (by the URL parameter at fault).
            var made = new JsonArray();
            var unplaced = new Dictionary<int, Dictionary<string, string[]>>();
            for (var i = 0; i < payloads.Count; i++)
            {
                var (message, errors) = mapping.ToMessage(payloads[i]);
                made.Add(message ?? new JsonObject());
                if (message is null)
                {
                    unplaced[i] = errors;
                }
            }

            using var messages = JsonDocument.Parse(made.ToJsonString(IngestionBody.AsWritten));
            var items = messages.RootElement.EnumerateArray().ToList();
            string Name(int i, string field) =>
                ((many ? $"[{i}]." : "") + (unplaced.ContainsKey(i) ? field : mapping.ParameterOf(field))).TrimEnd('.') is { Length: > 0 } n ? n : "payload";
            return await IngestionApi.StoreAsync(http, service, db, clock, key, items, new IngestionApi.Calls("track", Webhook: true, FieldName: Name, Rejected: unplaced), ct).ConfigureAwait(false);
        }
    }

    /// <summary>A form body as one flat JSON object of its fields (a field given twice keeps its last value).</summary>
    private static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> FormAsync(HttpContext http, CancellationToken ct)
    {
        var body = await IngestionBody.ReadAsync(http.Request, ct).ConfigureAwait(false);
        if (body is null)
        {
            return (null, IngestionBody.TooLarge());
        }

        var form = new JsonObject();
        foreach (var (name, values) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)))
        {
            form[name] = values.Count > 0 ? values[^1] : "";
        }

        return (JsonDocument.Parse(form.ToJsonString(IngestionBody.AsWritten)), null);
    }
}
