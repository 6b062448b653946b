using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Surveys;
using Obsess.Tests.Http;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Feedback;

/// <summary>Response rates over personal links, checked against a hand count.</summary>
public abstract class ResponseRateTests(ObsessAppFixture app)
{
    private sealed record Seeded(Guid Ws, HttpClient Manager, Guid Survey, Guid Other, Guid BackdatedLink);

    /// <summary>
    /// Survey S, by customer and touchpoint (d = delivery, s = support_resolved):
    /// c1 d answered; c2 d started only; c3 d not opened (invited 14 Jan 2026); c4 d two links (a retried invitation),
    /// answered through the second; c5 d not opened and c5 s answered; c6 d not opened.
    /// So 7 invited pairs, 3 answered (c1 d, c4 d, c5 s), 1 started and not finished (c2 d): 3/7 = 42.857%.
    /// Also 2 complete and 1 partial answer without a link (only the 2 complete count as anonymous, outside the rate).
    /// Survey T: c1 d answered: 1 of 1. Overall 4 of 8.
    /// </summary>
    private async Task<Seeded> SeedAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        var s = await SurveyAsync(manager, "Delivery survey");
        var t = await SurveyAsync(manager, "Other survey");
        var c = Enumerable.Range(0, 6).Select(_ => Guid.CreateVersion7()).ToList();
        await app.QueryAsync(ws, db =>
        {
            var now = DateTime.UtcNow;
            db.Customers.AddRange(c.Select((id, i) => new Customer { WorkspaceId = ws, Id = id, Name = $"Customer {i + 1}", FirstSeenAt = now, LastSeenAt = now, CreatedAt = now, UpdatedAt = now }));
            return db.SaveChangesAsync();
        });
        using var anonymous = app.ApiClient();

