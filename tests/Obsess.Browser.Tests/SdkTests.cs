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

    [Fact]
    public async Task Segments_browser_sdk_on_another_sites_page_sends_to_the_app()
    {
        var run = Run();
        var ws = await server.CreateWorkspaceAsync();
        var key = await server.CreateApiKeyAsync(ws, "Web shop", "ingest");
        var api = server.BaseUrl.GetLeftPart(UriPartial.Authority);

        // Another site: its own origin (another port), serving a page and the SDK's browser bundle from npm.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var shop = builder.Build();
        var bundle = Path.Combine(NodeProject, "node_modules", "@segment", "analytics-next", "dist", "umd", "index.js");
        shop.MapGet("/", () => Results.Content("""<!doctype html><html lang="en"><head><title>Shop</title><link rel="icon" href="data:,"><script src="/analytics.js"></script></head><body><main><h1>Shop</h1></main></body></html>""", "text/html"));
        shop.MapGet("/analytics.js", () => Results.File(bundle, "text/javascript"));
        await shop.StartAsync();

        var page = await server.NewPageAsync();
        await using var context = page.Context;
        var failures = new List<string>();
        page.RequestFailed += (_, r) => failures.Add($"{r.Method} {r.Url}: {r.Failure}");
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                failures.Add($"{m.Text} ({m.Location})");
            }
        };
        var answers = new List<(string Url, int Status)>();
        page.Response += (_, r) =>
        {
            if (r.Url.StartsWith(api + "/v1/", StringComparison.Ordinal))
            {
                lock (answers)
                {
                    answers.Add((r.Url, r.Status));
                }
            }
        };

        await page.GotoAsync(shop.Urls.Single() + "/");
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
        // What RudderStack's browser SDK does: HTTP Basic and JSON, so the browser asks first (a CORS preflight).
        var status = await page.EvaluateAsync<int>(
            """
            async ([api, key, run]) => (await fetch(`${api}/v1/batch`, {
              method: 'POST',
              headers: { 'Authorization': 'Basic ' + btoa(key + ':'), 'Content-Type': 'application/json', 'AnonymousId': btoa(`${run}-anon`) },
              body: JSON.stringify({ batch: [{ type: 'track', event: `${run} Preflighted event`, anonymousId: `${run}-anon`, messageId: `${run}-pf` }] }),
            })).status
            """,
            new object[] { api, key, run });

        status.ShouldBe(200);
        await WaitForAsync(async () => (await server.EventsAsync(ws, run)).Count >= 5);
        (await server.EventsAsync(ws, run)).ShouldBe(
            [($"{run} Browser SDK event", "web_shop", "web"), ($"{run} Preflighted event", "web_shop", "web"), ($"Viewed {run} Home", "web_shop", "web"),
             ($"{run} Batched one", "web_shop", "web"), ($"{run} Batched two", "web_shop", "web")],
            ignoreOrder: true);
        (await server.CustomerEmailsAsync(ws)).ShouldBe([$"{run}.browser@example.com"]);
        failures.ShouldBeEmpty();
        lock (answers)
        {
            answers.Select(a => new Uri(a.Url).AbsolutePath).ShouldBe(["/v1/i", "/v1/t", "/v1/p", "/v1/b", "/v1/batch"], ignoreOrder: true);
            answers.ShouldAllBe(a => a.Status == 200);
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
