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
/// of the spec: Segment's browser SDK (analytics.js 2.0) on another site's page in Chromium, and the server SDKs of
/// Segment and RudderStack from Node.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SdkTests(ObsessServer server)
{
    /// <summary>This project's folder, where npm put the SDKs (see the project file).</summary>
    private static readonly string NodeProject = typeof(SdkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeProjectDirectory").Value!;

    private static string Run() => "r" + Guid.NewGuid().ToString("N")[..10];

    private async Task WaitForAsync(Func<Task<bool>> stored)
    {
        // The browser SDK sends after the call returns; give the requests a few seconds to land.
        for (var i = 0; i < 50 && !await stored(); i++)
        {
            await Task.Delay(200);
        }
    }

    /// <summary>Another site: its own origin (another port), serving a page and the SDKs' browser bundles from npm.</summary>
    private static async Task<WebApplication> OtherSiteAsync()
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
        return site;
    }

    /// <summary>A page of the other site, with every failed request, console error and /v1 answer recorded.</summary>
    private async Task<(IPage Page, List<string> Failures, List<(string Path, int Status)> Answers)> ShopPageAsync(WebApplication site, string api)
    {
        var page = await server.NewPageAsync();
        var failures = new List<string>();
        var answers = new List<(string Path, int Status)>();
        page.RequestFailed += (_, r) => failures.Add($"{r.Method} {r.Url}: {r.Failure}");
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                failures.Add($"{m.Text} ({m.Location})");
            }
        };
        page.Response += (_, r) =>
        {
            if (r.Url.StartsWith(api + "/v1/", StringComparison.Ordinal))
            {
                lock (answers)
                {
                    answers.Add((new Uri(r.Url).AbsolutePath, r.Status));
                }
            }
        };
        await page.GotoAsync(site.Urls.Single() + "/");
        return (page, failures, answers);
    }

    [Fact]
    public async Task Segments_browser_sdk_on_another_sites_page_sends_to_the_app()
    {
        var run = Run();
        var ws = await server.CreateWorkspaceAsync();
        var key = await server.CreateApiKeyAsync(ws, "Web shop", "ingest");
        var api = server.BaseUrl.GetLeftPart(UriPartial.Authority);
        await using var site = await OtherSiteAsync();
        var (page, failures, answers) = await ShopPageAsync(site, api);
        await using var context = page.Context;

        // The settings Segment's CDN would serve, given inline: the Segment.io destination pointed at this app.
        await page.EvaluateAsync(
            """
            async ([key, host, run]) => {
              const [analytics] = await AnalyticsNext.AnalyticsBrowser.load(
                { writeKey: key, cdnSettings: { integrations: { 'Segment.io': { apiKey: key, apiHost: host, protocol: 'http' } } } },
                { disableClientPersistence: true });
              await analytics.identify(`${run}-browser`, { email: `${run}.browser@example.com`, name: 'Browser Sdk' });
              await analytics.track(`${run} Browser SDK event`, { plan: 'pro' });
              await analytics.page('Shop', `${run} Home`);
              // The SDK's other delivery strategy: calls queued and posted together to /v1/b.
              const [batching] = await AnalyticsNext.AnalyticsBrowser.load(
                { writeKey: key, cdnSettings: { integrations: { 'Segment.io': { apiKey: key, apiHost: host, protocol: 'http',
                  deliveryStrategy: { strategy: 'batching', config: { size: 2, timeout: 100 } } } } } },
                { disableClientPersistence: true });
              await batching.track(`${run} Batched one`, {}, { userId: `${run}-browser` });
              await batching.track(`${run} Batched two`, {}, { userId: `${run}-browser` });
            }
            """,
            new object[] { key, new Uri(api).Authority + "/v1", run });

        await WaitForAsync(async () => (await server.EventsAsync(ws, run)).Count >= 4);
        (await server.EventsAsync(ws, run)).ShouldBe(
            [($"{run} Browser SDK event", "web_shop", "web"), ($"Viewed {run} Home", "web_shop", "web"), ($"{run} Batched one", "web_shop", "web"), ($"{run} Batched two", "web_shop", "web")],
            ignoreOrder: true);
        (await server.CustomerEmailsAsync(ws)).ShouldBe([$"{run}.browser@example.com"]);
        failures.ShouldBeEmpty();
        lock (answers)
        {
            answers.ShouldBe([("/v1/i", 200), ("/v1/t", 200), ("/v1/p", 200), ("/v1/b", 200)], ignoreOrder: true);
        }
    }

    [Fact]
    public async Task RudderStacks_browser_sdk_on_another_sites_page_sends_to_the_app()
    {
        var run = Run();
        var ws = await server.CreateWorkspaceAsync();
        var key = await server.CreateApiKeyAsync(ws, "Web shop", "ingest");
        var api = server.BaseUrl.GetLeftPart(UriPartial.Authority);
        await using var site = await OtherSiteAsync();
        var (page, failures, answers) = await ShopPageAsync(site, api);
        await using var context = page.Context;

        // HTTP Basic, JSON and RudderStack's own headers: each call is preceded by a CORS preflight. The source's
        // settings, which RudderStack's control plane would serve, are given inline.
        await page.EvaluateAsync(
            """
            async ([key, api, run]) => {
              const rudder = new rudderanalytics.RudderAnalytics();
              await new Promise((resolve) => {
                rudder.load(key, api, {
                  getSourceConfig: () => ({ updatedAt: new Date().toISOString(),
                    source: { id: 'shop', name: 'Shop', workspaceId: 'shop', writeKey: key, enabled: true, config: {}, destinations: [] } }),
                });
                rudder.ready(resolve);
              });
              rudder.identify(`${run}-rudder`, { email: `${run}.rudder@example.com` });
              rudder.track(`${run} RudderStack browser event`, { plan: 'pro' });
              rudder.page('Shop', `${run} RudderStack home`);
            }
            """,
            new object[] { key, api, run });

        await WaitForAsync(async () => (await server.EventsAsync(ws, run)).Count >= 2 && (await server.CustomerEmailsAsync(ws)).Count > 0);
        (await server.EventsAsync(ws, run)).ShouldBe(
            [($"{run} RudderStack browser event", "web_shop", "web"), ($"Viewed {run} RudderStack home", "web_shop", "web")], ignoreOrder: true);
        (await server.CustomerEmailsAsync(ws)).ShouldBe([$"{run}.rudder@example.com"]);
        failures.ShouldBeEmpty();
        lock (answers)
        {
            answers.ShouldBe([("/v1/identify", 200), ("/v1/track", 200), ("/v1/page", 200)], ignoreOrder: true);
        }
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
}
