using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Obsess.Browser.Tests;

/// <summary>
/// The tracking API (/v1) fed by the real, unmodified SDKs from npm, not by requests written to match our own reading
/// of the spec: the browser SDKs of Segment (analytics.js 2.0) and RudderStack (v3) on another site's page in Chromium,
/// Segment's pixel API as that page's images, and the server SDKs of Segment and RudderStack from Node.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SdkTests(ObsessServer server)
{
    /// <summary>This project's folder, where npm put the SDKs (see the project file).</summary>
    private static readonly string NodeProject = typeof(SdkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeProjectDirectory").Value!;

    private static string Run() => "r" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Segments_browser_sdk_on_another_sites_page_sends_to_the_app()
    {
        await using var shop = await Shop.OpenAsync(server);

        // cdnURL: the SDK fetches its settings (where to send) from the app instead of Segment's CDN.
        await shop.Page.EvaluateAsync(
            """
            async ([key, api, run]) => {
              const [analytics] = await AnalyticsNext.AnalyticsBrowser.load({ writeKey: key, cdnURL: api }, { disableClientPersistence: true });
              await analytics.identify(`${run}-user`, { email: `${run}.user@example.com`, name: 'Browser Sdk' });
              await analytics.track(`${run} Browser SDK event`, { plan: 'pro' });
              await analytics.page('Shop', `${run} Home`);
              // The SDK's other delivery strategy: calls queued and posted together to /v1/b.
              const [batching] = await AnalyticsNext.AnalyticsBrowser.load({ writeKey: key, cdnURL: api }, {
                disableClientPersistence: true,
                integrations: { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 2, timeout: 100 } } } } });
              await batching.track(`${run} Batched one`, {}, { userId: `${run}-user` });
              await batching.track(`${run} Batched two`, {}, { userId: `${run}-user` });
            }
            """,
            new object[] { shop.Key, shop.Api, shop.Run });

        await shop.ShouldHaveStoredAsync(
            ["{0} Browser SDK event", "Viewed {0} Home", "{0} Batched one", "{0} Batched two"],
            [($"/v1/projects/{shop.Key}/settings", 200), ($"/v1/projects/{shop.Key}/settings", 200), ("/v1/i", 200), ("/v1/t", 200), ("/v1/p", 200), ("/v1/b", 200)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RudderStacks_browser_sdk_on_another_sites_page_sends_to_the_app(bool beacon)
    {
        await using var shop = await Shop.OpenAsync(server);

        // configUrl: the SDK fetches its source's settings from the app instead of RudderStack's control plane. Then
        // HTTP Basic, JSON and RudderStack's own headers: each call is preceded by a CORS preflight. With useBeacon
        // the events go by navigator.sendBeacon to /beacon/v1/batch?writeKey=…, a text/plain POST without an
        // Authorization header or a preflight, which carries the browser's cookies for the app.
        await shop.Page.EvaluateAsync(
            """
            async ([key, api, run, beacon]) => {
              const rudder = new rudderanalytics.RudderAnalytics();
              await new Promise((resolve) => {
                rudder.load(key, api, { configUrl: api, useBeacon: beacon, beaconQueueOptions: { flushQueueInterval: 200 } });
                rudder.ready(resolve);
              });
              rudder.identify(`${run}-user`, { email: `${run}.user@example.com` });
              rudder.track(`${run} RudderStack browser event`, { plan: 'pro' });
              rudder.page('Shop', `${run} RudderStack home`);
            }
            """,
            new object[] { shop.Key, shop.Api, shop.Run, beacon });

        await shop.ShouldHaveStoredAsync(
            ["{0} RudderStack browser event", "Viewed {0} RudderStack home"],
            beacon
                ? [("/sourceConfig/", 200), ("/beacon/v1/batch", 200)]
                : [("/sourceConfig/", 200), ("/v1/identify", 200), ("/v1/track", 200), ("/v1/page", 200)]);
    }

    [Fact]
    public async Task Segments_pixel_api_loads_as_an_image_on_another_sites_page()
    {
        await using var shop = await Shop.OpenAsync(server);
        static string Data(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json));
        string[] pixels =
        [
            $"/v1/pixel/identify?data={Uri.EscapeDataString(Data($$$"""{"writeKey":"{{{shop.Key}}}","userId":"{{{shop.Run}}}-user","traits":{"email":"{{{shop.Run}}}.user@example.com"}}"""))}",
            $"/v1/pixel/track?data={Uri.EscapeDataString(Data($$"""{"writeKey":"{{shop.Key}}","userId":"{{shop.Run}}-user","event":"{{shop.Run}} Email Opened"}"""))}",
        ];

        // As an e-mail's or a checkout page's <img>: a real image, loaded across origins, nothing else needed.
        var widths = await shop.Page.EvaluateAsync<int[]>(
            """
            async ([api, pixels]) => {
              const widths = [];
              for (const pixel of pixels) {
                widths.push(await new Promise((resolve, reject) => {
                  const img = new Image();
                  img.onload = () => resolve(img.naturalWidth);
                  img.onerror = () => reject(new Error(`not an image: ${pixel}`));
                  img.src = api + pixel;
                }));
              }
              return widths;
            }
            """,
            new object[] { shop.Api, pixels });

        widths.ShouldBe([1, 1]);
        await shop.ShouldHaveStoredAsync(["{0} Email Opened"], [("/v1/pixel/identify", 200), ("/v1/pixel/track", 200)]);
    }

    [Fact]
    public async Task Segments_and_RudderStacks_node_sdks_send_to_the_app()
    {
        var run = Run();
        var ws = await server.CreateWorkspaceAsync();
        var key = await server.CreateApiKeyAsync(ws, "Back office", "ingest");
        var start = new ProcessStartInfo("node", [Path.Combine("sdk", "send-node.mjs"), server.BaseUrl.GetLeftPart(UriPartial.Authority), key, run])
        {
            WorkingDirectory = NodeProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await node.WaitForExitAsync(timeout.Token);

        node.ExitCode.ShouldBe(0, $"{await stdout}\n{await stderr}");
        // Both SDKs say they run on a server (RudderStack's channel, Segment's context.library.name).
        (await server.EventsAsync(ws, run)).ShouldBe([($"{run} Rudder node event", "back_office", "server"), ($"{run} Segment node event", "back_office", "server")], ignoreOrder: true);
        (await server.CustomerEmailsAsync(ws)).ShouldBe([$"{run}.rudder@example.com", $"{run}.segment@example.com"]);
    }

    /// <summary>
    /// A page of another site, on its own origin (another port) and serving the SDKs' browser bundles from npm, and a
    /// fresh workspace with a write key; every failed request, console error and answer of the app to the page is recorded.
    /// </summary>
    private sealed class Shop : IAsyncDisposable
    {
        private readonly ObsessServer _server;
        private readonly WebApplication _site;
        private readonly List<string> _failures = [];
        private readonly List<(string Path, int Status)> _answers = [];

        private Shop(ObsessServer server, WebApplication site, IPage page, Guid workspace, string key)
        {
            (_server, _site, Page, Workspace, Key) = (server, site, page, workspace, key);
            Api = server.BaseUrl.GetLeftPart(UriPartial.Authority);
            page.RequestFailed += (_, r) => _failures.Add($"{r.Method} {r.Url}: {r.Failure}");
            page.Console += (_, m) =>
            {
                if (m.Type == "error")
                {
                    _failures.Add($"{m.Text} ({m.Location})");
                }
            };
            page.Response += (_, r) =>
            {
                // Every answer of the app but CORS preflights.
                if (r.Url.StartsWith(Api + "/", StringComparison.Ordinal) && r.Request.Method != "OPTIONS")
                {
                    lock (_answers)
                    {
                        _answers.Add((new Uri(r.Url).AbsolutePath, r.Status));
                    }
                }
            };
        }

        public string Run { get; } = SdkTests.Run();

        public IPage Page { get; }

        public Guid Workspace { get; }

        public string Key { get; }

        /// <summary>The app's origin, e.g. http://127.0.0.1:41234.</summary>
        public string Api { get; }

        public static async Task<Shop> OpenAsync(ObsessServer server)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var site = builder.Build();
            var modules = Path.Combine(NodeProject, "node_modules");
            site.MapGet("/", () => Results.Content(
                """<!doctype html><html lang="en"><head><title>Shop</title><link rel="icon" href="data:,"><script src="/segment.js"></script><script src="/rudderstack.js"></script></head><body><main><h1>Shop</h1></main></body></html>""",
                "text/html"));
            site.MapGet("/segment.js", () => Results.File(Path.Combine(modules, "@segment", "analytics-next", "dist", "umd", "index.js"), "text/javascript"));
            site.MapGet("/rudderstack.js", () => Results.File(Path.Combine(modules, "@rudderstack", "analytics-js", "dist", "npm", "modern", "bundled", "umd", "index.js"), "text/javascript"));
            await site.StartAsync();

            var workspace = await server.CreateWorkspaceAsync();
            var shop = new Shop(server, site, await server.NewPageAsync(), workspace, await server.CreateApiKeyAsync(workspace, "Web shop", "ingest"));
            await shop.Page.GotoAsync(site.Urls.Single() + "/");
            return shop;
        }

        /// <summary>
        /// Waits a few seconds for the SDK's requests to land, then checks the events (names with {0} for the run), the
        /// one customer "{run}.user@example.com", that nothing failed, and the app's answers (path, status).
        /// </summary>
        public async Task ShouldHaveStoredAsync(string[] events, (string Path, int Status)[] answers)
        {
            var expected = events.Select(e => (string.Format(System.Globalization.CultureInfo.InvariantCulture, e, Run), "web_shop", "web")).ToList();
            // The answers too: the page may report an answer after the app has stored what it answered for.
            for (var i = 0; i < 50 && ((await _server.EventsAsync(Workspace, Run)).Count < expected.Count || (await _server.CustomerEmailsAsync(Workspace)).Count == 0 || AnswerCount < answers.Length); i++)
            {
                await Task.Delay(200);
            }

            (await _server.EventsAsync(Workspace, Run)).ShouldBe(expected, ignoreOrder: true);
            (await _server.CustomerEmailsAsync(Workspace)).ShouldBe([$"{Run}.user@example.com"]);
            _failures.ShouldBeEmpty();
            lock (_answers)
            {
                _answers.ShouldBe(answers, ignoreOrder: true);
            }
        }

        private int AnswerCount
        {
            get
            {
                lock (_answers)
                {
                    return _answers.Count;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Page.Context.DisposeAsync();
            await _site.DisposeAsync();
        }
    }
}
