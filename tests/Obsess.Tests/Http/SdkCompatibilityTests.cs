using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>
/// The /v1 API as Segment's and RudderStack's SDKs call it besides the documented long form: the write key in the
/// body (analytics.js 2.0, analytics-swift, analytics-kotlin), the short paths (/v1/t, /v1/b, …) and /v1/import,
/// RudderStack's beacon batch (key in the query), Segment's pixel API, compressed bodies, text/plain, and cross-origin calls from web pages.
/// </summary>
public abstract class SdkCompatibilityTests(ObsessAppFixture app)
{
    private static StringContent Text(string body) => new(body, Encoding.UTF8, "text/plain");

    private static ByteArrayContent Compressed(string json, string encoding = "gzip")
    {
        using var packed = new MemoryStream();
        using (Stream zip = encoding == "br" ? new BrotliStream(packed, CompressionLevel.Fastest) : new GZipStream(packed, CompressionLevel.Fastest))
        {
            zip.Write(Encoding.UTF8.GetBytes(json));
        }

        var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }

    /// <summary>A new workspace and an ingest key of it, as the SDKs would be given it.</summary>
    private async Task<(Guid Ws, string Key)> WorkspaceWithKeyAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        return (ws, (await app.CreateApiKeyAsync(ws, Roles.Ingest)).Key);
    }

    private Task<List<string>> EventNamesAsync(Guid ws) =>
        app.QueryAsync(ws, db => db.Events.OrderBy(e => e.Name).Select(e => e.Name).ToListAsync());

    [Fact]
    public async Task Calls_with_the_write_key_in_the_body_are_stored_under_that_key_on_the_short_paths()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var anonymous = app.ApiClient();

        // analytics.js 2.0: one call per event to /v1/<first letter of the type>, text/plain, writeKey in the message.
        using (var t = await anonymous.PostAsync(Url("/v1/t"), Text($$$"""{"type":"track","event":"Added to cart","anonymousId":"a-1","messageId":"ajs-1","writeKey":"{{{key}}}","sentAt":"2026-11-24T10:00:00Z","_metadata":{"bundled":["Segment.io"]}}""")))
        {
            t.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await anonymous.PostAsync(Url("/v1/i"), Text($$"""{"type":"identify","userId":"u-1","anonymousId":"a-1","traits":{"email":"ann@example.com"},"messageId":"ajs-2","writeKey":"{{key}}"}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.PostAsync(Url("/v1/p"), Text($$"""{"type":"page","name":"Pricing","anonymousId":"a-1","messageId":"ajs-3","writeKey":"{{key}}"}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // analytics-swift / analytics-kotlin: a batch to /v1/b, writeKey at the root.
        (await anonymous.PostAsync(Url("/v1/b"), Json($$"""{"batch":[{"type":"track","event":"Opened app","userId":"u-1","messageId":"ios-1"},{"type":"screen","name":"Home","userId":"u-1","messageId":"ios-2"}],"sentAt":"2026-11-24T10:00:01Z","writeKey":"{{key}}"}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // A batch whose messages carry the key and the root does not (older analytics.js batching).
        (await anonymous.PostAsync(Url("/v1/b"), Text($$"""{"batch":[{"type":"track","event":"Checked out","userId":"u-1","messageId":"ajs-4","writeKey":"{{key}}"}]}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // Segment's Ruby and Java SDKs post their batches to /v1/import (HTTP Basic).
        (await app.WriteKeyClient(key).PostAsync(Url("/v1/import"), Json("""{"batch":[{"type":"track","event":"Renewed","userId":"u-1","messageId":"rb-1"}]}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await EventNamesAsync(ws)).ShouldBe(["Added to cart", "Checked out", "Identified", "Opened app", "Renewed", "Viewed Home", "Viewed Pricing"]);
        var customer = (await app.QueryAsync(ws, db => db.Customers.Where(c => c.MergedIntoId == null).ToListAsync())).ShouldHaveSingleItem();
        customer.Email.ShouldBe("ann@example.com");
        (await app.QueryAsync(ws, db => db.Events.Select(e => e.Source).Distinct().ToListAsync())).ShouldBe(["test_ingest_key"]);
    }

    [Fact]
    public async Task A_key_in_the_body_is_checked_like_a_header_key_and_only_on_the_tracking_api()
    {
        var ws = await app.CreateWorkspaceAsync();
        var viewer = (await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key;
        var admin = (await app.CreateApiKeyAsync(ws, Roles.Admin)).Key;
        var anonymous = app.ApiClient();

        (await anonymous.PostAsync(Url("/v1/t"), Text("""{"type":"track","event":"x","userId":"u","writeKey":"obs_nope"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync(Url("/v1/t"), Text($$"""{"type":"track","event":"x","userId":"u","writeKey":"{{viewer}}"}"""))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.PostAsync(Url("/v1/t"), Text("""{"type":"track","event":"x","userId":"u"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync(Url("/v1/t"), Text("{not json"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // Outside /v1 a key in the body is just body: an admin key there does not sign anybody in.
        (await anonymous.PostAsync(Url($"/api/customers/{Guid.NewGuid()}/split"), Json($$"""{"writeKey":"{{admin}}"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await app.ApiClient(admin).PostAsync(Url($"/api/customers/{Guid.NewGuid()}/split"), Json("{}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await EventNamesAsync(ws)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_message_naming_another_write_key_is_rejected_and_the_rest_of_the_batch_stored()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var other = (await app.CreateApiKeyAsync(await app.CreateWorkspaceAsync(), Roles.Ingest)).Key;

        using var response = await app.WriteKeyClient(key).PostAsync(Url("/v1/batch"), Json($$"""
            {"batch":[
              {"type":"track","event":"Mine","userId":"u","messageId":"w-1","writeKey":"{{key}}"},
              {"type":"track","event":"Theirs","userId":"u","messageId":"w-2","writeKey":"{{other}}"}]}
            """));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("accepted").GetInt32().ShouldBe(1);
        var rejected = body.GetProperty("rejected").EnumerateArray().ShouldHaveSingleItem();
        rejected.GetProperty("index").GetInt32().ShouldBe(1);
        rejected.GetProperty("errors").TryGetProperty("batch[1].writeKey", out _).ShouldBeTrue();
        (await EventNamesAsync(ws)).ShouldBe(["Mine"]);
    }

    [Fact]
    public async Task Compressed_bodies_are_unpacked_and_their_unpacked_size_is_what_counts()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var writer = app.WriteKeyClient(key);

        (await writer.PostAsync(Url("/v1/batch"), Compressed("""{"batch":[{"type":"track","event":"Zipped","userId":"u","messageId":"z-1"}]}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await writer.PostAsync(Url("/v1/track"), Compressed("""{"event":"Brotli","userId":"u","messageId":"z-2"}""", "br"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The key in a compressed body (analytics-swift gzips nothing, but a proxy may).
        (await app.ApiClient().PostAsync(Url("/v1/b"), Compressed($$"""{"writeKey":"{{key}}","batch":[{"type":"track","event":"Zipped, key inside","userId":"u","messageId":"z-3"}]}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // ~600 KB of JSON that packs into a few KB: refused by what it unpacks to, and nothing of it is stored.
        var padding = new string(' ', 600 * 1024);
        var bomb = $$"""{"batch":[{"type":"track","event":"Too big","userId":"u","messageId":"z-4"}]{{padding}}}""";
        using (var tooBig = await writer.PostAsync(Url("/v1/batch"), Compressed(bomb)))
        {
            await ProblemAssert.IsProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge);
        }

        // The same with the key inside (analytics.js): still "too large", not "who are you".
        var keyed = $$"""{"writeKey":"{{key}}","batch":[{"type":"track","event":"Too big","userId":"u","messageId":"z-5"}]{{padding}}}""";
        using (var tooBigKeyed = await app.ApiClient().PostAsync(Url("/v1/b"), Compressed(keyed)))
        {
            await ProblemAssert.IsProblemAsync(tooBigKeyed, HttpStatusCode.RequestEntityTooLarge);
        }

        var unknown = new ByteArrayContent("{}"u8.ToArray());
        unknown.Headers.ContentEncoding.Add("zstd");
        using (var unsupported = await writer.PostAsync(Url("/v1/batch"), unknown))
        {
            await ProblemAssert.IsProblemAsync(unsupported, HttpStatusCode.UnsupportedMediaType);
        }

        (await EventNamesAsync(ws)).ShouldBe(["Brotli", "Zipped", "Zipped, key inside"]);
    }

    [Fact]
    public async Task Web_pages_on_any_origin_may_call_the_tracking_api_but_not_the_rest()
    {
        var client = app.ApiClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, Url("/v1/batch"));
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        // RudderStack's browser SDK sends headers of its own besides these.
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,anonymousid,sentat,rsa-request-attempt,rsa-since-last-attempt");

        using var answer = await client.SendAsync(preflight);

        answer.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        answer.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        string.Join(",", answer.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant().Split(',').Select(h => h.Trim())
            .ShouldBe(["authorization", "content-type", "anonymousid", "sentat", "rsa-request-attempt", "rsa-since-last-attempt"], ignoreOrder: true);
        answer.Headers.Contains("Access-Control-Allow-Credentials").ShouldBeFalse();

        var (_, key) = await WorkspaceWithKeyAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, Url("/v1/t")) { Content = Text($$"""{"type":"track","event":"From a page","userId":"u","writeKey":"{{key}}"}""") };
        post.Headers.Add("Origin", "https://shop.example");
        using var posted = await client.SendAsync(post);
        posted.StatusCode.ShouldBe(HttpStatusCode.OK);
        posted.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);

        using var elsewhere = new HttpRequestMessage(HttpMethod.Options, Url("/api/customers"));
        elsewhere.Headers.Add("Origin", "https://shop.example");
        elsewhere.Headers.Add("Access-Control-Request-Method", "GET");
        using var refused = await client.SendAsync(elsewhere);
        refused.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Fact]
    public async Task The_sdks_settings_requests_get_this_server_for_an_ingest_key_and_nothing_for_any_other()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var viewer = (await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key;
        var anonymous = app.ApiClient();

        // Segment: the key in the path, no Authorization header (analytics.js 2.0's cdnURL, the mobile SDKs' cdnHost).
        using var segment = new HttpRequestMessage(HttpMethod.Get, Url($"/v1/projects/{key}/settings"));
        segment.Headers.Add("Origin", "https://shop.example");
        using var settings = await anonymous.SendAsync(segment);
        settings.StatusCode.ShouldBe(HttpStatusCode.OK);
        settings.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        var io = (await settings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("integrations").GetProperty("Segment.io");
        io.GetProperty("apiKey").GetString().ShouldBe(key);
        io.GetProperty("apiHost").GetString().ShouldBe("localhost/v1");
        io.GetProperty("protocol").GetString().ShouldBe("http");

        // RudderStack: the key in the query (and HTTP Basic), at configUrl + /sourceConfig/.
        using var rudder = await anonymous.GetAsync(Url($"/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey={Uri.EscapeDataString(key)}&lockIntegrationsVersion=false"));
        rudder.StatusCode.ShouldBe(HttpStatusCode.OK);
        var source = (await rudder.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("source");
        source.GetProperty("writeKey").GetString().ShouldBe(key);
        source.GetProperty("name").GetString().ShouldBe("test ingest key");
        source.GetProperty("destinations").GetArrayLength().ShouldBe(0);
        (await app.WriteKeyClient(key).GetAsync(Url("/sourceConfig"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await anonymous.GetAsync(Url("/v1/projects/obs_nope/settings"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync(Url($"/v1/projects/{viewer}/settings"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.GetAsync(Url("/sourceConfig/?writeKey=obs_nope"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync(Url("/sourceConfig/"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // Only these two GETs take a key from the URL.
        (await anonymous.GetAsync(Url($"/api/customers?writeKey={Uri.EscapeDataString(key)}"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RudderStacks_beacon_batch_takes_its_write_key_from_the_query_and_nothing_else()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var viewer = (await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key;
        var anonymous = app.ApiClient();
        static string Beacon(string key) => $"/beacon/v1/batch?writeKey={Uri.EscapeDataString(key)}";
        const string body = """{"batch":[{"type":"track","event":"Left page","anonymousId":"b-1","messageId":"rs-b1","channel":"web"},{"type":"page","name":"Docs","anonymousId":"b-1","messageId":"rs-b2"}],"sentAt":"2026-11-24T10:00:00Z"}""";

        // navigator.sendBeacon posts a text/plain Blob, with no Authorization header.
        using (var stored = await anonymous.PostAsync(Url(Beacon(key)), Text(body)))
        {
            stored.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32().ShouldBe(2);
        }

        // A beacon the page sends again (a retry on unload) is stored once.
        (await anonymous.PostAsync(Url(Beacon(key)), Text(body))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await EventNamesAsync(ws)).ShouldBe(["Left page", "Viewed Docs"]);
        (await app.QueryAsync(ws, db => db.Events.Select(e => e.Channel).Distinct().ToListAsync())).ShouldBe(["web"]);

        (await anonymous.PostAsync(Url(Beacon("obs_nope")), Text(body))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync(Url(Beacon(viewer)), Text(body))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.PostAsync(Url("/beacon/v1/batch"), Text(body))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // The query names a key only here: the other tracking calls ignore it.
        (await anonymous.PostAsync(Url($"/v1/batch?writeKey={Uri.EscapeDataString(key)}"), Text(body))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // A beacon carries the browser's cookies; a signed-in admin's cookie is still no key.
        var user = await app.CreateUserAsync(ws, Roles.Admin);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();
        (await browser.Http.PostAsync(Url("/beacon/v1/batch"), Text("""{"batch":[{"type":"track","event":"Forged","userId":"u","messageId":"f-1"}]}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await EventNamesAsync(ws)).ShouldBe(["Left page", "Viewed Docs"]);
    }

    [Fact]
    public async Task Segments_pixel_api_stores_each_image_load_and_always_answers_with_the_image()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var viewer = (await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key;
        var anonymous = app.ApiClient();
        static string Data(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var opened = Data($$$"""{"writeKey":"{{{key}}}","userId":"u-1","event":"Email Opened","properties":{"subject":"Ünïcode & more?"},"context":{"channel":"email"}}""");

        async Task<string?> LoadAsync(string url)
        {
            using var image = await anonymous.GetAsync(Url(url));
            image.StatusCode.ShouldBe(HttpStatusCode.OK);
            image.Content.Headers.ContentType!.MediaType.ShouldBe("image/gif");
            (await image.Content.ReadAsByteArrayAsync()).ShouldSatisfyAllConditions(b => b.Length.ShouldBe(43), b => Encoding.ASCII.GetString(b, 0, 6).ShouldBe("GIF89a"));
            image.Headers.CacheControl!.NoStore.ShouldBeTrue();
            return image.Headers.TryGetValues("X-Obsess-Problem", out var problem) ? problem.Single() : null;
        }

        // base64 (URL-safe, unpadded): an e-mail client loading the image twice is two opens.
        (await LoadAsync($"/v1/pixel/track?data={opened}")).ShouldBeNull();
        (await LoadAsync($"/v1/pixel/track?data={opened}")).ShouldBeNull();
        // A messageId of its own makes loads of the same message one event.
        var once = Data($$"""{"writeKey":"{{key}}","userId":"u-1","event":"Ad seen","messageId":"ad-7"}""");
        (await LoadAsync($"/v1/pixel/track?data={once}")).ShouldBeNull();
        (await LoadAsync($"/v1/pixel/track?data={once}")).ShouldBeNull();
        // Not encoded: the query's own parameters, dots nesting.
        (await LoadAsync($"/v1/pixel/page?writeKey={Uri.EscapeDataString(key)}&userId=u-1&name=Receipt&properties.order=A-1")).ShouldBeNull();

        var events = await app.QueryAsync(ws, db => db.Events.OrderBy(e => e.Name).Select(e => new { e.Name, e.Channel, e.Properties }).ToListAsync());
        events.Select(e => e.Name).ShouldBe(["Ad seen", "Email Opened", "Email Opened", "Viewed Receipt"]);
        events[1].Channel.ShouldBe("email");
        JsonDocument.Parse(events[1].Properties).RootElement.GetProperty("subject").GetString().ShouldBe("Ünïcode & more?");
        JsonDocument.Parse(events[3].Properties).RootElement.GetProperty("order").GetString().ShouldBe("A-1");

        // Refused loads still get the image, and the reason in a header; nothing is stored.
        var unknownKey = Data("""{"writeKey":"obs_nope","userId":"u-1","event":"x"}""");
        var viewerKey = Data($$"""{"writeKey":"{{viewer}}","userId":"u-1","event":"x"}""");
        var noEvent = Data($$"""{"writeKey":"{{key}}","userId":"u-1"}""");
        (await LoadAsync($"/v1/pixel/track?data={unknownKey}")).ShouldNotBeNull().ShouldContain("writeKey");
        (await LoadAsync($"/v1/pixel/track?data={viewerKey}")).ShouldNotBeNull().ShouldContain("ingest role");
        (await LoadAsync("/v1/pixel/track?data=%25%25not-base64")).ShouldNotBeNull().ShouldStartWith("data:");
        (await LoadAsync($"/v1/pixel/track?data={noEvent}")).ShouldNotBeNull().ShouldContain("event");
        (await LoadAsync($"/v1/pixel/checkout?data={opened}")).ShouldNotBeNull().ShouldContain("'checkout' is not a call");
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(4);
    }

    [Fact]
    public async Task The_sign_in_cookie_does_not_authenticate_the_tracking_api()
    {
        var ws = await app.CreateWorkspaceAsync();
        var user = await app.CreateUserAsync(ws, Roles.Admin);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();

        using var response = await browser.Http.PostAsync(Url("/v1/track"), Text("""{"event":"Forged","userId":"u"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await EventNamesAsync(ws)).ShouldBeEmpty();
    }
}

public sealed class SdkCompatibilityTests_on_sqlite(SqliteAppFixture app) : SdkCompatibilityTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SdkCompatibilityTests_on_postgres(PostgresAppFixture app) : SdkCompatibilityTests(app), IClassFixture<PostgresAppFixture>;
