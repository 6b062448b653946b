using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Obsess.Browser.Tests;

/// <summary>The feedback dashboard in a real browser: reached from the main navigation by keyboard, checked with axe-core.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class FeedbackBrowserTests(ObsessServer server)
{
    [Fact]
    public async Task Voc_dashboard_is_reachable_by_keyboard_accessible_and_compares_two_periods()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);

        // Reviews sent through the API with the admin's session: two in January, one in February, and the newest (dated
        // tomorrow, so it is among the latest comments whatever the demo holds) with markup in its text.
        var source = $"browser-{Guid.NewGuid():N}"[..20];
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reviews = new object[]
        {
            new { source, externalId = "b1", rating = 5, text = "Lovely, quick delivery", date = "2026-01-05", product = "Kettle" },
            new { source, externalId = "b2", rating = 4, text = "Good value", date = "2026-01-20", product = "Kettle" },
            new { source, externalId = "b3", rating = 1, text = "Arrived broken <script>alert(1)</script>", date = tomorrow, product = "Toaster" },
            new { source, externalId = "b4", rating = 2, text = "Slow support", date = "2026-02-14", product = "Toaster" },
        };
        var posted = await page.APIRequest.PostAsync("/api/reviews", new() { DataObject = reviews });
        posted.Status.ShouldBe(200, await posted.TextAsync());

        // A personal link for a demo customer, so the response-rate tables have a row to show (and axe checks them).
        using var surveys = System.Text.Json.JsonDocument.Parse(await (await page.APIRequest.GetAsync("/api/surveys")).TextAsync());
        using var customers = System.Text.Json.JsonDocument.Parse(await (await page.APIRequest.GetAsync("/api/customers?pageSize=1")).TextAsync());
        var surveyId = surveys.RootElement.EnumerateArray().First(x => x.GetProperty("status").GetString() == "live").GetProperty("id").GetString();
        var customerId = customers.RootElement.GetProperty("items")[0].GetProperty("id").GetString();
        var link = await page.APIRequest.PostAsync($"/api/surveys/{surveyId}/links", new() { DataObject = new { customerId, touchpoint = "browser_test" } });
        link.Status.ShouldBe(201, await link.TextAsync());

        // Feedback, through the main navigation, by keyboard.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Feedback" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/voc");
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Voice of the customer");

        // Every filter control has a label.
        foreach (var label in new[] { "From", "To", "Survey", "Channel", "Touchpoint", "Segment", "Break down by" })
        {
            (await page.Locator("form.voc-filters").GetByLabel(label, new() { Exact = true }).CountAsync()).ShouldBe(1, label);
        }

        // Reviews only, broken down by product: the two products are rows of the breakdown table.
        await page.Locator("form.voc-filters").GetByLabel("Break down by").SelectOptionAsync("product");
        await page.Locator("form.voc-filters").GetByRole(AriaRole.Button, new() { Name = "Apply" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).Query.Contains("by=product", StringComparison.Ordinal));
        var breakdown = page.Locator("section[aria-labelledby=breakdown-title] tbody th");
        (await breakdown.AllInnerTextsAsync()).ShouldContain("Toaster");
        (await breakdown.AllInnerTextsAsync()).ShouldContain("Kettle");

        // The stored text is shown as text: no script element was created from it.
        (await page.GetByText("Arrived broken <script>alert(1)</script>").CountAsync()).ShouldBe(1);
        (await page.Locator(".verbatims script").CountAsync()).ShouldBe(0);

        // Each chart's numbers are in a table behind a disclosure that opens by keyboard.
        var chart = page.Locator("figure.chart").First;
        await chart.Locator("details summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(chart.Locator("details table")).ToBeVisibleAsync();
        (await page.Locator("caption", new() { HasText = "Response rate by survey" }).CountAsync()).ShouldBe(1);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the feedback dashboard");

        // Compare January with February.
        await page.Locator("#aFrom").FillAsync("2026-01-01");
        await page.Locator("#aTo").FillAsync("2026-01-31");
        await page.Locator("#bFrom").FillAsync("2026-02-01");
        await page.Locator("#bTo").FillAsync("2026-02-28");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).Query.Contains("aFrom=2026-01-01", StringComparison.Ordinal));
        var status = page.Locator(".comparison[role=status]");
        await Assertions.Expect(status).ToBeVisibleAsync();
        // Reviews carry star ratings, not NPS answers; the demo company has no survey answers in these months.
        var said = await status.InnerTextAsync();
        NpsSentence().IsMatch(said).ShouldBeTrue(said);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the feedback dashboard with a comparison");

        // The export link hands over the same filters.
        (await page.GetByRole(AriaRole.Link, new() { Name = "Export these records as CSV" }).GetAttributeAsync("href"))!.ShouldStartWith("/api/feedback/export.csv");
    }

    [GeneratedRegex(@"(Cannot compare NPS|NPS (rose|fell|stayed))")]
    private static partial Regex NpsSentence();
}
