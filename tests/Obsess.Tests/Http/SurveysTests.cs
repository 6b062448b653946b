using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Features.Accounts;
using Obsess.Features.Feedback;
using Obsess.Features.Surveys;
using Obsess.Features.Texts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Surveys end to end through HTTP: the management API, the public answer API, and the rules they enforce.</summary>
public abstract class SurveysTests(ObsessAppFixture app)
{
    /// <summary>NPS (detractors skip to the comment), a CSAT, a multiple choice and an optional comment.</summary>
    internal static JsonObject Definition(string name = "Relationship survey") => JsonNode.Parse($$"""
        {
          "name": "{{name}}",
          "languages": ["en", "de"],
          "defaultLanguage": "en",
          "defaultTouchpoint": "relationship",
          "questions": [
            { "id": "nps", "type": "nps", "required": true,
              "label": { "en": "How likely are you to recommend us?", "de": "Wie wahrscheinlich empfehlen Sie uns?" },
              "rules": [ { "operator": "lte", "score": 6, "action": "goto", "target": "comment" } ] },
            { "id": "csat", "type": "csat", "required": true,
              "label": { "en": "How satisfied are you with delivery?", "de": "Wie zufrieden sind Sie mit der Lieferung?" } },
            { "id": "liked", "type": "multiple",
              "label": { "en": "What did you like?", "de": "Was hat Ihnen gefallen?" },
              "options": [
                { "id": "price", "label": { "en": "Price", "de": "Preis" } },
                { "id": "speed", "label": { "en": "Speed", "de": "Tempo" } },
                { "id": "staff", "label": { "en": "Staff", "de": "Personal" } } ] },
            { "id": "comment", "type": "text",
              "label": { "en": "Anything else?", "de": "Sonst noch etwas?" } }
          ]
        }
        """)!.AsObject();

