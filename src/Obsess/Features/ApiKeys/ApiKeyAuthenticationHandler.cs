using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Obsess.Data;

namespace Obsess.Features.ApiKeys;

/// <summary>
/// Authenticates "Authorization: Bearer obs_…" (or HTTP Basic with the key as user name) with a stored, unrevoked key
/// of the workspace the key names. On the Segment-compatible /v1 paths a call without an Authorization header may
/// name its write key in the body instead (<c>writeKey</c>), as Segment's browser and mobile SDKs send it.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ObsessDb db,
    ApiKeyCache cache,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Where the key a request presented is kept for the rest of the request (never stored or logged).</summary>
    internal const string PresentedKeyItem = "obsess.key.presented";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        var key = KeyFrom(header);
        if (key is null && string.IsNullOrEmpty(header))
        {
            key = await SdkKeyAsync(Request).ConfigureAwait(false);
        }

        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        Context.Items[PresentedKeyItem] = key;

        if (!ApiKeySecrets.TryParse(key, out var workspaceId))
        {
            return AuthenticateResult.Fail("The bearer token is not an Obsess API key.");
        }

        var hash = ApiKeySecrets.HashOf(key);
        var now = clock.GetUtcNow().UtcDateTime;
        var found = cache.Find(hash, now);
        if (found is null)
        {
            found = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking()
                .Where(k => k.WorkspaceId == workspaceId && k.Hash == hash && k.RevokedAt == null)
                .Select(k => new CachedApiKey(k.Id, k.WorkspaceId, k.Name, k.Role, k.LastUsedAt, now))
                .FirstOrDefaultAsync(Context.RequestAborted).ConfigureAwait(false);
            if (found is null)
            {
                return AuthenticateResult.Fail("Unknown or revoked API key.");
            }

            cache.Keep(hash, found);
        }

        if (found.LastUsedAt is null || now - found.LastUsedAt > TimeSpan.FromMinutes(5))
        {
            // Coarse on purpose: a write per request would make every API call a write.
            await db.ApiKeys.IgnoreQueryFilters()
                .Where(k => k.WorkspaceId == workspaceId && k.Id == found.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted).ConfigureAwait(false);
            cache.Keep(hash, found with { LastUsedAt = now });
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, found.Id.ToString()),
                new Claim(ClaimTypes.Name, found.Name),
                new Claim(ClaimTypes.Role, found.Role),
                new Claim(ObsessClaims.Workspace, workspaceId.ToString()),
                new Claim(ObsessClaims.Kind, "key"),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>
    /// A pixel always answers with its image, saying why in a header; a call whose only key would be in a body too
    /// long to read is told so (413), not that it has no key (401).
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Features.Ingestion.PixelApi.IsPixelCall(Request)
            ? Features.Ingestion.PixelApi.WritePixelAsync(Context, Features.Ingestion.PixelApi.Message(Context).Error ?? "writeKey: no valid write key (an ingest API key) in the message.")
            : Features.Ingestion.IngestionBody.WasTooLarge(Context)
                ? Features.Ingestion.IngestionBody.TooLarge().ExecuteAsync(Context)
                : base.HandleChallengeAsync(properties);

    /// <summary>A pixel always answers with its image, however it was refused.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Features.Ingestion.PixelApi.IsPixelCall(Request)
            ? Features.Ingestion.PixelApi.WritePixelAsync(Context, "writeKey: this key may not send events (it needs the ingest role).")
            : base.HandleForbiddenAsync(properties);

    /// <summary>
    /// Where the analytics SDKs put a write key when they send no Authorization header — the only places a key is
    /// taken from anything but the header: the body of a POST to /v1 (Segment's browser and mobile SDKs), the query
    /// of RudderStack's beacon batch (POST /beacon/v1/batch?writeKey=…) and of a webhook (POST /v1/webhook?writeKey=…),
    /// the message of Segment's pixel API (GET /v1/pixel/{type}?data=…), the path of Segment's settings request (GET
    /// /v1/projects/{key}/settings) and the query of RudderStack's (GET /sourceConfig?writeKey=…).
    /// </summary>
    private static async Task<string?> SdkKeyAsync(HttpRequest request)
    {
        if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(Features.Ingestion.WebhookApi.Path))
        {
            // A webhook's body is the sender's payload, not a tracking call: its key is in the URL.
            return QueryKey(request);
        }

        if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/v1"))
        {
            var body = await Features.Ingestion.IngestionBody.ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return body is null ? null : Features.Ingestion.IngestionBody.WriteKeyOf(body);
        }

        if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(Features.Ingestion.IngestionApi.BeaconPath))
        {
            return QueryKey(request);
        }

        if (Features.Ingestion.PixelApi.IsPixelCall(request))
        {
            // Segment's pixel API: the message (the query's data, or its parameters) names the key.
            return Features.Ingestion.PixelApi.Message(request.HttpContext).Json is { } pixel
                ? Features.Ingestion.IngestionBody.WriteKeyOf(pixel)
                : null;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            return null;
        }

        if (request.Path.StartsWithSegments("/v1/projects", out var rest)
            && rest.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) is [var inPath, "settings"])
        {
            return inPath;
        }

        return request.Path.StartsWithSegments(Features.Ingestion.SdkSettingsApi.RudderStackPath) ? QueryKey(request) : null;
    }

    private static string? QueryKey(HttpRequest request) => request.Query["writeKey"] is [{ Length: > 0 } key] ? key : null;

    /// <summary>The paths only SDKs call: they take keys, never the sign-in cookie (a beacon always carries cookies).</summary>
    internal static bool IsSdkPath(PathString path) =>
        path.StartsWithSegments("/v1") || path.StartsWithSegments(Features.Ingestion.IngestionApi.BeaconPath)
        || path.StartsWithSegments(Features.Ingestion.SdkSettingsApi.RudderStackPath);

    /// <summary>
    /// "Bearer KEY" for the REST API, or HTTP Basic with the key as the user name and an empty password, which is
    /// how Segment's and RudderStack's SDKs send a write key.
    /// </summary>
    internal static string? KeyFrom(string? header)
    {
        if (header is null)
        {
            return null;
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? decoded : decoded[..colon];
            }
            catch (FormatException)
            {
                return "";
            }
        }

        return null;
    }
}
