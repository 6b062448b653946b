using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Obsess.Browser.Tests;

/// <summary>
/// A person's way through the app in a real browser, by keyboard where it matters, with axe-core run on every page.
/// Set OBSESS_SCREENSHOTS to a folder to keep full-page screenshots of the overview and a customer page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class JourneyTests(ObsessServer server)
{
    [Fact]
    public async Task Sign_in_read_the_overview_find_a_customer_and_open_their_page_by_keyboard()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;

        // Not signed in: the overview sends you to the sign-in page, which focuses the e-mail field.
        await page.GotoAsync("/");
        new Uri(page.Url).AbsolutePath.ShouldBe("/login");
        await Assertions.Expect(page.Locator("#email")).ToBeFocusedAsync();
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the sign-in page");

        await server.SignInAsync(page);

        // The overview: its figures and two charts, each with a data table behind a disclosure that opens by keyboard.
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Overview");
        var kpis = page.Locator(".kpis .kpi");
        (await kpis.CountAsync()).ShouldBe(4);
        (await kpis.First.Locator(".kpi-value").InnerTextAsync()).ShouldBe(ObsessServer.DemoCustomers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var charts = page.Locator("figure.chart");
        (await charts.CountAsync()).ShouldBe(2);
        for (var i = 0; i < 2; i++)
        {
            var chart = charts.Nth(i);
            (await chart.Locator("svg[role=img]").GetAttributeAsync("aria-label")).ShouldNotBeNullOrWhiteSpace();
            (await chart.Locator("svg rect.bar").CountAsync()).ShouldBeGreaterThan(0);
            // The axis labels are scaled with the drawing: they must come out at a readable size (about 10 px or more).
            (await chart.Locator("svg text.axis").First.EvaluateAsync<double>("t => t.getBoundingClientRect().height"))
                .ShouldBeGreaterThanOrEqualTo(12, "axis labels render too small to read");
            var table = chart.Locator("details table");
            (await table.IsVisibleAsync()).ShouldBeFalse();
            await chart.Locator("details summary").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(chart.Locator("details")).ToHaveJSPropertyAsync("open", true);
            await Assertions.Expect(table).ToBeVisibleAsync();
            (await table.Locator("tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        }

        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the overview (chart tables open)");
        await ScreenshotAsync(page, "overview.png");

        // Customers, through the main navigation, then a search typed and submitted with Enter.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Customers" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/customers");
        (await page.Locator("table.data tbody tr").CountAsync()).ShouldBe(25);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the customer list");

        var (id, name, email) = server.Customer;
        await page.GetByLabel("Search customers").FocusAsync();
        await page.Keyboard.TypeAsync(email);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).Query.Contains("q=", StringComparison.Ordinal));
        var rows = page.Locator("table.data tbody tr");
        (await rows.CountAsync()).ShouldBe(1);
        (await rows.First.InnerTextAsync()).ShouldContain(email);
        (await page.GetByText("1 customer match").CountAsync()).ShouldBe(1);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the customer search results");

        // From the search box, Tab reaches the result's link; Enter opens the customer page.
        await page.GetByLabel("Search customers").FocusAsync();
        var reached = false;
        for (var tabs = 0; tabs < 5 && !reached; tabs++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await ActiveElementAsync(page, "el => el.tagName === 'A' ? el.textContent.trim() : ''") == name;
        }

        reached.ShouldBeTrue($"Tab never reached the link to {name} from the search box.");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == $"/customers/{id}");

        // The customer page: who they are, how we know them, what they are like and what they did.
        (await page.Locator("h1").InnerTextAsync()).ShouldBe(name);
        var identities = page.Locator("section[aria-labelledby=identities-title] tbody tr");
        (await identities.CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("section[aria-labelledby=identities-title]").InnerTextAsync()).ShouldContain(email);
        (await page.Locator("section[aria-labelledby=traits-title] dl.traits dt").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("ol.timeline li").CountAsync()).ShouldBeGreaterThan(0);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "a customer page");
        await ScreenshotAsync(page, "customer.png");
    }

    [Fact]
    public async Task Text_size_and_contrast_change_the_page_and_stay_across_navigation()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);
        var html = page.Locator("html");
        (await html.GetAttributeAsync("class")).ShouldNotBeNull().ShouldNotContain("contrast-high");
        (await html.GetAttributeAsync("class")).ShouldNotBeNull().ShouldContain("text-100");
        var normalFontSize = await RootFontSizeAsync(page);

        // Keyboard only: choose Large in the select, tick High contrast, then Apply.
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Display settings" });
        await form.GetByLabel("Text size").FocusAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        (await form.GetByLabel("Text size").InputValueAsync()).ShouldBe("125");
        await page.Keyboard.PressAsync("Tab");
        (await ActiveElementAsync(page, "el => el.name")).ShouldBe("contrast");
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("Tab");
        (await ActiveElementAsync(page, "el => el.textContent.trim()")).ShouldBe("Apply");
        await page.Keyboard.PressAsync("Enter");
        await Expect(html, "text-125");
        await Expect(html, "contrast-high");
        (await RootFontSizeAsync(page)).ShouldBeGreaterThan(normalFontSize);
        new Uri(page.Url).AbsolutePath.ShouldBe("/");

        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the overview in high contrast and large text");
        await ScreenshotAsync(page, "overview-high-contrast.png");

        // Remembered on the next page, with the controls showing the choice.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Customers" }).ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/customers");
        await Expect(html, "text-125");
        await Expect(html, "contrast-high");
        (await form.GetByLabel("Text size").InputValueAsync()).ShouldBe("125");
        (await form.GetByLabel("High contrast").IsCheckedAsync()).ShouldBeTrue();

        await page.GotoAsync($"/customers/{server.Customer.Id}");
        await Expect(html, "contrast-high");
        // Large text must not push the identities (long e-mail addresses) out of their card.
        foreach (var card in await page.Locator(".columns > .card").AllAsync())
        {
            (await card.EvaluateAsync<bool>("c => c.scrollWidth <= c.clientWidth")).ShouldBeTrue("a card's content overflows it in large text");
        }

        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "a customer page in high contrast");
        await ScreenshotAsync(page, "customer-high-contrast.png");

        // The heatmaps keep readable contrast in the high-contrast theme too.
        await page.GotoAsync("/insights");
        await Expect(html, "contrast-high");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the insights page in high contrast");
        await ScreenshotAsync(page, "insights-high-contrast.png");
    }

    [Fact]
    public async Task Keyboard_focus_is_visible_and_the_skip_link_comes_first()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);
        await page.GotoAsync("/customers");

        await page.Keyboard.PressAsync("Tab");
        (await ActiveElementAsync(page, "el => el.textContent.trim()")).ShouldBe("Skip to main content");
        (await page.Locator(".skip-link").IsVisibleAsync()).ShouldBeTrue();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");

        // A focused link shows an outline of real width (not the browser's removed or zero-width one).
        (await ActiveElementAsync(page, "el => el.tagName")).ShouldBe("A");
        var outline = await ActiveElementAsync(page, "el => { const s = getComputedStyle(el); return s.outlineStyle + ' ' + s.outlineWidth; }");
        outline.ShouldNotStartWith("none");
        outline.ShouldNotEndWith(" 0px");
    }

    [Fact]
    public async Task Settings_page_passes_axe()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/settings");
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Settings");
        (await page.Locator("#users-title").CountAsync()).ShouldBe(1);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the settings page");

        // The health scorecard saves from the form, and says what each weight now counts for.
        await page.Locator("#w-sentiment").FillAsync("0");
        await page.Locator("#w-sentiment").PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Scorecard saved" })).ToBeVisibleAsync();
        (await page.GetByLabel(new Regex("^Sentiment of the customer")).InputValueAsync()).ShouldBe("0");
        (await page.Locator("label[for=w-sentiment]").InnerTextAsync()).ShouldContain("now 0 of 100");

        // A new ingest key comes with a webhook URL that a service can post to as it is.
        await page.GetByLabel("Name", new() { Exact = true }).Last.FillAsync("Billing webhooks");
        await page.Locator("#key-role").SelectOptionAsync("ingest");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var webhook = await page.GetByLabel("Webhook URL").InputValueAsync();
        webhook.ShouldContain(Uri.EscapeDataString(await page.GetByRole(AriaRole.Textbox, new() { Name = "API key", Exact = true }).InputValueAsync()));
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the settings page with a new key");
        using var http = new HttpClient();
        using var delivered = await http.PostAsync(new Uri(webhook), new StringContent(
            """{"id":"evt_ui","type":"invoice.paid","data":{"object":{"customer_email":"webhook.ui@example.com"}}}""", System.Text.Encoding.UTF8, "application/json"));
        delivered.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await delivered.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Insights_show_value_risk_and_model_quality_and_pass_axe()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Insights" }).ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/insights");

        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Insights");
        (await page.Locator("#risk-title + p + .table-wrap tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("figure.chart rect.bar").CountAsync()).ShouldBeGreaterThan(0);
        (await page.GetByText("Backtest:").CountAsync()).ShouldBe(1);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the insights page");
        await ScreenshotAsync(page, "insights.png");

        // The riskiest valuable customer's page explains the risk in words.
        await page.Locator("#risk-title + p + .table-wrap tbody tr a").First.ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath.StartsWith("/customers/", StringComparison.Ordinal));
        (await page.Locator("#outlook-title + ul.outlook").InnerTextAsync()).ShouldContain("Churn risk");
    }

    [Fact]
    public async Task What_customers_say_shows_sentiment_themes_and_threats_and_passes_axe()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Texts", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/insights/texts");

        (await page.Locator("h1").InnerTextAsync()).ShouldBe("What customers say");
        (await page.Locator("figure.chart rect.bar").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator(".theme-list > li").CountAsync()).ShouldBeGreaterThan(1);
        (await page.Locator("#attention-title ~ ol .text-entry").CountAsync()).ShouldBeGreaterThan(0);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the text insights");
        await ScreenshotAsync(page, "texts-insights.png");

        // Filtering by keyboard: pick the e-mail channel and apply.
        await page.GetByLabel("Channel").SelectOptionAsync("email");
        await page.GetByRole(AriaRole.Form, new() { Name = "Filter the text insights" }).GetByRole(AriaRole.Button, new() { Name = "Apply" }).PressAsync("Enter");
        await page.WaitForURLAsync(u => u.Contains("channel=email", StringComparison.Ordinal));
        (await page.Locator(".theme-list .text-entry .badge").AllInnerTextsAsync()).Where(b => b is "chat" or "phone" or "social").ShouldBeEmpty();

        // A theme leads to its texts; a text leads to its customer, whose page shows what they wrote.
        await page.Locator(".theme-list h3 a").First.ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/texts");
        (await page.Locator(".text-list .text-entry").CountAsync()).ShouldBeGreaterThan(0);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the texts of a theme");
        await page.Locator(".text-list .text-meta a[href^='/customers/']").First.ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath.StartsWith("/customers/", StringComparison.Ordinal));
        (await page.Locator("#texts-title ~ ol .text-entry").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("#texts-title ~ ol .sentiment").First.InnerTextAsync()).ShouldMatch("^(positive|negative|neutral|mixed) ");
    }

    private static async Task<string> ActiveElementAsync(IPage page, string expression) =>
        await page.EvaluateAsync<string>($"() => ({expression})(document.activeElement)") ?? "";

    private static Task<double> RootFontSizeAsync(IPage page) =>
        page.EvaluateAsync<double>("() => parseFloat(getComputedStyle(document.documentElement).fontSize)");

    /// <summary>Waits (Playwright's retrying assertion) until the element carries the class.</summary>
    private static Task Expect(ILocator html, string cssClass) =>
        Assertions.Expect(html).ToHaveClassAsync(new Regex($@"(^|\s){Regex.Escape(cssClass)}(\s|$)"));

    private static async Task ScreenshotAsync(IPage page, string file)
    {
        if (Environment.GetEnvironmentVariable("OBSESS_SCREENSHOTS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, file), FullPage = true });
        }
    }
}
