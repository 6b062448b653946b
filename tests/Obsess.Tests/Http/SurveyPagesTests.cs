using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Surveys;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>The survey pages without JavaScript: the respondent's form (page by page, skip rules on the server) and the builder.</summary>
public abstract partial class SurveyPagesTests(ObsessAppFixture app)
{
    /// <summary>The hidden fields (antiforgery token, handler, state) of the form whose handler is <paramref name="handler"/>.</summary>
    private static async Task<Dictionary<string, string>> FormAsync(HttpResponseMessage page, string handler)
    {
        var html = await page.Content.ReadAsStringAsync();
        var form = FormBlock().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains($"name=\"_handler\" value=\"{handler}\"", StringComparison.Ordinal));
        form.ShouldNotBeNull($"no form '{handler}' in: {html}");
        return HiddenInput().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
    }

    private static FormUrlEncodedContent Post(Dictionary<string, string> hidden, params (string Key, string Value)[] fields) =>
        new([.. hidden.Select(h => KeyValuePair.Create(h.Key, h.Value)), .. fields.Select(f => KeyValuePair.Create(f.Key, f.Value))]);

    private async Task<(Guid Ws, SurveyView Survey)> LiveSurveyAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        using var created = await manager.PostAsJsonAsync(Url("/api/surveys"), SurveysTests.Definition());
        var survey = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        using var published = await manager.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null);
        return (ws, (await published.Content.ReadFromJsonAsync<SurveyView>())!);
    }

    [Fact]
    public async Task A_respondent_answers_page_by_page_without_javascript_and_lands_on_the_thank_you_page()
    {
        var (ws, survey) = await LiveSurveyAsync();
        using var browser = app.Browser();

        using var first = await browser.GetAsync($"{survey.PublicPath}?lang=de");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await first.Content.ReadAsStringAsync();
        html.ShouldContain("<legend>Wie wahrscheinlich empfehlen Sie uns?");
        html.ShouldContain("lang=\"de\"");
        html.ShouldNotContain("a.csat", Case.Sensitive);
        var form = await FormAsync(first, "survey-answers");

        using var second = await browser.Http.PostAsync(Url($"{survey.PublicPath}?lang=de"), Post(form, ("a.nps", "9")));
        second.StatusCode.ShouldBe(HttpStatusCode.OK, await second.Content.ReadAsStringAsync());
        var secondHtml = await second.Content.ReadAsStringAsync();
        secondHtml.ShouldContain("name=\"a.csat\"");
        secondHtml.ShouldContain("Absenden");
        var secondForm = await FormAsync(second, "survey-answers");
        secondForm.ShouldContainKey("responseId");

        using var missing = await browser.Http.PostAsync(Url($"{survey.PublicPath}?lang=de"), Post(secondForm, ("a.liked", "speed")));
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var missingHtml = await missing.Content.ReadAsStringAsync();
        missingHtml.ShouldContain("Diese Frage braucht eine Antwort.");
        missingHtml.ShouldContain("aria-describedby=\"q-csat-error\"");

        using var done = await browser.Http.PostAsync(Url($"{survey.PublicPath}?lang=de"), Post(secondForm, ("a.csat", "5"), ("a.liked", "speed"), ("a.liked", "staff"), ("a.comment", "<b>Sehr gut</b>")));
        BrowserClient.IsRedirect(done.StatusCode).ShouldBeTrue(await done.Content.ReadAsStringAsync());
        done.Headers.Location!.PathAndQuery.ShouldBe($"/s/{survey.Token}/thanks?lang=de");
        using var thanks = await browser.FollowAsync(done);
        (await thanks.Content.ReadAsStringAsync()).ShouldContain("Vielen Dank!");

        var response = await app.QueryAsync(ws, db => db.Set<SurveyResponse>().SingleAsync());
        (response.Status, response.Language, response.Channel, response.Touchpoint).ShouldBe((ResponseStatuses.Complete, "de", "web", "relationship"));
        var rows = await app.QueryAsync(ws, db => db.Feedback.OrderBy(f => f.QuestionId).Select(f => new { f.QuestionId, f.Score, f.Choices }).ToListAsync());
        rows.Select(r => r.QuestionId).ShouldBe(["comment", "csat", "liked", "nps"]);
        rows.Single(r => r.QuestionId == "liked").Choices.ShouldBe("[\"speed\",\"staff\"]");
        (await app.QueryAsync(ws, db => db.Texts.Select(t => t.Body).SingleAsync())).ShouldBe("<b>Sehr gut</b>");
    }

    [Fact]
    public async Task The_form_refuses_a_filled_honeypot_and_out_of_range_scores_and_stores_nothing()
    {
        var (ws, survey) = await LiveSurveyAsync();
        using var browser = app.Browser();
        using var page = await browser.GetAsync(survey.PublicPath);
        var form = await FormAsync(page, "survey-answers");

        using var bot = await browser.Http.PostAsync(Url(survey.PublicPath), Post(form, ("a.nps", "9"), ("website", "http://spam.example")));
        bot.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var outOfRange = await browser.Http.PostAsync(Url(survey.PublicPath), Post(form, ("a.nps", "12")));
        outOfRange.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await outOfRange.Content.ReadAsStringAsync()).ShouldContain("The score must be from 0 to 10.");

        (await app.QueryAsync(ws, db => db.Set<SurveyResponse>().CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task A_personal_link_answered_on_the_page_is_tied_to_its_customer_and_cannot_be_used_again()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 3, seed: 9);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        using var created = await manager.PostAsJsonAsync(Url("/api/surveys"), SurveysTests.Definition());
        var survey = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        (await manager.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var customerId = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).FirstAsync());
        using var linkResponse = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId, touchpoint = "delivery", channel = "sms" });
        var link = (await linkResponse.Content.ReadFromJsonAsync<CreatedSurveyLink>())!;
        using var browser = app.Browser();

        using var page = await browser.GetAsync(link.Path);
        var form = await FormAsync(page, "survey-answers");
        form["k"].ShouldBe(Uri.UnescapeDataString(link.Path.Split("k=")[1]));
        using var answered = await browser.Http.PostAsync(Url(link.Path), Post(form, ("a.nps", "4")));
        var next = await FormAsync(answered, "survey-answers");
        using var done = await browser.Http.PostAsync(Url(link.Path), Post(next, ("a.comment", "Late again.")));
        BrowserClient.IsRedirect(done.StatusCode).ShouldBeTrue(await done.Content.ReadAsStringAsync());

        var rows = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.SurveyId == survey.Id).OrderBy(f => f.QuestionId).ToListAsync());
        rows.Select(r => (r.QuestionId, r.CustomerId, r.Touchpoint, r.Channel)).ShouldBe([("comment", (Guid?)customerId, "delivery", "sms"), ("nps", customerId, "delivery", "sms")]);
        using var again = await app.Browser().GetAsync(link.Path);
        var html = await again.Content.ReadAsStringAsync();
        html.ShouldContain("already been used");
        html.ShouldNotContain("<form");
        using var replay = await browser.Http.PostAsync(Url(link.Path), Post(form, ("a.nps", "10")));
        replay.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_closed_survey_page_says_so_and_shows_no_form()
    {
        var (ws, survey) = await LiveSurveyAsync();
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        (await manager.PostAsync(Url($"/api/surveys/{survey.Id}/close"), null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var browser = app.Browser();

        using var page = await browser.GetAsync(survey.PublicPath);

        page.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var html = await page.Content.ReadAsStringAsync();
        html.ShouldContain("This survey is closed and no longer takes answers.");
        html.ShouldNotContain("<form");
    }

    [Fact]
    public async Task A_manager_builds_a_survey_in_the_builder_and_publishes_it()
    {
        var ws = await app.CreateWorkspaceAsync();
        var manager = await app.CreateUserAsync(ws, Roles.Manager);
        using var browser = app.Browser();
        (await browser.SignInAsync(manager.Email, manager.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var newPage = await browser.GetAsync("/surveys/new");
        var newForm = await FormAsync(newPage, "new-survey");
        using var created = await browser.Http.PostAsync(Url("/surveys/new"), Post(newForm, ("Form.Name", "After support"), ("Form.Language", "en"), ("Form.Type", "csat"), ("Form.Label", "How did we do?")));
        BrowserClient.IsRedirect(created.StatusCode).ShouldBeTrue(await created.Content.ReadAsStringAsync());
        var editUrl = created.Headers.Location!.PathAndQuery;
        editUrl.ShouldStartWith("/surveys/");
        using var edit = await browser.FollowAsync(created);
        var editorForm = await FormAsync(edit, "survey-editor");

        // Add an open-text question: the form comes back with it, nothing is stored yet.
        (string, string)[] current = [("name", "After support"), ("languages", "en, de"), ("defaultLanguage", "en"), ("q0.id", "q1"), ("q0.type", "csat"), ("q0.required", "true"), ("q0.label.en", "How did we do?"), ("q0.label.de", "Wie war es?")];
        using var added = await browser.Http.PostAsync(Url(editUrl), Post(editorForm, [.. current, ("newType", "text"), ("op", "add-question")]));
        added.StatusCode.ShouldBe(HttpStatusCode.OK);
        var addedHtml = await added.Content.ReadAsStringAsync();
        addedHtml.ShouldContain("Added question 2 (Open text).");
        addedHtml.ShouldContain("id=\"q1-label-de\"");

        // Saving with the new question's labels missing names the fields; with them, it saves.
        using var invalid = await browser.Http.PostAsync(Url(editUrl), Post(editorForm, [.. current, ("q1.id", "q2"), ("q1.type", "text"), ("q1.label.en", ""), ("op", "save")]));
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var invalidHtml = await invalid.Content.ReadAsStringAsync();
        invalidHtml.ShouldContain("id=\"q1-label-en-error\"");
        invalidHtml.ShouldContain("Write the label in de.");
        using var saved = await browser.Http.PostAsync(Url(editUrl), Post(editorForm, [.. current, ("q1.id", "q2"), ("q1.type", "text"), ("q1.label.en", "Anything else?"), ("q1.label.de", "Sonst noch etwas?"), ("op", "save")]));
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        (await saved.Content.ReadAsStringAsync()).ShouldContain("Draft saved.");

        var publishForm = await FormAsync(saved, "survey-publish");
        using var published = await browser.Http.PostAsync(Url(editUrl), Post(publishForm));
        var publishedHtml = await published.Content.ReadAsStringAsync();
        publishedHtml.ShouldContain("Published");
        publishedHtml.ShouldContain("/widget/survey.js");

        var survey = await app.QueryAsync(ws, db => db.Set<Survey>().SingleAsync());
        survey.Status.ShouldBe(SurveyStatuses.Live);
        var definition = SurveyDefinition.FromJson(survey.Definition);
        definition.Languages.ShouldBe(["en", "de"]);
        definition.Questions.Select(q => (q.Id, q.Type, q.Label["de"])).ShouldBe([("q1", "csat", "Wie war es?"), ("q2", "text", "Sonst noch etwas?")]);
        using var list = await browser.GetAsync("/surveys");
        var listHtml = await list.Content.ReadAsStringAsync();
        listHtml.ShouldContain($"href=\"/surveys/{survey.Id}/results\"");
        listHtml.ShouldContain("After support");
    }

    [Fact]
    public async Task A_viewer_sees_surveys_but_not_the_builder()
    {
        var (ws, survey) = await LiveSurveyAsync();
        var viewer = await app.CreateUserAsync(ws, Roles.Viewer);
        using var browser = app.Browser();
        await browser.SignInAsync(viewer.Email, viewer.Password);

        using var detail = await browser.GetAsync($"/surveys/{survey.Id}");
        var html = await detail.Content.ReadAsStringAsync();
        detail.StatusCode.ShouldBe(HttpStatusCode.OK);
        html.ShouldContain("How likely are you to recommend us?");
        html.ShouldNotContain("survey-close");
        using var create = await browser.GetAsync("/surveys/new");
        BrowserClient.IsRedirect(create.StatusCode).ShouldBeTrue();
        create.Headers.Location!.ToString().ShouldContain("/denied");
    }

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormBlock();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInput();
}

public sealed class SurveyPagesTests_on_sqlite(SqliteAppFixture app) : SurveyPagesTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SurveyPagesTests_on_postgres(PostgresAppFixture app) : SurveyPagesTests(app), IClassFixture<PostgresAppFixture>;
