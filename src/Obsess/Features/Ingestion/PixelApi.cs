using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Obsess.Data;

namespace Obsess.Features.Ingestion;

/// <summary>
/// Segment's pixel API (GET /v1/pixel/{type}?data=…), for e-mail opens, ad impressions and pages that can only load an
/// image: the message comes from the query (<see cref="IngestionBody.PixelMessage"/>) and names its own write key, and
/// every answer is the image (https://segment.com/docs/connections/sources/catalog/libraries/server/pixel-tracking-api/).
/// </summary>
internal static class PixelApi
{
    public const string Path = "/v1/pixel";

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

        if (IngestionBody.PixelMessage(http).Error is { } error)
        {
            await WritePixelAsync(http, error).ConfigureAwait(false);
            return;
        }

        var result = await IngestionApi.HandleAsync(http, service, db, clock, key, type, ct).ConfigureAwait(false);
        var problem = result.Result switch
        {
            ProblemHttpResult p => Describe(p.ProblemDetails),
            Ok<IngestResponse> { Value.Rejected: [var rejected, ..] } => string.Join("; ", rejected.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
            _ => null,
        };
        await WritePixelAsync(http, problem).ConfigureAwait(false);
    }

    private static string Describe(ProblemDetails problem) =>
        problem.Extensions.TryGetValue("errors", out var errors) && errors is IDictionary<string, string[]> byField && byField.Count > 0
            ? string.Join("; ", byField.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
            : $"{problem.Title}: {problem.Detail}";
}