    private async Task<(Guid Ws, HttpClient Manager)> WorkspaceAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Manager);
        return (ws, app.ApiClient(key.Key));
    }

    private static async Task<SurveyView> CreateAsync(HttpClient client, JsonObject? definition = null, bool publish = true)
    {
        using var created = await client.PostAsJsonAsync(Url("/api/surveys"), definition ?? Definition());
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var survey = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        if (!publish)
        {
            return survey;
        }

        using var published = await client.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null);
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        return (await published.Content.ReadFromJsonAsync<SurveyView>())!;
    }

    private static Task<HttpResponseMessage> AnswerAsync(HttpClient client, SurveyView survey, object body) =>
        client.PostAsJsonAsync(Url($"{survey.PublicPath}/responses"), body);

    [Fact]
    public async Task A_published_survey_answered_partially_then_completely_becomes_one_feedback_row_per_answer()
    {
        var (ws, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        survey.Status.ShouldBe(SurveyStatuses.Live);
        using var anonymous = app.ApiClient();

        using var first = await AnswerAsync(anonymous, survey, new { answers = new { nps = 9 }, language = "de" });
        first.StatusCode.ShouldBe(HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
        var saved = (await first.Content.ReadFromJsonAsync<ResponseSaved>())!;
        saved.Status.ShouldBe(ResponseStatuses.Partial);
        saved.Path.ShouldBe(["nps", "csat", "liked", "comment"]);
        saved.Missing.ShouldBe(["csat"]);
        saved.ResumeSecret.ShouldNotBeNullOrEmpty();

        // Sending the same answer again changes nothing: one row per response and question.
        using var again = await AnswerAsync(anonymous, survey, new { responseId = saved.ResponseId, resumeSecret = saved.ResumeSecret, answers = new { nps = 10 } });
        again.StatusCode.ShouldBe(HttpStatusCode.OK, await again.Content.ReadAsStringAsync());
        using var done = await AnswerAsync(anonymous, survey, new
        {
            responseId = saved.ResponseId,
            resumeSecret = saved.ResumeSecret,
            answers = new Dictionary<string, object> { ["csat"] = 4, ["liked"] = new[] { "staff", "price" }, ["comment"] = "  Fast and friendly.  " },
            complete = true,
        });
        done.StatusCode.ShouldBe(HttpStatusCode.OK, await done.Content.ReadAsStringAsync());
        (await done.Content.ReadFromJsonAsync<ResponseSaved>())!.Status.ShouldBe(ResponseStatuses.Complete);

        var rows = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.ResponseId == saved.ResponseId).OrderBy(f => f.QuestionId).ToListAsync());
        rows.Select(r => (r.QuestionId, r.Metric, r.Score, r.ScaleMax)).ShouldBe(
        [
            ("comment", FeedbackMetrics.Text, (double?)null, (double?)null),
            ("csat", FeedbackMetrics.Csat, 4, 5),
            ("liked", FeedbackMetrics.Choice, null, null),
            ("nps", FeedbackMetrics.Nps, 10, 10),
        ]);
        rows.ShouldAllBe(r => r.SurveyId == survey.Id && r.Kind == FeedbackKinds.Survey && r.Source == "Relationship survey" && r.Touchpoint == "relationship" && r.Language == "de" && r.CustomerId == null);
        rows.Single(r => r.QuestionId == "liked").Choices.ShouldBe("[\"price\",\"staff\"]");
        var textId = rows.Single(r => r.QuestionId == "comment").TextId;
        var text = await app.QueryAsync(ws, db => db.Texts.SingleAsync(t => t.Id == textId));
        (text.Kind, text.Body, text.AnalysisVersion, text.Source, text.ExternalId).ShouldBe(
            (TextKinds.SurveyComment, "Fast and friendly.", (string?)null, "Relationship survey", $"{saved.ResponseId:N}:comment"));

        var view = await manager.GetFromJsonAsync<SurveyView>(Url($"/api/surveys/{survey.Id}"));
        view!.Responses.ShouldBe(new SurveyCounts(1, 0));
        using var closedResponse = await AnswerAsync(anonymous, survey, new { responseId = saved.ResponseId, resumeSecret = saved.ResumeSecret, answers = new { nps = 1 } });
        await ProblemAssert.IsProblemAsync(closedResponse, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_detractor_skips_the_questions_the_rule_jumps_over_and_a_changed_score_removes_their_answers()
    {
        var (ws, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using var anonymous = app.ApiClient();

        using var first = await AnswerAsync(anonymous, survey, new { answers = new { nps = 8, csat = 5 } });
        var saved = (await first.Content.ReadFromJsonAsync<ResponseSaved>())!;
        using var second = await AnswerAsync(anonymous, survey, new { responseId = saved.ResponseId, resumeSecret = saved.ResumeSecret, answers = new { nps = 3 }, complete = true });
        second.StatusCode.ShouldBe(HttpStatusCode.OK, await second.Content.ReadAsStringAsync());
        var result = (await second.Content.ReadFromJsonAsync<ResponseSaved>())!;

        result.Path.ShouldBe(["nps", "comment"]);
        var rows = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.ResponseId == saved.ResponseId).Select(f => f.QuestionId).ToListAsync());
        rows.ShouldBe(["nps"]);
    }

    [Fact]
    public async Task Completing_without_a_required_answer_names_the_question()
    {
        var (_, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using var anonymous = app.ApiClient();

        using var response = await AnswerAsync(anonymous, survey, new { answers = new { nps = 9 }, complete = true });

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["answers.csat"]);
    }

    [Fact]
    public async Task Hostile_answers_are_refused_with_the_field_named_and_nothing_is_stored()
    {
        var (ws, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using var anonymous = app.ApiClient();

        async Task<string[]> RefusedAsync(object body)
        {
            using var response = await AnswerAsync(anonymous, survey, body);
            return ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest));
        }

        (await RefusedAsync(new { answers = new { nps = 11 } })).ShouldBe(["answers.nps"]);
        (await RefusedAsync(new { answers = new { nps = "ten" } })).ShouldBe(["answers.nps"]);
        (await RefusedAsync(new { answers = new { csat = 0, liked = new[] { "price", "bribe" } } })).ShouldBe(["answers.csat", "answers.liked"]);
        (await RefusedAsync(new { answers = new { q99 = 1 } })).ShouldBe(["answers.q99"]);
        (await RefusedAsync(new { answers = new { comment = new string('x', SurveyValidation.MaxTextAnswerLength + 1) } })).ShouldBe(["answers.comment"]);
        (await RefusedAsync(new { answers = new { nps = 9 }, website = "http://spam.example" })).ShouldBe(["website"]);
        (await RefusedAsync(new { answers = new { nps = 9 }, complete = "yes" })).ShouldBe(["complete"]);
        using (var malformed = await anonymous.PostAsync(Url($"{survey.PublicPath}/responses"), new StringContent("{\"answers\":", System.Text.Encoding.UTF8, "application/json")))
        {
            await ProblemAssert.IsProblemAsync(malformed, HttpStatusCode.BadRequest);
        }

        (await app.QueryAsync(ws, db => db.Set<SurveyResponse>().CountAsync())).ShouldBe(0);
        (await app.QueryAsync(ws, db => db.Feedback.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task Script_in_a_comment_is_stored_as_written_and_shown_escaped()
    {
        var (ws, manager) = await WorkspaceAsync();
        var hostileName = Definition("<img src=x onerror=alert(1)> survey");
        var survey = await CreateAsync(manager, hostileName);
        using var anonymous = app.ApiClient();
        const string Script = "<script>alert('x')</script> & \"quotes\"";

        using var response = await AnswerAsync(anonymous, survey, new { answers = new { nps = 2, comment = Script }, complete = true });

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await app.QueryAsync(ws, db => db.Texts.Select(t => t.Body).SingleAsync());
        body.ShouldBe(Script);
        var page = await anonymous.GetStringAsync(Url(survey.PublicPath));
        page.ShouldNotContain("<img src=x");
        page.ShouldContain("&lt;img src=x onerror=alert(1)&gt; survey");
    }

    [Fact]
    public async Task A_personal_link_ties_the_answers_to_its_customer_and_touchpoint_and_works_once()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 5, seed: 3);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        var survey = await CreateAsync(manager);
        var customerId = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).FirstAsync());

        using var linkResponse = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId, touchpoint = "support_resolved", channel = "email", expiresInDays = 7 });
        linkResponse.StatusCode.ShouldBe(HttpStatusCode.Created, await linkResponse.Content.ReadAsStringAsync());
        var link = (await linkResponse.Content.ReadFromJsonAsync<CreatedSurveyLink>())!;
        var key = Uri.UnescapeDataString(new Uri(link.Url!).Query.Split("k=")[1]);
        link.Url.ShouldBe($"http://localhost{link.Path}");
        link.Path.ShouldStartWith($"{survey.PublicPath}?k=");
        link.ExpiresAt.ShouldBe(DateTime.UtcNow.AddDays(7), TimeSpan.FromMinutes(1));
        (await app.QueryAsync(ws, db => db.Set<SurveyLink>().Where(l => l.Id == link.Id).Select(l => l.SecretHash).SingleAsync())).ShouldNotContain(key);

        using var anonymous = app.ApiClient();
        using var answered = await AnswerAsync(anonymous, survey, new { link = key, answers = new { nps = 10, csat = 5 }, complete = true, touchpoint = "ignored" });
        answered.StatusCode.ShouldBe(HttpStatusCode.Created, await answered.Content.ReadAsStringAsync());
        var rows = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.SurveyId == survey.Id).ToListAsync());
        rows.Count.ShouldBe(2);
        rows.ShouldAllBe(r => r.CustomerId == customerId && r.Touchpoint == "support_resolved" && r.Channel == "email");

        using var replay = await AnswerAsync(app.ApiClient(), survey, new { link = key, answers = new { nps = 0 } });
        var problem = await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.Conflict);
        problem.RootElement.GetProperty("detail").GetString().ShouldBe("This personal link has already been used to answer the survey.");
        var page = await anonymous.GetStringAsync(Url($"{survey.PublicPath}?k={Uri.EscapeDataString(key)}"));
        page.ShouldContain("This personal link has already been used");
        page.ShouldNotContain("<form");

        // A second link for the same customer and touchpoint cannot answer again (one answer per customer and touchpoint).
        using var secondLink = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId, touchpoint = "support_resolved" });
        var second = (await secondLink.Content.ReadFromJsonAsync<CreatedSurveyLink>())!;
        var secondKey = Uri.UnescapeDataString(new Uri(second.Url!).Query.Split("k=")[1]);
        using var duplicate = await AnswerAsync(app.ApiClient(), survey, new { link = secondKey, answers = new { nps = 4 } });
        (await ProblemAssert.IsProblemAsync(duplicate, HttpStatusCode.Conflict)).RootElement.GetProperty("detail").GetString()
            .ShouldBe("This customer has already answered this survey for this touchpoint.");

        using var forged = await AnswerAsync(app.ApiClient(), survey, new { link = secondKey[..^2] + "AA", answers = new { nps = 4 } });
        await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_expired_personal_link_is_refused_on_the_page_and_in_the_api()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 3, seed: 5);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        var survey = await CreateAsync(manager);
        var customerId = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).FirstAsync());
        using var linkResponse = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId, touchpoint = "onboarding" });
        var link = (await linkResponse.Content.ReadFromJsonAsync<CreatedSurveyLink>())!;
        await app.QueryAsync(ws, db => db.Set<SurveyLink>().Where(l => l.Id == link.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));
        using var anonymous = app.ApiClient();

        var page = await anonymous.GetStringAsync(Url(link.Path));
        using var answer = await AnswerAsync(anonymous, survey, new { link = Uri.UnescapeDataString(link.Path.Split("k=")[1]), answers = new { nps = 9 } });

        page.ShouldContain("This personal link has expired.");
        page.ShouldNotContain("<form");
        await ProblemAssert.IsProblemAsync(answer, HttpStatusCode.Gone);
        (await app.QueryAsync(ws, db => db.Set<SurveyResponse>().CountAsync(r => r.SurveyId == survey.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task A_trigger_creates_a_link_in_code_and_its_agent_and_product_reach_the_feedback_rows()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 3, seed: 13);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        var survey = await CreateAsync(manager);
        var customerId = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).FirstAsync());

        var result = await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<Obsess.Data.ObsessDb>();
            var entity = await db.Set<Survey>().SingleAsync(s => s.Id == survey.Id);
            return await SurveyLinks.CreateAsync(db, entity, customerId, "support_resolved", TimeProvider.System, channel: "chat", agent: "Ann Agent", product: "Kettle");
        });
        result.Errors.ShouldBeEmpty();
        using var answered = await AnswerAsync(app.ApiClient(), survey, new { link = Uri.UnescapeDataString(result.Link!.Path.Split("k=")[1]), answers = new { nps = 7, csat = 4 }, complete = true });
        answered.StatusCode.ShouldBe(HttpStatusCode.Created, await answered.Content.ReadAsStringAsync());

        var rows = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.SurveyId == survey.Id).ToListAsync());
        rows.Count.ShouldBe(2);
        rows.ShouldAllBe(r => r.Agent == "Ann Agent" && r.Product == "Kettle" && r.Channel == "chat" && r.CustomerId == customerId);
    }

    [Fact]
    public async Task Responses_and_links_move_with_a_customer_merge_and_back_with_its_split()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 4, seed: 21);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        var survey = await CreateAsync(manager);
        var ids = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.Id).Select(c => c.Id).Take(2).ToListAsync());
        var (keep, gone) = (ids[0], ids[1]);
        using var linkResponse = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId = gone, touchpoint = "delivery" });
        var link = (await linkResponse.Content.ReadFromJsonAsync<CreatedSurveyLink>())!;
        using (await AnswerAsync(app.ApiClient(), survey, new { link = Uri.UnescapeDataString(link.Path.Split("k=")[1]), answers = new { nps = 9, csat = 5 }, complete = true }))
        {
        }

        await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<Obsess.Data.ObsessDb>();
            var survivor = await db.Customers.SingleAsync(c => c.Id == keep);
            var merged = await db.Customers.SingleAsync(c => c.Id == gone);
            await Obsess.Features.Customers.MergeService.MergeAsync(db, survivor, merged, "test: same person", [], DateTime.UtcNow, default);
            await db.SaveChangesAsync();
            return 0;
        });
        (await app.QueryAsync(ws, db => db.Set<SurveyResponse>().Where(r => r.SurveyId == survey.Id).Select(r => r.CustomerId).SingleAsync())).ShouldBe(keep);
        (await app.QueryAsync(ws, db => db.Set<SurveyLink>().Where(l => l.Id == link.Id).Select(l => l.CustomerId).SingleAsync())).ShouldBe(keep);

        var split = await app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<Obsess.Features.Customers.MergeService>().SplitAsync(gone, null, "test"));

        split.Outcome.ShouldBe(Obsess.Features.Customers.SplitOutcome.Split);
        (await app.QueryAsync(ws, db => db.Set<SurveyResponse>().Where(r => r.SurveyId == survey.Id).Select(r => r.CustomerId).SingleAsync())).ShouldBe(gone);
        (await app.QueryAsync(ws, db => db.Set<SurveyLink>().Where(l => l.Id == link.Id).Select(l => l.CustomerId).SingleAsync())).ShouldBe(gone);
        (await app.QueryAsync(ws, db => db.Feedback.Where(f => f.SurveyId == survey.Id).Select(f => f.CustomerId).Distinct().ToListAsync())).ShouldBe([gone]);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_survey_endpoints()
    {
        using var client = app.ApiClient();

        var document = await client.GetStringAsync(Url("/openapi/v1.json"));

        foreach (var path in new[] { "/api/surveys", "/api/surveys/{id}", "/api/surveys/{id}/publish", "/api/surveys/{id}/close", "/api/surveys/{id}/links", "/s/{token}/survey", "/s/{token}/responses" })
        {
            document.ShouldContain($"\"{path}\"");
        }

        document.ShouldContain("ResponseSubmission");
    }

    [Fact]
    public async Task Link_requests_are_validated_and_name_each_field()
    {
        var (_, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);

        using var response = await manager.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId = Guid.NewGuid(), touchpoint = "Not A Tag", expiresInDays = 0 });

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["customerId", "expiresInDays", "touchpoint"]);
    }

    [Fact]
    public async Task The_quota_closes_the_survey_and_later_answers_are_refused()
    {
        var (_, manager) = await WorkspaceAsync();
        var definition = Definition();
        definition["responseQuota"] = 1;
        var survey = await CreateAsync(manager, definition);
        using var anonymous = app.ApiClient();

        using var started = await AnswerAsync(anonymous, survey, new { answers = new { nps = 9 } });
        using var first = await AnswerAsync(anonymous, survey, new { answers = new { nps = 9, csat = 5 }, complete = true });
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var pending = (await started.Content.ReadFromJsonAsync<ResponseSaved>())!;

        using var late = await AnswerAsync(anonymous, survey, new { responseId = pending.ResponseId, resumeSecret = pending.ResumeSecret, answers = new { csat = 3 }, complete = true });
        await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Gone);
        (await manager.GetFromJsonAsync<SurveyView>(Url($"/api/surveys/{survey.Id}")))!.Status.ShouldBe(SurveyStatuses.Closed);
        using var definitionResponse = await anonymous.GetAsync(Url($"{survey.PublicPath}/survey"));
        await ProblemAssert.IsProblemAsync(definitionResponse, HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Concurrent_answers_fill_the_quota_exactly_and_every_accepted_answer_is_stored_whole()
    {
        var (ws, manager) = await WorkspaceAsync();
        var definition = Definition();
        definition["responseQuota"] = 7;
        var survey = await CreateAsync(manager, definition);
        var clients = Enumerable.Range(0, 30).Select(_ => app.ApiClient()).ToList();

        var answers = await Task.WhenAll(clients.Select((client, i) => AnswerAsync(client, survey, new
        {
            answers = new Dictionary<string, object> { ["nps"] = i % 11, ["csat"] = 1 + (i % 5), ["liked"] = new[] { "speed" }, ["comment"] = $"Answer number {i}" },
            complete = true,
        })));

        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(7);
        answers.Count(a => a.StatusCode == HttpStatusCode.Gone).ShouldBe(23);
        var accepted = new List<ResponseSaved>();
        foreach (var a in answers.Where(a => a.StatusCode == HttpStatusCode.Created))
        {
            accepted.Add((await a.Content.ReadFromJsonAsync<ResponseSaved>())!);
        }

        var stored = await app.QueryAsync(ws, db => db.Set<SurveyResponse>().Where(r => r.SurveyId == survey.Id).ToListAsync());
        stored.Select(r => r.Id).Order().ShouldBe(accepted.Select(a => a.ResponseId).Order());
        stored.ShouldAllBe(r => r.Status == ResponseStatuses.Complete && r.CompletedAt != null && r.Touchpoint == "relationship" && r.Channel == "web");
        foreach (var response in stored)
        {
            // One feedback row per answer on the respondent's path (detractors skip csat and liked), one text per comment.
            var onPath = SurveyService.ReadAnswers(response.Answers).Keys.Order().ToList();
            var rows = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.ResponseId == response.Id).ToListAsync());
            rows.Select(f => f.QuestionId!).Order().ShouldBe(onPath);
            var textId = rows.Single(f => f.QuestionId == "comment").TextId;
            var text = await app.QueryAsync(ws, db => db.Texts.SingleAsync(t => t.Id == textId));
            (text.Kind, text.ExternalId, text.AnalysisVersion).ShouldBe((TextKinds.SurveyComment, $"{response.Id:N}:comment", (string?)null));
        }

        (await manager.GetFromJsonAsync<SurveyView>(Url($"/api/surveys/{survey.Id}")))!.Status.ShouldBe(SurveyStatuses.Closed);
        foreach (var a in answers)
        {
            a.Dispose();
        }
    }

    [Fact]
    public async Task A_survey_closed_by_hand_refuses_the_next_answer_at_once()
    {
        var (_, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using var anonymous = app.ApiClient();
        using var before = await AnswerAsync(anonymous, survey, new { answers = new { nps = 9 } });
        before.StatusCode.ShouldBe(HttpStatusCode.Created);

        using var closed = await manager.PostAsync(Url($"/api/surveys/{survey.Id}/close"), null);
        closed.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var after = await AnswerAsync(anonymous, survey, new { answers = new { nps = 9 } });

        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Gone);
    }

    [Fact]
    public async Task A_response_that_cannot_be_stored_does_not_take_others_with_it()
    {
        var (ws, manager) = await WorkspaceAsync();
        var view = await CreateAsync(manager);
        var survey = await app.QueryAsync(ws, db => db.Set<Survey>().AsNoTracking().SingleAsync(s => s.Id == view.Id));
        var writer = app.App.Services.GetRequiredService<SurveyResponseWriter>();
        NewResponse Response(string externalId)
        {
            var response = new SurveyResponse
            {
                WorkspaceId = ws,
                Id = Guid.CreateVersion7(),
                SurveyId = survey.Id,
                Language = "en",
                Status = ResponseStatuses.Partial,
                ResumeHash = SurveyTokens.HashOf("secret"),
                Answers = "{}",
                StartedAt = DateTime.UtcNow,
                UpdatedAt = DateTime.UtcNow,
            };
            var feedback = new FeedbackRecord
            {
                WorkspaceId = ws,
                Id = Guid.CreateVersion7(),
                Kind = FeedbackKinds.Survey,
                Source = "collision",
                ExternalId = externalId,
                SurveyId = survey.Id,
                ResponseId = response.Id,
                QuestionId = "nps",
                Metric = FeedbackMetrics.Nps,
                Score = 9,
                OccurredAt = DateTime.UtcNow,
                CreatedAt = DateTime.UtcNow,
            };
            return new NewResponse(response, [feedback], []);
        }

        // The second and third carry the same feedback key (source, external id): whichever is written second breaks
        // the unique index. Handed over together they may share a transaction; the others must still be stored.
        var writes = new[] { Response("a"), Response("same"), Response("same"), Response("b") }
            .Select(r => (r, Task: writer.WriteAsync(r))).ToList();
        var results = new List<(NewResponse Response, bool Stored)>();
        foreach (var (r, task) in writes)
        {
            try
            {
                results.Add((r, await task == ResponseWrite.Stored));
            }
            catch (DbUpdateException)
            {
                results.Add((r, false));
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or Npgsql.PostgresException)
            {
                results.Add((r, false));
            }
        }

        results.Count(x => x.Stored).ShouldBe(3);
        results.Count(x => x.Stored && x.Response.Feedback[0].ExternalId == "same").ShouldBe(1);
        var storedIds = await app.QueryAsync(ws, db => db.Set<SurveyResponse>().Where(r => r.SurveyId == survey.Id).Select(r => r.Id).ToListAsync());
        storedIds.Order().ShouldBe(results.Where(x => x.Stored).Select(x => x.Response.Response.Id).Order());
    }

    [Fact]
    public async Task Drafts_and_unknown_tokens_are_not_found_publicly()
    {
        var (_, manager) = await WorkspaceAsync();
        var draft = await CreateAsync(manager, publish: false);
        using var anonymous = app.ApiClient();

        using var forDraft = await AnswerAsync(anonymous, draft, new { answers = new { nps = 9 } });
        await ProblemAssert.IsProblemAsync(forDraft, HttpStatusCode.NotFound);
        using var unknown = await anonymous.PostAsJsonAsync(Url("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/responses"), new { answers = new { nps = 9 } });
        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_public_api_is_open_to_any_origin_and_the_survey_reads_in_the_asked_language()
    {
        var (_, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using var anonymous = app.ApiClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, Url($"{survey.PublicPath}/responses"));
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");

        using var answer = await anonymous.SendAsync(preflight);
        answer.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        answer.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        answer.Headers.GetValues("Access-Control-Allow-Headers").Single().ShouldContain("Content-Type");

        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"{survey.PublicPath}/survey"));
        request.Headers.Add("Accept-Language", "de-DE,de;q=0.9,en;q=0.5");
        using var read = await anonymous.SendAsync(request);
        read.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["*"]);
        var publicSurvey = (await read.Content.ReadFromJsonAsync<PublicSurvey>())!;
        publicSurvey.Language.ShouldBe("de");
        publicSurvey.Questions[0].Label.ShouldBe("Wie wahrscheinlich empfehlen Sie uns?");
        (publicSurvey.Questions[0].Min, publicSurvey.Questions[0].Max, publicSurvey.Questions[0].HasRules).ShouldBe((0, 10, true));
        (await anonymous.GetFromJsonAsync<PublicSurvey>(Url($"{survey.PublicPath}/survey?lang=en")))!.Questions[2].Options![0].Label.ShouldBe("Price");

        // The management API is not opened to other origins.
        using var managed = await manager.GetAsync(Url("/api/surveys"));
        managed.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Fact]
    public async Task Answers_from_one_address_are_rate_limited()
    {
        var (_, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using var one = app.ApiClient();
        var limit = new SurveyThrottleOptions().PerAddressPerMinute;

        for (var i = 0; i < limit; i++)
        {
            using var ok = await AnswerAsync(one, survey, new { answers = new { nps = 11 } });
            ok.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        using var limited = await AnswerAsync(one, survey, new { answers = new { nps = 9 } });
        await ProblemAssert.IsProblemAsync(limited, (HttpStatusCode)429);
        using var other = app.ApiClient();
        using var fromElsewhere = await AnswerAsync(other, survey, new { answers = new { nps = 9 } });
        fromElsewhere.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Definitions_are_validated_on_create_and_name_each_bad_field()
    {
        var (_, manager) = await WorkspaceAsync();
        var bad = Definition("");
        bad["questions"]![2]!["options"] = new JsonArray();
        bad["questions"]![0]!["rules"]![0]!["target"] = "nowhere";
        bad["responseQuota"] = 0;

        using var response = await manager.PostAsJsonAsync(Url("/api/surveys"), bad);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["name", "questions[0].rules[0].target", "questions[2].options", "responseQuota"]);
    }

    [Fact]
    public async Task A_draft_is_replaced_whole_but_a_live_survey_only_changes_quota_and_close_date()
    {
        var (_, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager, publish: false);
        var changed = Definition("Renamed");
        changed["questions"]!.AsArray().RemoveAt(2);

        using var draftUpdate = await manager.PutAsJsonAsync(Url($"/api/surveys/{survey.Id}"), changed);
        draftUpdate.StatusCode.ShouldBe(HttpStatusCode.OK, await draftUpdate.Content.ReadAsStringAsync());
        var updated = (await draftUpdate.Content.ReadFromJsonAsync<SurveyView>())!;
        (updated.Name, updated.Definition.Questions.Count).ShouldBe(("Renamed", 3));

        (await manager.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var republish = await manager.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null);
        await ProblemAssert.IsProblemAsync(republish, HttpStatusCode.Conflict);

        using var liveQuestions = await manager.PutAsJsonAsync(Url($"/api/surveys/{survey.Id}"), Definition("Renamed"));
        (await ProblemAssert.IsProblemAsync(liveQuestions, HttpStatusCode.Conflict)).RootElement.GetProperty("detail").GetString()!.ShouldContain("questions");
        var closes = DateTime.UtcNow.AddDays(10);
        using var liveQuota = await manager.PutAsJsonAsync(Url($"/api/surveys/{survey.Id}"), new { responseQuota = 50, closesAt = closes });
        liveQuota.StatusCode.ShouldBe(HttpStatusCode.OK, await liveQuota.Content.ReadAsStringAsync());
        var live = (await liveQuota.Content.ReadFromJsonAsync<SurveyView>())!;
        (live.ResponseQuota, live.Name, live.Status).ShouldBe((50, "Renamed", SurveyStatuses.Live));
        live.ClosesAt!.Value.ShouldBe(closes, TimeSpan.FromMilliseconds(1));

        using var closed = await manager.PostAsync(Url($"/api/surveys/{survey.Id}/close"), null);
        (await closed.Content.ReadFromJsonAsync<SurveyView>())!.Status.ShouldBe(SurveyStatuses.Closed);
        using var afterClose = await manager.PutAsJsonAsync(Url($"/api/surveys/{survey.Id}"), new { responseQuota = 60 });
        await ProblemAssert.IsProblemAsync(afterClose, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_past_close_date_closes_the_survey_when_it_is_next_opened()
    {
        var (ws, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        await app.QueryAsync(ws, db => db.Set<Survey>().Where(s => s.Id == survey.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ClosesAt, DateTime.UtcNow.AddMinutes(-1))));

        using var answer = await AnswerAsync(app.ApiClient(), survey, new { answers = new { nps = 9 } });

        await ProblemAssert.IsProblemAsync(answer, HttpStatusCode.Gone);
        (await manager.GetFromJsonAsync<List<SurveyListItem>>(Url("/api/surveys")))!.Single().Status.ShouldBe(SurveyStatuses.Closed);
    }

    [Fact]
    public async Task Viewers_read_but_cannot_create_and_agents_cannot_publish_close_or_make_links()
    {
        var (ws, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager, publish: false);
        using var viewer = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key);
        using var agent = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Agent)).Key);

        (await viewer.GetFromJsonAsync<List<SurveyListItem>>(Url("/api/surveys")))!.Single().Id.ShouldBe(survey.Id);
        (await viewer.GetAsync(Url($"/api/surveys/{survey.Id}"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostAsJsonAsync(Url("/api/surveys"), Definition())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.PutAsJsonAsync(Url($"/api/surveys/{survey.Id}"), Definition())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.PostAsync(Url($"/api/surveys/{survey.Id}/close"), null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId = Guid.NewGuid(), touchpoint = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await app.ApiClient().GetAsync(Url("/api/surveys"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await manager.GetFromJsonAsync<SurveyView>(Url($"/api/surveys/{survey.Id}")))!.Status.ShouldBe(SurveyStatuses.Draft);
    }

    [Fact]
    public async Task The_demo_company_has_two_live_surveys_whose_answers_are_feedback_rows_and_reloading_keeps_two()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 150, seed: 11);
        using var viewer = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key);

        var surveys = (await viewer.GetFromJsonAsync<List<SurveyListItem>>(Url("/api/surveys")))!;

        surveys.Select(s => s.Name).ShouldBe(["Customer relationship (NPS)", "Support follow-up (CSAT)"], ignoreOrder: true);
        surveys.ShouldAllBe(s => s.Status == SurveyStatuses.Live && s.Responses.Complete > 0);
        // Survey answers only: the demo's reviews are feedback too (see DemoReviewsTests).
        var feedback = await app.QueryAsync(ws, db => db.Feedback.Where(f => f.Kind == FeedbackKinds.Survey).ToListAsync());
        feedback.Where(f => f.Metric == FeedbackMetrics.Nps).ShouldAllBe(f => f.Score >= 0 && f.Score <= 10 && f.ScaleMax == 10 && f.CustomerId != null);
        feedback.Where(f => f.Metric == FeedbackMetrics.Csat).ShouldAllBe(f => f.Score >= 1 && f.Score <= 5 && f.Touchpoint == "support_resolved" && f.Agent != null);
        feedback.Select(f => f.Metric).Distinct().ShouldBe([FeedbackMetrics.Nps, FeedbackMetrics.Choice, FeedbackMetrics.Text, FeedbackMetrics.Csat, FeedbackMetrics.Ces], ignoreOrder: true);
        var textIds = feedback.Where(f => f.TextId != null).Select(f => f.TextId!.Value).ToHashSet();
        var texts = await app.QueryAsync(ws, db => db.Texts.Where(t => t.Kind == TextKinds.SurveyComment).Select(t => t.Id).ToListAsync());
        texts.ToHashSet().SetEquals(textIds).ShouldBeTrue();
        var relationship = surveys.Single(s => s.Name == "Customer relationship (NPS)");
        (await app.QueryAsync(ws, db => db.Set<SurveyResponse>().Where(r => r.SurveyId == relationship.Id).GroupBy(r => r.CustomerId).CountAsync(g => g.Count() > 1))).ShouldBe(0);

        await app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<Obsess.Features.Demo.DemoLoader>().LoadAsync(150, 11, replace: true));

        (await viewer.GetFromJsonAsync<List<SurveyListItem>>(Url("/api/surveys")))!.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Another_workspace_gets_404_for_the_survey_and_sees_none_of_its_answers()
    {
        var (ws, manager) = await WorkspaceAsync();
        var survey = await CreateAsync(manager);
        using (await AnswerAsync(app.ApiClient(), survey, new { answers = new { nps = 9, csat = 4 }, complete = true }))
        {
        }

        var other = await app.CreateWorkspaceAsync();
        using var stranger = app.ApiClient((await app.CreateApiKeyAsync(other, Roles.Admin)).Key);

        await ProblemAssert.IsProblemAsync(await stranger.GetAsync(Url($"/api/surveys/{survey.Id}")), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await stranger.PutAsJsonAsync(Url($"/api/surveys/{survey.Id}"), Definition()), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await stranger.PostAsync(Url($"/api/surveys/{survey.Id}/close"), null), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await stranger.PostAsJsonAsync(Url($"/api/surveys/{survey.Id}/links"), new { customerId = Guid.NewGuid(), touchpoint = "x" }), HttpStatusCode.NotFound);
        (await stranger.GetFromJsonAsync<List<SurveyListItem>>(Url("/api/surveys")))!.ShouldBeEmpty();
        (await app.QueryAsync(other, db => db.Feedback.CountAsync())).ShouldBe(0);
        (await app.QueryAsync(ws, db => db.Feedback.CountAsync())).ShouldBe(2);
    }
}

public sealed class SurveysTests_on_sqlite(SqliteAppFixture app) : SurveysTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SurveysTests_on_postgres(PostgresAppFixture app) : SurveysTests(app), IClassFixture<PostgresAppFixture>;
