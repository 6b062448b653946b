namespace Obsess.Browser.Tests;

/// <summary>The accessibility checks are only worth something if they can fail: axe must report a broken page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AxeHarnessTests(ObsessServer server)
{
    [Fact]
    public async Task Axe_reports_serious_problems_on_a_broken_page()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await page.SetContentAsync("""
            <!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>
            <h1>Broken on purpose</h1>
            <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
            <input type="text">
            <p style="color:#bbb;background:#fff">Low contrast text</p>
            </main></body></html>
            """);

        var violations = await Axe.RunAsync(page);

        var ids = violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id).ToList();
        ids.ShouldContain("image-alt");
        ids.ShouldContain("label");
        ids.ShouldContain("color-contrast");
        Axe.Describe("x", violations).ShouldContain("image-alt");
    }
}