        async Task<string> Link(SurveyView survey, Guid customer, string touchpoint)
        {
            using var r = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId = customer, touchpoint, channel = "email" });
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
            return (await r.Content.ReadFromJsonAsync<CreatedSurveyLink>())!.Path.Split("?k=")[1];
        }

        async Task Answer(SurveyView survey, string? key, bool complete)
        {
            object body = complete
                ? new { link = key, answers = new { nps = 9, csat = 4 }, complete = true }
                : new { link = key, answers = new { nps = 9 } };
            using var r = await anonymous.PostAsJsonAsync(Url($"{survey.PublicPath}/responses"), body);
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }

        await Answer(s, await Link(s, c[0], "delivery"), complete: true);
        await Answer(s, await Link(s, c[1], "delivery"), complete: false);
        var backdated = await Link(s, c[2], "delivery");
        await Link(s, c[3], "delivery");
        await Answer(s, await Link(s, c[3], "delivery"), complete: true);
        await Link(s, c[4], "delivery");
        await Answer(s, await Link(s, c[4], "support_resolved"), complete: true);
        await Link(s, c[5], "delivery");
        await Answer(s, null, complete: true);
        await Answer(s, null, complete: true);
        await Answer(s, null, complete: false);
        await Answer(t, await Link(t, c[0], "delivery"), complete: true);

        SurveyTokens.TryReadSignedLink(backdated, out var read).ShouldBeTrue();
        await app.QueryAsync(ws, db => db.Set<SurveyLink>().Where(l => l.Id == read.LinkId)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.CreatedAt, new DateTime(2026, 1, 14, 10, 0, 0, DateTimeKind.Utc))));
        return new Seeded(ws, manager, s.Id, t.Id, read.LinkId);
    }

    private static async Task<SurveyView> SurveyAsync(HttpClient manager, string name)
    {
        using var created = await manager.PostAsJsonAsync(Url("/api/surveys"), SurveysTests.Definition(name));
        var draft = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        using var published = await manager.PostAsync(Url($"/api/surveys/{draft.Id}/publish"), null);
        return (await published.Content.ReadFromJsonAsync<SurveyView>())!;
    }

    private static void ShouldBeRate(JsonElement rate, long responses, long invited, long started, long anonymous, double? score, double? low = null, double? high = null)
    {
        (rate.GetProperty("responses").GetInt64(), rate.GetProperty("invited").GetInt64(), rate.GetProperty("started").GetInt64(), rate.GetProperty("anonymous").GetInt64())
            .ShouldBe((responses, invited, started, anonymous), rate.GetRawText());
        if (score is null)
        {
            rate.GetProperty("score").ValueKind.ShouldBe(JsonValueKind.Null);
            return;
        }

        rate.GetProperty("score").GetDouble().ShouldBe(score.Value, 1e-9);
        if (low is not null)
        {
            rate.GetProperty("ci95")[0].GetDouble().ShouldBe(low.Value, 1e-6);
            rate.GetProperty("ci95")[1].GetDouble().ShouldBe(high!.Value, 1e-6);
        }
    }

    [Fact]
    public async Task Survey_results_give_the_response_rate_over_invited_customer_touchpoint_pairs()
    {
        var s = await SeedAsync();

        using var doc = JsonDocument.Parse(await s.Manager.GetStringAsync(Url($"/api/surveys/{s.Survey}/results")));

        // Wilson interval for 3 of 7 (z = 1.96): 15.822% to 74.954%.
        ShouldBeRate(doc.RootElement.GetProperty("responseRate"), responses: 3, invited: 7, started: 1, anonymous: 2, score: 300.0 / 7, low: 15.821985525, high: 74.954163547);
        doc.RootElement.GetProperty("responseRate").GetProperty("warning").GetString().ShouldBe("Only 7 invited: fewer than 30, so the rate is uncertain.");
    }

    [Fact]
    public async Task Metrics_give_rates_overall_per_survey_and_by_month_of_invitation_and_follow_the_filters()
    {
        var s = await SeedAsync();
        var createdAt = await app.QueryAsync(s.Ws, db => db.Set<SurveyLink>().Where(l => l.Id != s.BackdatedLink).Select(l => l.CreatedAt).Distinct().ToListAsync());
        var thisMonth = createdAt.Select(d => d.ToString("yyyy-MM", CultureInfo.InvariantCulture)).Distinct().ShouldHaveSingleItem();

        using var all = JsonDocument.Parse(await s.Manager.GetStringAsync(Url("/api/feedback/metrics")));
        var rates = all.RootElement.GetProperty("responseRates");
        // 4 of 8, Wilson 21.522% to 78.478%.
        ShouldBeRate(rates.GetProperty("overall"), 4, 8, 1, 2, 50, 21.521606221, 78.478393779);
        var surveys = rates.GetProperty("surveys").EnumerateArray().ToList();
        surveys.Select(x => x.GetProperty("name").GetString()).ShouldBe(["Delivery survey", "Other survey"]);
        ShouldBeRate(surveys[0].GetProperty("rate"), 3, 7, 1, 2, 300.0 / 7);
        ShouldBeRate(surveys[1].GetProperty("rate"), 1, 1, 0, 0, 100);
        var months = rates.GetProperty("months").EnumerateArray().ToList();
        months.Select(x => x.GetProperty("period").GetString()).ShouldBe(["2026-01", thisMonth]);
        ShouldBeRate(months[0].GetProperty("rate"), 0, 1, 0, 0, 0);
        ShouldBeRate(months[1].GetProperty("rate"), 4, 7, 1, 0, 400.0 / 7);
        var weeks = rates.GetProperty("weeks").EnumerateArray().ToList();
        (weeks[0].GetProperty("period").GetString(), weeks[0].GetProperty("start").GetString()).ShouldBe(("2026-W03", "2026-01-12"));
        weeks.Sum(w => w.GetProperty("rate").GetProperty("invited").GetInt64()).ShouldBe(8);

        using var support = JsonDocument.Parse(await s.Manager.GetStringAsync(Url($"/api/feedback/metrics?survey={s.Survey}&touchpoint=support_resolved")));
        ShouldBeRate(support.RootElement.GetProperty("responseRates").GetProperty("overall"), 1, 1, 0, 0, 100);

        using var january = JsonDocument.Parse(await s.Manager.GetStringAsync(Url("/api/feedback/metrics?from=2026-01-01&to=2026-01-31")));
        ShouldBeRate(january.RootElement.GetProperty("responseRates").GetProperty("overall"), 0, 1, 0, 0, 0);

        using var reviews = JsonDocument.Parse(await s.Manager.GetStringAsync(Url("/api/feedback/metrics?kind=review")));
        ShouldBeRate(reviews.RootElement.GetProperty("responseRates").GetProperty("overall"), 0, 0, 0, 0, null);

        var other = await app.CreateWorkspaceAsync();
        using var stranger = app.ApiClient((await app.CreateApiKeyAsync(other, Roles.Viewer)).Key);
        using var theirs = JsonDocument.Parse(await stranger.GetStringAsync(Url("/api/feedback/metrics")));
        ShouldBeRate(theirs.RootElement.GetProperty("responseRates").GetProperty("overall"), 0, 0, 0, 0, null);
        theirs.RootElement.GetProperty("responseRates").GetProperty("surveys").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task The_results_page_and_the_voc_page_show_the_rate_and_say_what_it_leaves_out()
    {
        var s = await SeedAsync();
        var user = await app.CreateUserAsync(s.Ws, Roles.Viewer);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();

        using var results = await browser.GetAsync($"/surveys/{s.Survey}/results");
        var html = await results.Content.ReadAsStringAsync();
        results.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        html.ShouldContain("<h2 id=\"response-rate-title\">Response rate</h2>");
        html.ShouldContain("<span class=\"kpi-value\">42.9%</span>");
        html.ShouldContain("95% interval 15.8 to 75; 3 of 7 invited answered; 1 started but did not finish");
        html.ShouldContain("2 complete responses came through the public page, the widget or the API without a personal link");

        using var voc = await browser.GetAsync("/voc");
        var vocHtml = await voc.Content.ReadAsStringAsync();
        voc.StatusCode.ShouldBe(HttpStatusCode.OK, vocHtml);
        vocHtml.ShouldContain("<span class=\"kpi-value\">50%</span>");
        vocHtml.ShouldContain("<caption>Response rate by survey</caption>");
        vocHtml.ShouldContain($"<th scope=\"row\"><a href=\"/surveys/{s.Other}/results\">Other survey</a></th>");
        vocHtml.ShouldContain("<caption>Response rate by month of invitation</caption>");
        vocHtml.ShouldContain("<th scope=\"row\">2026-01</th>");

        using var none = await browser.GetAsync("/voc?from=2020-01-01&to=2020-01-31");
        (await none.Content.ReadAsStringAsync()).ShouldContain("No personal links were sent for these filters, so there is no response rate yet.");
    }

    [Fact]
    public async Task A_survey_that_takes_several_answers_counts_each_link_as_an_invitation()
    {
        var ws = await app.CreateWorkspaceAsync();
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        var definition = SurveysTests.Definition("Per ticket survey");
        definition["allowMultiple"] = true;
        using var created = await manager.PostAsJsonAsync(Url("/api/surveys"), definition);
        var draft = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        draft.AllowMultiple.ShouldBeTrue();
        using var published = await manager.PostAsync(Url($"/api/surveys/{draft.Id}/publish"), null);
        var survey = (await published.Content.ReadFromJsonAsync<SurveyView>())!;
        var customer = Guid.CreateVersion7();
        await app.QueryAsync(ws, db =>
        {
            var now = DateTime.UtcNow;
            db.Customers.Add(new Customer { WorkspaceId = ws, Id = customer, Name = "Tess Ticket", FirstSeenAt = now, LastSeenAt = now, CreatedAt = now, UpdatedAt = now });
            return db.SaveChangesAsync();
        });
        using var anonymous = app.ApiClient();
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var r = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId = customer, touchpoint = "support_resolved" });
            keys.Add((await r.Content.ReadFromJsonAsync<CreatedSurveyLink>())!.Path.Split("?k=")[1]);
        }

        // Three tickets, three asks: the first answered, the second started, the third not opened: 1 of 3.
        using (var r = await anonymous.PostAsJsonAsync(Url($"{survey.PublicPath}/responses"), new { link = keys[0], answers = new { nps = 9, csat = 4 }, complete = true }))
        {
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }

        using (var r = await anonymous.PostAsJsonAsync(Url($"{survey.PublicPath}/responses"), new { link = keys[1], answers = new { nps = 9 } }))
        {
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }

        using var doc = JsonDocument.Parse(await manager.GetStringAsync(Url($"/api/surveys/{survey.Id}/results")));
        ShouldBeRate(doc.RootElement.GetProperty("responseRate"), responses: 1, invited: 3, started: 1, anonymous: 0, score: 100.0 / 3);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_response_rate_fields()
    {
        using var client = app.ApiClient();
        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url("/openapi/v1.json")));
        var schemas = doc.RootElement.GetProperty("components").GetProperty("schemas");

        schemas.GetProperty("SurveyResults").GetProperty("properties").TryGetProperty("responseRate", out _).ShouldBeTrue();
        schemas.GetProperty("FeedbackMetricsResult").GetProperty("properties").TryGetProperty("responseRates", out _).ShouldBeTrue();
        schemas.GetProperty("ResponseRateView").GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .ShouldBe(["score", "ci95", "responses", "invited", "started", "anonymous", "warning"], ignoreOrder: true);
    }
}

public sealed class ResponseRateTests_on_sqlite(SqliteAppFixture app) : ResponseRateTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ResponseRateTests_on_postgres(PostgresAppFixture app) : ResponseRateTests(app), IClassFixture<PostgresAppFixture>;
