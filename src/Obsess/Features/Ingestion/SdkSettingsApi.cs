using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;

namespace Obsess.Features.Ingestion;

/// <summary>
/// The settings the analytics SDKs fetch from their vendor's servers when they start, served by Obsess, so that
/// pointing an SDK at Obsess takes only its host settings:
/// <list type="bullet">
/// <item>Segment: <c>GET /v1/projects/{writeKey}/settings</c> (analytics.js 2.0 with <c>cdnURL</c>, analytics-swift and
/// analytics-kotlin with <c>cdnHost</c>) names this server's /v1 as the Segment.io destination's <c>apiHost</c>;</item>
/// <item>RudderStack: <c>GET /sourceConfig?writeKey=…</c> (the v3 browser SDK with <c>configUrl</c>; HTTP Basic or the
/// query) describes the key's source, with no device-mode destinations.</item>
/// </list>
/// Both need an ingest key: an unknown or revoked one gets a 401 and a viewer's a 403, so an SDK never starts with a
/// key its calls would be refused with. CORS as the tracking API (any origin, no cookies).
/// </summary>
internal static class SdkSettingsApi
{
    public const string RudderStackPath = "/sourceConfig";

    public static void MapSdkSettingsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/projects/{writeKey}/settings", Segment)
            .WithTags("Ingestion (Segment-compatible)")
            .WithName("SegmentSettings")
            .WithSummary("Segment SDK settings for a write key: where to send (this server's /v1). The key is the one in the path.")
            .RequireCors(IngestionApi.CorsPolicy)
            .RequireAuthorization(Policies.Ingest)
            .RequireRateLimiting("ingest");
        app.MapGet(RudderStackPath, RudderStack)
            .WithTags("Ingestion (Segment-compatible)")
            .WithName("RudderStackSourceConfig")
            .WithSummary("RudderStack SDK source configuration for a write key (HTTP Basic, or ?writeKey=).")
            .RequireCors(IngestionApi.CorsPolicy)
            .RequireAuthorization(Policies.Ingest)
            .RequireRateLimiting("ingest");
    }

    private static JsonHttpResult<Dictionary<string, object>> Segment(HttpContext http, IConfiguration config)
    {
        var key = (string)http.Items[ApiKeyAuthenticationHandler.PresentedKeyItem]!;
        var origin = PublicOrigin(http, config);
        http.Response.Headers.CacheControl = "private, max-age=300";
        // The fields analytics.js 2.0 and the mobile SDKs read (Segment.io: apiKey, apiHost without scheme,
        // protocol); tracking plans allow every call; no remote plugins or middleware; no telemetry to Segment.
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["integrations"] = new Dictionary<string, object>
            {
                ["Segment.io"] = new Dictionary<string, object>
                {
                    ["apiKey"] = key,
                    ["apiHost"] = $"{origin.Authority}{origin.AbsolutePath.TrimEnd('/')}/v1",
                    ["protocol"] = origin.Scheme,
                    ["unbundledIntegrations"] = Array.Empty<string>(),
                    ["addBundledMetadata"] = true,
                    ["maybeBundledConfigIds"] = new Dictionary<string, string[]>(),
                },
            },
            ["plan"] = new Dictionary<string, object>
            {
                ["track"] = new Dictionary<string, object> { ["__default"] = new { enabled = true, integrations = new Dictionary<string, bool>() } },
                ["identify"] = new Dictionary<string, object> { ["__default"] = new { enabled = true } },
                ["group"] = new Dictionary<string, object> { ["__default"] = new { enabled = true } },
            },
            ["edgeFunction"] = new Dictionary<string, string>(),
            ["analyticsNextEnabled"] = true,
            ["middlewareSettings"] = new Dictionary<string, string>(),
            ["enabledMiddleware"] = new Dictionary<string, bool>(),
            ["metrics"] = new { sampleRate = 0 },
            ["legacyVideoPluginsEnabled"] = false,
            ["remotePlugins"] = Array.Empty<object>(),
        });
    }

    private static JsonHttpResult<object> RudderStack(HttpContext http, ClaimsPrincipal key, TimeProvider clock)
    {
        http.Response.Headers.CacheControl = "private, max-age=300";
        return TypedResults.Json<object>(new
        {
            isHosted = false,
            source = new
            {
                id = key.FindFirstValue(ClaimTypes.NameIdentifier),
                name = key.FindFirstValue(ClaimTypes.Name),
                writeKey = (string)http.Items[ApiKeyAuthenticationHandler.PresentedKeyItem]!,
                workspaceId = key.FindFirstValue(ObsessClaims.Workspace),
                enabled = true,
                config = new Dictionary<string, string>(),
                destinations = Array.Empty<object>(),
            },
            updatedAt = clock.GetUtcNow().UtcDateTime,
        });
    }

    /// <summary><c>Obsess:PublicUrl</c> when set (behind a proxy), else the address the SDK called.</summary>
    private static Uri PublicOrigin(HttpContext http, IConfiguration config) =>
        config["Obsess:PublicUrl"] is { Length: > 0 } configured && Uri.TryCreate(configured, UriKind.Absolute, out var uri)
            ? uri
            : new Uri($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}");
}
