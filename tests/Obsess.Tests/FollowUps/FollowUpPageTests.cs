using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Feedback;
using Obsess.Features.FollowUps;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.FollowUps;

/// <summary>The follow-up pages as a browser sees them: the list with overdue said in words, the task page, the close form.</summary>
public abstract partial class FollowUpPageTests(ObsessAppFixture app)
{
    private async Task<(Guid Ws, Guid TaskId, BrowserClient Browser)> SignedInWithTaskAsync(string role, bool overdue)
    {
        var ws = await app.CreateWorkspaceAsync();
        var customer = await LoopSeed.CustomerAsync(app, ws, "Gus <b>Bold</b>", "gus@example.com");
        await LoopSeed.AnswerAsync(app, ws, customer, FeedbackMetrics.Nps, 2, Guid.CreateVersion7());
        await new FollowUpJob(app.App.Services, new ListLog<FollowUpJob>(), TimeProvider.System).RunOnceAsync(CancellationToken.None);
        var id = await app.QueryAsync(ws, db => db.FollowUpTasks.Select(t => t.Id).SingleAsync());
        if (overdue)
        {
            await app.QueryAsync(ws, db => db.FollowUpTasks.ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, DateTime.UtcNow.AddHours(-1))));
        }

        var user = await app.CreateUserAsync(ws, role);
        var browser = app.Browser();
        BrowserClient.IsRedirect((await browser.SignInAsync(user.Email, user.Password)).StatusCode).ShouldBeTrue();
        return (ws, id, browser);
    }

    [Fact]
    public async Task The_list_marks_an_overdue_task_in_words_and_escapes_the_customer_name()
    {
        var (_, id, browser) = await SignedInWithTaskAsync(Roles.Agent, overdue: true);
        using var _ = browser;

        using var page = await browser.GetAsync("/followups?overdue=true");
        var html = await page.Content.ReadAsStringAsync();

        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        html.ShouldContain($"href=\"/followups/{id}\"");
        html.ShouldContain("Gus &lt;b&gt;Bold&lt;/b&gt;");
        html.ShouldNotContain("<b>Bold</b>");
        html.ShouldContain("Overdue</strong>");
        html.ShouldContain("<h2 id=\"report-title\">Closing the loop, last 90 days</h2>");
        html.ShouldContain("<label for=\"f-status\">Status</label>");
        Regex.IsMatch(html, "<a href=\"/followups\"[^>]*>Follow-ups</a>").ShouldBeTrue("the main navigation links to Follow-ups");
    }

    [Fact]
    public async Task Closing_on_the_task_page_without_an_outcome_is_refused_and_with_one_closes_the_task()
    {
        var (ws, id, browser) = await SignedInWithTaskAsync(Roles.Agent, overdue: false);
        using var _ = browser;
        using var page = await browser.GetAsync($"/followups/{id}");
        var html = await page.Content.ReadAsStringAsync();
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        html.ShouldContain("<label for=\"outcome\">Outcome (required)</label>");
        html.ShouldContain("gus@example.com");
        var token = Token(html, "close");

        using var refused = await PostAsync(browser, $"/followups/{id}", token, "close", ("Close.Outcome", ""), ("Close.Note", ""));
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        using var closed = await PostAsync(browser, $"/followups/{id}", token, "close", ("Close.Outcome", Outcomes.NoAnswer), ("Close.Note", "Rang twice, voicemail <full>."));
        var closedHtml = await closed.Content.ReadAsStringAsync();

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        refusedHtml.ShouldContain("id=\"outcome-error\"");
        refusedHtml.ShouldContain("id=\"note-error\"");
        closed.StatusCode.ShouldBe(HttpStatusCode.OK);
        closedHtml.ShouldContain("Follow-up closed.");
        closedHtml.ShouldContain("Rang twice, voicemail &lt;full&gt;.");
        var task = await app.QueryAsync(ws, db => db.FollowUpTasks.SingleAsync());
        (task.Status, task.Outcome).ShouldBe((TaskStatuses.Closed, Outcomes.NoAnswer));
    }

    [Fact]
    public async Task A_viewer_is_not_shown_follow_ups()
    {
        var (_, id, browser) = await SignedInWithTaskAsync(Roles.Viewer, overdue: false);
        using var _ = browser;

        using var list = await browser.GetAsync("/followups");
        using var task = await browser.GetAsync($"/followups/{id}");
        using var home = await browser.GetAsync("/");

        BrowserClient.IsRedirect(list.StatusCode).ShouldBeTrue();
        list.Headers.Location!.OriginalString.ShouldContain("/denied");
        BrowserClient.IsRedirect(task.StatusCode).ShouldBeTrue();
        (await home.Content.ReadAsStringAsync()).ShouldNotContain("href=\"/followups\"");
    }

    private static string Token(string html, string form)
    {
        var match = FormToken().Match(html[html.IndexOf($"value=\"{form}\"", StringComparison.Ordinal)..]);
        match.Success.ShouldBeTrue($"no antiforgery token in form {form}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private static Task<HttpResponseMessage> PostAsync(BrowserClient browser, string url, string token, string handler, params (string Name, string Value)[] fields)
    {
        var form = new List<KeyValuePair<string, string>> { new("__RequestVerificationToken", token), new("_handler", handler) };
        form.AddRange(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));
        return browser.Http.PostAsync(new Uri(url, UriKind.Relative), new FormUrlEncodedContent(form));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}

public sealed class FollowUpPageTests_on_sqlite(SqliteAppFixture app) : FollowUpPageTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class FollowUpPageTests_on_postgres(PostgresAppFixture app) : FollowUpPageTests(app), IClassFixture<PostgresAppFixture>;
