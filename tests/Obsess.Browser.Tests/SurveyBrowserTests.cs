using Microsoft.Playwright;

namespace Obsess.Browser.Tests;

/// <summary>
/// Surveys in a real browser, by keyboard only: the builder, the public page and the widget embedded in a plain
/// page of another origin, each checked with axe-core.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SurveyBrowserTests(ObsessServer server)
{
    /// <summary>The focused element, looking inside shadow roots (the widget renders in one).</summary>
    private const string DeepActive = "(() => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) { a = a.shadowRoot.activeElement; } return a; })()";

    private static async Task<string> FocusedAsync(IPage page, string expression) =>
        await page.EvaluateAsync<string>($"() => {{ const el = {DeepActive}; return el ? String(({expression})(el)) : ''; }}");

    /// <summary>Presses Tab until the focused element satisfies <paramref name="test"/> (a JS function of the element).</summary>
    private static async Task TabToAsync(IPage page, string test, string what, int max = 40)
    {
        for (var i = 0; i < max; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await FocusedAsync(page, test) == "true")
            {
                return;
            }
        }

        throw new Xunit.Sdk.XunitException($"Tab never reached {what}.");
    }

    /// <summary>Signs in, opens the demo's relationship survey from the Surveys navigation, and reads its public link.</summary>
    private async Task<(IPage Page, string PublicUrl, string Token)> RelationshipSurveyAsync()
    {
        var page = await server.NewPageAsync();
        await server.SignInAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Surveys" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/surveys");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the survey list");
        await page.GetByRole(AriaRole.Link, new() { Name = "Customer relationship (NPS)", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath.StartsWith("/surveys/", StringComparison.Ordinal));
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "a live survey's page");
        var url = await page.GetByLabel("Public link").InputValueAsync();
        url.ShouldContain("/s/");
        return (page, url, url[(url.LastIndexOf('/') + 1)..]);
    }

    [Fact]
    public async Task A_manager_starts_a_survey_in_the_builder_by_keyboard_and_the_builder_passes_axe()
    {
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        await server.SignInAsync(page);

        await page.GotoAsync("/surveys/new");
        await page.GetByLabel("Name").FocusAsync();
        await page.Keyboard.TypeAsync("Onboarding check-in");
        await TabToAsync(page, "el => el.textContent.trim() === 'Create draft'", "the create button");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).Query.Contains("created=1", StringComparison.Ordinal));
        (await page.Locator("h1").InnerTextAsync()).ShouldContain("Onboarding check-in");

        // Add a multiple-choice question with keyboard only: pick the type, then press "Add question".
        await page.GetByLabel("Type of the new question").FocusAsync();
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.PressAsync("ArrowUp");
        await TabToAsync(page, "el => el.textContent.trim() === 'Add question'", "the add-question button");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added question 2 (Multiple choice).");
        (await page.GetByLabel("Option 1 (o1) in en").CountAsync()).ShouldBe(1);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the survey builder");

        // Saving with empty labels shows the errors next to the fields, and the builder still passes axe.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Assertions.Expect(page.Locator("#q1-label-en-error")).ToHaveTextAsync("Write the label in en.");
        (await page.GetByLabel("Question 2 in en").GetAttributeAsync("aria-invalid")).ShouldBe("true");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the survey builder with errors");
    }

    [Fact]
    public async Task A_customer_answers_the_public_survey_page_by_keyboard_only()
    {
        var (admin, url, _) = await RelationshipSurveyAsync();
        await admin.Context.CloseAsync();
        var page = await server.NewPageAsync();
        await using var context = page.Context;

        await page.GotoAsync(url);
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Customer relationship (NPS)");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the public survey page");

        // On a phone-sized screen the 0–10 scale wraps instead of scrolling sideways.
        await page.SetViewportSizeAsync(360, 740);
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(360);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the public survey page on a small screen");

        // The skip link comes first, then the first score; arrows choose within the 0–10 group.
        await page.Keyboard.PressAsync("Tab");
        (await FocusedAsync(page, "el => el.textContent.trim()")).ShouldBe("Skip to the survey");
        await TabToAsync(page, "el => el.type === 'radio' && el.name === 'a.nps'", "the NPS scale");
        for (var i = 0; i < 9; i++)
        {
            await page.Keyboard.PressAsync("ArrowRight");
        }

        (await FocusedAsync(page, "el => el.checked ? el.value : 'none'")).ShouldBe("9");
        await TabToAsync(page, "el => el.tagName === 'BUTTON'", "the Next button");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);

        // A promoter is asked what they value, then for the one improvement; the last page submits.
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "What do you value most about us?" })).ToBeVisibleAsync();
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the public survey's second page");
        await TabToAsync(page, "el => el.type === 'radio' && el.name === 'a.best'", "the first choice");
        await page.Keyboard.PressAsync("ArrowDown");
        (await FocusedAsync(page, "el => el.checked ? el.value : 'none'")).ShouldBe("price");
        await TabToAsync(page, "el => el.tagName === 'TEXTAREA'", "the comment box");
        await page.Keyboard.TypeAsync("More pick-up points <please>");
        await TabToAsync(page, "el => el.tagName === 'BUTTON'", "the Submit button");
        (await FocusedAsync(page, "el => el.textContent.trim()")).ShouldBe("Submit");
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath.EndsWith("/thanks", StringComparison.Ordinal));
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Thank you!");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the thank-you page");
    }

    [Fact]
    public async Task The_widget_on_a_plain_page_of_another_origin_is_answered_by_keyboard_only()
    {
        var (admin, _, token) = await RelationshipSurveyAsync();
        await admin.Context.CloseAsync();
        var folder = Directory.CreateTempSubdirectory("obsess-widget-");
        var file = Path.Combine(folder.FullName, "shop.html");
        await File.WriteAllTextAsync(file, $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>A shop that embeds the survey</title></head>
            <body>
              <main>
                <h1>Thanks for your order</h1>
                <p>Tell us how we are doing:</p>
                <script src="{server.BaseUrl}widget/survey.js" data-survey="{token}" data-lang="en" data-touchpoint="checkout" async></script>
              </main>
            </body>
            </html>
            """);
        var page = await server.NewPageAsync();
        await using var context = page.Context;
        try
        {
            await page.GotoAsync(new Uri(file).AbsoluteUri);
            var legend = page.Locator(".obsess-survey legend");
            await Assertions.Expect(legend).ToContainTextAsync("How likely are you to recommend us");
            await Axe.ShouldHaveNoSeriousViolationsAsync(page, "a page with the survey widget");

            // A detractor's score skips to the improvement question (the server applies the survey's rule).
            await TabToAsync(page, "el => el.type === 'radio'", "the widget's score");
            await page.Keyboard.PressAsync("ArrowRight");
            await page.Keyboard.PressAsync("ArrowRight");
            (await FocusedAsync(page, "el => el.checked ? el.value : 'none'")).ShouldBe("2");
            await TabToAsync(page, "el => el.tagName === 'BUTTON'", "the widget's Next button");
            await page.Keyboard.PressAsync("Enter");

            var comment = page.Locator(".obsess-survey textarea");
            await Assertions.Expect(comment).ToBeFocusedAsync();
            await Assertions.Expect(page.Locator(".obsess-survey label.label")).ToContainTextAsync("What is the one thing we should improve?");
            await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the widget's second question");
            await page.Keyboard.TypeAsync("Deliveries were late twice.");
            await TabToAsync(page, "el => el.tagName === 'BUTTON'", "the widget's Submit button");
            (await FocusedAsync(page, "el => el.textContent.trim()")).ShouldBe("Submit");
            await page.Keyboard.PressAsync("Enter");

            var thanks = page.Locator(".obsess-survey [role=status]");
            await Assertions.Expect(thanks).ToHaveTextAsync("Thank you! Your answers are saved.");
            await Assertions.Expect(thanks).ToBeFocusedAsync();
            await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the widget's thank-you message");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
