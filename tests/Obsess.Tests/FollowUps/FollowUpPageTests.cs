using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Feedback;
using Obsess.Features.FollowUps;
using Obsess.Features.Invitations;
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

    [Fact]
    public async Task A_manager_adds_an_invitation_trigger_on_the_feedback_settings_page_and_an_agent_cannot_open_it()
    {
        var ws = await app.CreateWorkspaceAsync();
        using var admin = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Admin)).Key);
        using var created = await admin.PostAsJsonAsync(new Uri("/api/surveys", UriKind.Relative), new
        {
            name = "After <delivery>",
            languages = new[] { "en" },
            defaultLanguage = "en",
            questions = new object[] { new { id = "nps", type = "nps", required = true, label = new { en = "How likely are you to recommend us?" } } },
        });
        var survey = (await created.Content.ReadFromJsonAsync<Obsess.Features.Surveys.SurveyView>())!;
        (await admin.PostAsync(new Uri($"/api/surveys/{survey.Id}/publish", UriKind.Relative), null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var manager = await app.CreateUserAsync(ws, Roles.Manager);
        var agent = await app.CreateUserAsync(ws, Roles.Agent);
        using var browser = app.Browser();
        BrowserClient.IsRedirect((await browser.SignInAsync(manager.Email, manager.Password)).StatusCode).ShouldBeTrue();
        using var agentBrowser = app.Browser();
        BrowserClient.IsRedirect((await agentBrowser.SignInAsync(agent.Email, agent.Password)).StatusCode).ShouldBeTrue();

        using var page = await browser.GetAsync("/settings/feedback");
        var html = await page.Content.ReadAsStringAsync();
        using var refused = await PostAsync(browser, "/settings/feedback", Token(html, "add-trigger"), "add-trigger",
            ("NewTrigger.Name", "After delivery"), ("NewTrigger.Source", "order"), ("NewTrigger.SurveyId", survey.Id.ToString()), ("NewTrigger.Touchpoint", "Order Delivered"),
            ("NewTrigger.Channel", "email"), ("NewTrigger.DelayMinutes", "60"), ("NewTrigger.RecontactDays", "30"), ("NewTrigger.SamplePercent", "50"));
        using var added = await PostAsync(browser, "/settings/feedback", Token(html, "add-trigger"), "add-trigger",
            ("NewTrigger.Name", "After delivery"), ("NewTrigger.Source", "order"), ("NewTrigger.SurveyId", survey.Id.ToString()), ("NewTrigger.Touchpoint", "order_delivered"),
            ("NewTrigger.Channel", "email"), ("NewTrigger.DelayMinutes", "60"), ("NewTrigger.RecontactDays", "30"), ("NewTrigger.SamplePercent", "50"));
        using var denied = await agentBrowser.GetAsync("/settings/feedback");

        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        WebUtility.HtmlDecode(html).ShouldContain("Detractors (NPS 0–6)");
        html.ShouldContain("After &lt;delivery&gt;</option>");
        html.ShouldContain("<label for=\"trigger-sample\">Sample (percent of customers)</label>");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("id=\"trigger-touchpoint-error\"");
        added.StatusCode.ShouldBe(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await added.Content.ReadAsStringAsync()).ShouldContain("Trigger “After delivery” added.");
        var trigger = await app.QueryAsync(ws, db => db.InvitationTriggers.SingleAsync());
        (trigger.SurveyId, trigger.Touchpoint, trigger.SamplePercent, trigger.DelayMinutes).ShouldBe((survey.Id, "order_delivered", 50, 60));
        BrowserClient.IsRedirect(denied.StatusCode).ShouldBeTrue();
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
