using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Feedback;
using Obsess.Features.Intelligence;
using Obsess.Features.Surveys;
using Obsess.Features.Texts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>
/// Survey results, metrics, comparisons and the export, over feedback rows seeded straight into the database; every
/// expected figure is worked out by hand in the comments.
/// </summary>
public abstract class FeedbackApiTests(ObsessAppFixture app)
{
    // Ten responses to one survey: five on 10 Jan 2026 by web, five on 10 Feb 2026 by e-mail.
    private static readonly double[] NpsAnswers = [10, 10, 9, 9, 9, 8, 7, 6, 3, 0];   // P 5, passives 2, D 3: NPS 20 (Jan 100, Feb −60)
    private static readonly double[] CsatAnswers = [5, 4, 4, 3, 2, 5, 4, 1, 5, 5];    // 7 of 10 are 4–5: 70 (Jan 60, Feb 80)
    private static readonly double[] CesAnswers = [7, 6, 5, 5, 4, 3, 2, 1, 6, 7];     // mean 4.6; 6 of 10 are ≥ 5
    private static readonly string[] ChoiceAnswers = ["[\"a\",\"b\"]", "[\"a\"]", "[\"b\",\"c\"]", "[\"a\"]", "[\"c\"]"]; // a 3, b 2, c 2
    private static readonly string[] Comments = ["Great service, \"really\" fast", "=HYPERLINK(\"http://evil.example\")", "Slow delivery\nand a <b>rude</b> driver"];

    private sealed record Seeded(Guid Ws, Guid Survey, Guid Customer, string Email);

    private async Task<Seeded> SeedSurveyAsync(Guid? workspace = null)
    {
        var ws = workspace ?? await app.CreateWorkspaceAsync();
        var survey = Guid.CreateVersion7();
        var customerId = Guid.CreateVersion7();
        var email = $"fan.{customerId:N}@example.com";
        await app.QueryAsync(ws, async db =>
        {
            var now = DateTime.UtcNow;
            db.Customers.Add(new Customer { WorkspaceId = ws, Id = customerId, Name = "Fay Fan", Email = email, FirstSeenAt = now, LastSeenAt = now, CreatedAt = now, UpdatedAt = now });
            db.Scores.Add(new CustomerScore { WorkspaceId = ws, CustomerId = customerId, ComputedAt = now, RfmSegment = "Champions" });
            for (var i = 0; i < 10; i++)
            {
                var response = Guid.CreateVersion7();
                var at = i < 5 ? new DateTime(2026, 1, 10, 9, i, 0, DateTimeKind.Utc) : new DateTime(2026, 2, 10, 9, i, 0, DateTimeKind.Utc);
                var channel = i < 5 ? "web" : "email";
                Guid? customer = i == 0 ? customerId : null;
                FeedbackRecord Answer(string question, string metric, double? score, string? choices = null, Guid? text = null) => new()
                {
                    WorkspaceId = ws,
                    Id = Guid.CreateVersion7(),
                    Kind = FeedbackKinds.Survey,
                    Source = "survey",
                    ExternalId = $"{response}:{question}",
                    SurveyId = survey,
                    ResponseId = response,
                    QuestionId = question,
                    Metric = metric,
                    Score = score,
                    Choices = choices,
                    TextId = text,
                    Channel = channel,
                    Touchpoint = "checkout",
                    CustomerId = customer,
                    OccurredAt = at,
                    CreatedAt = now,
                };
                db.Feedback.Add(Answer("q1", FeedbackMetrics.Nps, NpsAnswers[i]));
                db.Feedback.Add(Answer("q2", FeedbackMetrics.Csat, CsatAnswers[i]));
                db.Feedback.Add(Answer("q3", FeedbackMetrics.Ces, CesAnswers[i]));
                if (i < 5)
                {
                    db.Feedback.Add(Answer("q4", FeedbackMetrics.Choice, null, ChoiceAnswers[i]));
                }

                if (i < 3)
                {
                    var textId = Guid.CreateVersion7();
                    db.Texts.Add(new CustomerText
                    {
                        WorkspaceId = ws,
                        Id = textId,
                        Kind = TextKinds.SurveyComment,
                        Source = "survey",
                        ExternalId = $"{response}:q5",
                        Body = Comments[i],
                        CustomerId = customer,
                        OccurredAt = at,
                        CreatedAt = now,
                        AnalysisVersion = i < 2 ? "test" : null,
                        SentimentLabel = i switch { 0 => "positive", 1 => "negative", _ => null },
                        TopEmotion = i switch { 0 => "joy", 1 => "anger", _ => null },
                    });
                    db.Feedback.Add(Answer("q5", FeedbackMetrics.Text, null, text: textId));
                }
            }

            return await db.SaveChangesAsync();
        });
        return new Seeded(ws, survey, customerId, email);
    }

    private async Task<HttpClient> ClientAsync(Guid ws, string role = Roles.Viewer) => app.ApiClient((await app.CreateApiKeyAsync(ws, role)).Key);

    [Fact]
    public async Task Survey_results_give_exact_scores_intervals_distributions_and_choices()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url($"/api/surveys/{s.Survey}/results")));
        var r = doc.RootElement;

        r.GetProperty("responses").GetInt64().ShouldBe(10);
        r.GetProperty("records").GetInt64().ShouldBe(38);
        var nps = r.GetProperty("nps");
        nps.GetProperty("score").GetDouble().ShouldBe(20, 1e-9);
        (nps.GetProperty("promoters").GetInt64(), nps.GetProperty("passives").GetInt64(), nps.GetProperty("detractors").GetInt64(), nps.GetProperty("responses").GetInt64())
            .ShouldBe((5L, 2L, 3L, 10L));
        // Var = 100² (0.5 + 0.3 − 0.2²)/10 = 760; half-width 1.96 · √760 = 54.032.
        nps.GetProperty("ci95")[0].GetDouble().ShouldBe(-34.032, 1e-3);
        nps.GetProperty("ci95")[1].GetDouble().ShouldBe(74.032, 1e-3);
        nps.GetProperty("warning").GetString()!.ShouldContain("10 answers");
        r.GetProperty("csat").GetProperty("score").GetDouble().ShouldBe(70, 1e-9);
        r.GetProperty("csat").GetProperty("satisfied").GetInt64().ShouldBe(7);
        r.GetProperty("ces").GetProperty("score").GetDouble().ShouldBe(4.6, 1e-9);
        r.GetProperty("ces").GetProperty("shareAtLeast5").GetDouble().ShouldBe(60, 1e-9);

        var questions = r.GetProperty("questions").EnumerateArray().ToDictionary(q => q.GetProperty("questionId").GetString()!);
        questions.Keys.ShouldBe(["q1", "q2", "q3", "q4", "q5"], ignoreOrder: true);
        questions["q1"].GetProperty("distribution").EnumerateArray().Select(b => (b.GetProperty("score").GetDouble(), b.GetProperty("count").GetInt64()))
            .ShouldBe([(0, 1), (3, 1), (6, 1), (7, 1), (8, 1), (9, 3), (10, 2)]);
        questions["q1"].GetProperty("score").GetProperty("score").GetDouble().ShouldBe(20, 1e-9);
        questions["q4"].GetProperty("choices").EnumerateArray().Select(c => (c.GetProperty("choice").GetString(), c.GetProperty("count").GetInt64()))
            .ShouldBe([("a", 3L), ("b", 2L), ("c", 2L)]);
        questions["q5"].GetProperty("answers").GetInt64().ShouldBe(3);

        var verbatims = r.GetProperty("verbatims").EnumerateArray().ToList();
        verbatims.Select(v => v.GetProperty("text").GetString()).ShouldBe([Comments[2], Comments[1], Comments[0]]);
        verbatims[2].GetProperty("customerEmail").GetString().ShouldBe(s.Email);
        verbatims[2].GetProperty("sentimentLabel").GetString().ShouldBe("positive");
    }

    [Fact]
    public async Task Survey_results_name_the_survey_and_count_complete_and_partial_responses()
    {
        var s = await SeedSurveyAsync();
        var empty = Guid.CreateVersion7();
        await app.QueryAsync(s.Ws, async db =>
        {
            var now = DateTime.UtcNow;
            Survey Make(Guid id, string name) => new()
            {
                WorkspaceId = s.Ws,
                Id = id,
                Name = name,
                Status = SurveyStatuses.Live,
                Token = $"t{Guid.NewGuid():N}",
                Definition = "{}",
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Set<Survey>().AddRange(Make(s.Survey, "Checkout NPS"), Make(empty, "Nobody answered"));
            foreach (var status in new[] { ResponseStatuses.Complete, ResponseStatuses.Complete, ResponseStatuses.Partial })
            {
                db.Set<SurveyResponse>().Add(new SurveyResponse
                {
                    WorkspaceId = s.Ws,
                    Id = Guid.CreateVersion7(),
                    SurveyId = s.Survey,
                    Language = "en",
                    Status = status,
                    ResumeHash = Guid.NewGuid().ToString("N"),
                    Answers = "{}",
                });
            }

            return await db.SaveChangesAsync();
        });
        using var client = await ClientAsync(s.Ws);

        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url($"/api/surveys/{s.Survey}/results")));
        using var none = JsonDocument.Parse(await client.GetStringAsync(Url($"/api/surveys/{empty}/results")));

        doc.RootElement.GetProperty("name").GetString().ShouldBe("Checkout NPS");
        (doc.RootElement.GetProperty("complete").GetInt64(), doc.RootElement.GetProperty("partial").GetInt64()).ShouldBe((2L, 1L));
        none.RootElement.GetProperty("records").GetInt64().ShouldBe(0);
        none.RootElement.GetProperty("nps").GetProperty("score").ValueKind.ShouldBe(JsonValueKind.Null);
        var user = await app.CreateUserAsync(s.Ws, Roles.Viewer);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();
        var voc = await (await browser.GetAsync("/voc")).Content.ReadAsStringAsync();
        voc.ShouldContain($"<option value=\"{s.Survey}\">Checkout NPS</option>");
        var page = await (await browser.GetAsync($"/surveys/{empty}/results")).Content.ReadAsStringAsync();
        page.ShouldContain("<h1>Results: Nobody answered</h1>");
        page.ShouldContain("No answers to this survey yet.");
    }

    [Fact]
    public async Task Unknown_survey_is_a_404_problem()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var response = await client.GetAsync(Url($"/api/surveys/{Guid.CreateVersion7()}/results"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_filter_by_channel_segment_and_kind_and_trend_by_month_and_week()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);
        async Task<JsonElement> MetricsAsync(string query)
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync(Url($"/api/feedback/metrics?survey={s.Survey}&{query}")));
            return doc.RootElement.Clone();
        }

        var all = await MetricsAsync("by=channel");
        all.GetProperty("counts").GetProperty("responses").GetInt64().ShouldBe(10);
        var months = all.GetProperty("trend").GetProperty("months").EnumerateArray().ToList();
        months.Select(m => m.GetProperty("period").GetString()).ShouldBe(["2026-01", "2026-02"]);
        months.Select(m => m.GetProperty("scores").GetProperty("nps").GetProperty("score").GetDouble()).ShouldBe([100, -60]);
        months.Select(m => m.GetProperty("scores").GetProperty("csat").GetProperty("score").GetDouble()).ShouldBe([60, 80]);
        // 10 Jan 2026 is a Saturday in ISO week 2; 10 Feb 2026 a Tuesday in week 7.
        all.GetProperty("trend").GetProperty("weeks").EnumerateArray().Select(w => w.GetProperty("period").GetString()).ShouldBe(["2026-W02", "2026-W07"]);
        var breakdown = all.GetProperty("breakdown");
        breakdown.GetProperty("dimension").GetString().ShouldBe("channel");
        breakdown.GetProperty("rows").EnumerateArray().ToDictionary(b => b.GetProperty("key").GetString()!, b => b.GetProperty("scores").GetProperty("nps").GetProperty("score").GetDouble())
            .ShouldBe(new Dictionary<string, double> { ["web"] = 100, ["email"] = -60 }, ignoreOrder: true);

        var web = await MetricsAsync("channel=web");
        web.GetProperty("scores").GetProperty("nps").GetProperty("responses").GetInt64().ShouldBe(5);
        web.GetProperty("scores").GetProperty("nps").GetProperty("score").GetDouble().ShouldBe(100);

        var february = await MetricsAsync("from=2026-02-01&to=2026-02-10");
        february.GetProperty("scores").GetProperty("nps").GetProperty("score").GetDouble().ShouldBe(-60);

        var champions = await MetricsAsync("segment=Champions&by=segment");
        champions.GetProperty("scores").GetProperty("nps").GetProperty("responses").GetInt64().ShouldBe(1);
        champions.GetProperty("breakdown").GetProperty("rows").EnumerateArray().Select(b => b.GetProperty("key").GetString()).ShouldBe(["Champions"]);

        var bySegment = await MetricsAsync("by=segment");
        bySegment.GetProperty("breakdown").GetProperty("rows").EnumerateArray()
            .ToDictionary(b => b.GetProperty("key").GetString()!, b => b.GetProperty("scores").GetProperty("nps").GetProperty("responses").GetInt64())
            .ShouldBe(new Dictionary<string, long> { ["(none)"] = 9, ["Champions"] = 1 }, ignoreOrder: true);

        var reviews = await MetricsAsync("kind=review");
        reviews.GetProperty("counts").GetProperty("responses").GetInt64().ShouldBe(0);
        reviews.GetProperty("scores").GetProperty("nps").GetProperty("score").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Bad_filters_are_a_validation_problem_naming_each_field()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var response = await client.GetAsync(Url("/api/feedback/metrics?survey=nope&from=2026-13-01&kind=letter&segment=Nobody&by=colour"));

        using var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["by", "from", "kind", "segment", "survey"]);

        using var backwards = await client.GetAsync(Url("/api/feedback/compare?firstFrom=2026-02-01&firstTo=2026-01-01&secondFrom=2026-03-01"));
        using var problem2 = await ProblemAssert.IsProblemAsync(backwards, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem2).ShouldBe(["firstTo", "secondTo"]);
    }

    [Fact]
    public async Task Compare_two_periods_gives_the_tests_and_plain_sentences()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url(
            $"/api/feedback/compare?survey={s.Survey}&firstFrom=2026-01-01&firstTo=2026-01-31&secondFrom=2026-02-01&secondTo=2026-02-28")));
        var r = doc.RootElement;

        // NPS 100 (variance 0) → −60 (p 0, d 0.6: variance 100² (0.6 − 0.36)/5 = 480): z = −160/√480 = −7.30.
        r.GetProperty("nps").GetProperty("difference").GetDouble().ShouldBe(-160, 1e-9);
        r.GetProperty("nps").GetProperty("sentence").GetString().ShouldBe("NPS fell 160 points, from 100 to -60; this is a significant change (p < 0.001).");
        // CSAT 3/5 → 4/5: pooled 0.7, z = 0.2/√(0.21 · 0.4) = 0.690, p = 0.490.
        r.GetProperty("csat").GetProperty("pValue").GetDouble().ShouldBe(0.49015, 1e-5);
        r.GetProperty("csat").GetProperty("sentence").GetString().ShouldBe("CSAT rose 20 points, from 60 to 80; this is not a significant change (p = 0.49).");
        r.GetProperty("ces").GetProperty("test").GetString().ShouldBe("Welch's t-test");
        r.GetProperty("first").GetProperty("label").GetString().ShouldBe("2026-01-01 to 2026-01-31");
    }

    [Fact]
    public async Task Compare_two_segments_names_them_in_the_sentence()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url(
            $"/api/feedback/compare?survey={s.Survey}&firstSegment={Uri.EscapeDataString("At risk")}&secondSegment=Champions")));

        // Nobody in the survey is "At risk"; the one Champion answered 10.
        doc.RootElement.GetProperty("second").GetProperty("scores").GetProperty("nps").GetProperty("score").GetDouble().ShouldBe(100);
        doc.RootElement.GetProperty("nps").GetProperty("sentence").GetString().ShouldBe("Cannot compare NPS: At risk has no answers.");
        doc.RootElement.GetProperty("nps").GetProperty("pValue").ValueKind.ShouldBe(JsonValueKind.Null);

        using var mixed = await client.GetAsync(Url("/api/feedback/compare?firstSegment=Champions&secondSegment=Nobody&segment=Lost"));
        using var problem = await ProblemAssert.IsProblemAsync(mixed, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["secondSegment", "segment"]);
    }

    [Fact]
    public async Task Export_has_every_record_with_comments_escaped_and_formulas_defused()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var response = await client.GetAsync(Url($"/api/feedback/export.csv?survey={s.Survey}"));
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        text.ShouldContain("\"'=HYPERLINK(\"\"http://evil.example\"\")\"");
        text.ShouldContain("\"Great service, \"\"really\"\" fast\"");
        using var parser = new CsvParser(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture));
        parser.Read().ShouldBeTrue();
        var header = parser.Record!;
        header.ShouldBe(FeedbackCsv.Header);
        var rows = new List<string[]>();
        while (parser.Read())
        {
            rows.Add(parser.Record!);
        }

        rows.Count.ShouldBe(38);
        string Col(string[] row, string name) => row[Array.IndexOf(header, name)];
        var slow = rows.Single(r => Col(r, "comment").StartsWith("Slow", StringComparison.Ordinal));
        Col(slow, "comment").ShouldBe(Comments[2]);
        var fan = rows.Where(r => Col(r, "customer_email") == s.Email).ToList();
        fan.Count.ShouldBe(5); // response 0: NPS, CSAT, CES, a choice and a comment
        Col(fan.Single(r => Col(r, "metric") == "text"), "sentiment_label").ShouldBe("positive");
        Col(fan.Single(r => Col(r, "metric") == "nps"), "score").ShouldBe("10");
    }

    [Fact]
    public async Task Another_workspace_sees_none_of_it()
    {
        var s = await SeedSurveyAsync();
        var other = await app.CreateWorkspaceAsync();
        using var client = await ClientAsync(other);

        using var results = await client.GetAsync(Url($"/api/surveys/{s.Survey}/results"));
        await ProblemAssert.IsProblemAsync(results, HttpStatusCode.NotFound);
        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url($"/api/feedback/metrics?survey={s.Survey}")));
        doc.RootElement.GetProperty("counts").GetProperty("records").GetInt64().ShouldBe(0);
        var csv = await client.GetStringAsync(Url("/api/feedback/export.csv"));
        csv.TrimEnd().Split('\n').Length.ShouldBe(1);
        using var comments = JsonDocument.Parse(await client.GetStringAsync(Url("/api/feedback/comments")));
        comments.RootElement.GetProperty("verbatims").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Comments_count_sentiment_and_emotions_of_analysed_comments()
    {
        var s = await SeedSurveyAsync();
        using var client = await ClientAsync(s.Ws);

        using var doc = JsonDocument.Parse(await client.GetStringAsync(Url($"/api/feedback/comments?survey={s.Survey}&take=2")));
        var insights = doc.RootElement.GetProperty("insights");

        (insights.GetProperty("comments").GetInt64(), insights.GetProperty("analysed").GetInt64()).ShouldBe((3L, 2L));
        insights.GetProperty("emotions").EnumerateArray().Select(e => (e.GetProperty("label").GetString(), e.GetProperty("count").GetInt64()))
            .ShouldBe([("anger", 1L), ("joy", 1L)]);
        doc.RootElement.GetProperty("verbatims").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Voc_page_shows_scores_escaped_comments_and_the_comparison_sentence()
    {
        var s = await SeedSurveyAsync();
        var user = await app.CreateUserAsync(s.Ws, Roles.Viewer);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();

        using var page = await browser.GetAsync($"/voc?survey={s.Survey}&by=segment&aFrom=2026-01-01&aTo=2026-01-31&bFrom=2026-02-01&bTo=2026-02-28");
        var html = await page.Content.ReadAsStringAsync();

        page.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        html.ShouldContain("<h1>Voice of the customer</h1>");
        html.ShouldContain("href=\"/voc\"");
        html.ShouldContain("<span class=\"kpi-value\">20</span>");
        html.ShouldContain("<span class=\"kpi-value\">70</span>");
        html.ShouldContain("<span class=\"kpi-value\">4.6</span>");
        html.ShouldContain("&lt;b&gt;rude&lt;/b&gt;");
        html.ShouldNotContain("<b>rude</b>");
        html.ShouldContain($"href=\"/customers/{s.Customer}\"");
        html.ShouldContain("NPS fell 160 points, from 100 to -60; this is a significant change (p &lt; 0.001).");
        html.ShouldContain($"/api/feedback/export.csv?survey={s.Survey}");
        html.ShouldContain("<th scope=\"row\">Champions</th>");

        using var bad = await browser.GetAsync("/voc?from=someday");
        var badHtml = await bad.Content.ReadAsStringAsync();
        badHtml.ShouldContain("role=\"alert\"");
        badHtml.ShouldContain("<strong>from</strong>");

        using var results = await browser.GetAsync($"/surveys/{s.Survey}/results");
        var resultsHtml = await results.Content.ReadAsStringAsync();
        results.StatusCode.ShouldBe(HttpStatusCode.OK, resultsHtml);
        resultsHtml.ShouldContain("Question q1");
        resultsHtml.ShouldContain("NPS 20 (95% interval &#x2212;34 to 74)."); // the minus sign, U+2212, encoded
        resultsHtml.ShouldContain("<th scope=\"row\">a</th>");
    }

    // ---- Reviews ----

    private static object Review(string id, object rating, string? text = "Nice", string? email = null, string? phone = null, string? customerId = null,
        string? customerSource = null, double? scaleMax = null, string date = "2026-03-01") =>
        new { source = "shopreviews", externalId = id, rating, text, date, email, phone, customerId, customerSource, scaleMax, product = "Kettle" };

    [Fact]
    public async Task Reviews_import_all_or_nothing_naming_each_bad_item()
    {
        var ws = await app.CreateWorkspaceAsync();
        using var client = await ClientAsync(ws, Roles.Manager);

        using var response = await client.PostAsJsonAsync(Url("/api/reviews"), new[]
        {
            Review("r1", 5),
            Review("r2", "lots"),
            Review("r3", 9),
            Review("r4", 3, email: "not-an-email"),
        });

        using var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["[1].rating", "[2].rating", "[3].email"]);
        (await app.QueryAsync(ws, db => db.Feedback.CountAsync())).ShouldBe(0);
        (await app.QueryAsync(ws, db => db.Texts.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task Reviews_match_existing_customers_by_any_identity_and_reimporting_changes_nothing()
    {
        var ws = await app.CreateWorkspaceAsync();
        var (ann, bob) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        await app.QueryAsync(ws, async db =>
        {
            var now = DateTime.UtcNow;
            db.Customers.Add(new Customer { WorkspaceId = ws, Id = ann, Name = "Ann", Email = "ann@example.com", FirstSeenAt = now, LastSeenAt = now, CreatedAt = now, UpdatedAt = now });
            db.Customers.Add(new Customer { WorkspaceId = ws, Id = bob, Name = "Bob", FirstSeenAt = now, LastSeenAt = now, CreatedAt = now, UpdatedAt = now });
            db.Identities.Add(new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = ann, Kind = IdentityKinds.Email, Source = "", Value = "ann@example.com", FirstSeenAt = now });
            db.Identities.Add(new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = bob, Kind = IdentityKinds.External, Source = "crm", Value = "B-7", FirstSeenAt = now });
            return await db.SaveChangesAsync();
        });
        var customersBefore = await app.QueryAsync(ws, db => db.Customers.CountAsync());
        using var client = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Ingest)).Key);
        object[] reviews =
        [
            Review("r1", 5, text: "Lovely kettle", email: "  ANN@Example.com "),
            Review("r2", 2, text: "Broke in a week", customerId: "B-7", customerSource: "crm"),
            Review("r3", 8, text: null, phone: "+44 20 7946 0000", scaleMax: 10),
        ];

        var first = await (await client.PostAsJsonAsync(Url("/api/reviews"), reviews)).Content.ReadFromJsonAsync<ReviewsImported>();
        var again = await (await client.PostAsJsonAsync(Url("/api/reviews"), reviews)).Content.ReadFromJsonAsync<ReviewsImported>();

        first.ShouldBe(new ReviewsImported(3, 3, 0, 2));
        again.ShouldBe(new ReviewsImported(3, 0, 3, 0));
        var stored = await app.QueryAsync(ws, db => db.Feedback.OrderBy(f => f.ExternalId).ToListAsync());
        stored.Select(f => (f.ExternalId, f.CustomerId, f.Kind, f.Metric, f.Score, f.ScaleMax)).ShouldBe(
        [
            ("r1", (Guid?)ann, FeedbackKinds.Review, FeedbackMetrics.Rating, (double?)5, (double?)5),
            ("r2", bob, FeedbackKinds.Review, FeedbackMetrics.Rating, 2, 5),
            ("r3", null, FeedbackKinds.Review, FeedbackMetrics.Rating, 8, 10),
        ]);
        var texts = await app.QueryAsync(ws, db => db.Texts.OrderBy(t => t.ExternalId).ToListAsync());
        texts.Select(t => (t.Body, t.Kind, t.CustomerId)).ShouldBe([("Lovely kettle", TextKinds.Review, (Guid?)ann), ("Broke in a week", TextKinds.Review, bob)]);
        stored[0].TextId.ShouldBe(texts[0].Id);
        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(customersBefore);

        // Stars out of 5: 5, 2 and 8/10 = 4: mean 11/3; 2 of 3 are 4 or more.
        using var viewer = await ClientAsync(ws);
        using var metrics = JsonDocument.Parse(await viewer.GetStringAsync(Url("/api/feedback/metrics?kind=review&by=product")));
        var rating = metrics.RootElement.GetProperty("scores").GetProperty("rating");
        rating.GetProperty("score").GetDouble().ShouldBe(11.0 / 3, 1e-9);
        rating.GetProperty("shareAtLeast4").GetDouble().ShouldBe(200.0 / 3, 1e-9);
        metrics.RootElement.GetProperty("counts").GetProperty("reviews").GetInt64().ShouldBe(3);
        metrics.RootElement.GetProperty("breakdown").GetProperty("rows")[0].GetProperty("key").GetString().ShouldBe("Kettle");
    }

    [Fact]
    public async Task Viewers_read_feedback_but_only_managers_and_ingest_keys_send_reviews()
    {
        var ws = await app.CreateWorkspaceAsync();
        object[] one = [Review("r1", 4)];

        using var viewer = await ClientAsync(ws, Roles.Viewer);
        using var agent = await ClientAsync(ws, Roles.Agent);
        using var ingest = await ClientAsync(ws, Roles.Ingest);
        using var anonymous = app.ApiClient();

        (await viewer.GetAsync(Url("/api/feedback/metrics"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.GetAsync(Url("/api/feedback/export.csv"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostAsJsonAsync(Url("/api/reviews"), one)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.PostAsJsonAsync(Url("/api/reviews"), one)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.PostAsJsonAsync(Url("/api/reviews"), one)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync(Url("/api/feedback/metrics"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ingest.GetAsync(Url("/api/feedback/metrics"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ingest.PostAsJsonAsync(Url("/api/reviews"), one)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.QueryAsync(ws, db => db.Feedback.CountAsync())).ShouldBe(1);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_feedback_endpoints()
    {
        using var client = app.ApiClient();
        var text = await client.GetStringAsync(Url("/openapi/v1.json"));

        foreach (var path in new[] { "/api/surveys/{id}/results", "/api/feedback/metrics", "/api/feedback/compare", "/api/feedback/export.csv", "/api/reviews" })
        {
            text.ShouldContain($"\"{path}\"");
        }
    }
}

public sealed class FeedbackApiTests_on_sqlite(SqliteAppFixture app) : FeedbackApiTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class FeedbackApiTests_on_postgres(PostgresAppFixture app) : FeedbackApiTests(app), IClassFixture<PostgresAppFixture>;
