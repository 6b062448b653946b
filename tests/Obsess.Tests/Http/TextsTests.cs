using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Analytics.Text;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Texts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Customer texts: stored through the API, analysed in the background, themed, and read back with filters.</summary>
public abstract class TextsTests(ObsessAppFixture app)
{
    private sealed record Page(List<TextItem> Items, int Total);

    private async Task<(Guid Ws, HttpClient Agent, HttpClient Viewer)> WorkspaceAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        var agent = await app.CreateApiKeyAsync(ws, Roles.Agent);
        var viewer = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        return (ws, app.ApiClient(agent.Key), app.ApiClient(viewer.Key));
    }

    /// <summary>One pass of the background analysis, as the job runs it.</summary>
    private Task<TextAnalysisPass> AnalyseAsync(Guid ws) =>
        app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<TextAnalysisService>().RunAsync());

    private async Task<Guid> CustomerAsync(Guid ws, string email)
    {
        using var writer = await app.IngestClientAsync(ws);
        (await writer.PostAsync(Url("/v1/identify"), Json(JsonSerializer.Serialize(new { userId = email, traits = new { email, name = email.Split('@')[0] } })))).EnsureSuccessStatusCode();
        return await app.QueryAsync(ws, db => db.Customers.Where(c => c.Email == email).Select(c => c.Id).SingleAsync());
    }

    [Fact]
    public async Task Stored_texts_are_analysed_in_the_background_and_read_back_with_their_analysis()
    {
        var (ws, agent, viewer) = await WorkspaceAsync();
        var ann = await CustomerAsync(ws, "ann@example.com");
        var recently = DateTime.UtcNow.AddDays(-10);
        var stored = await agent.PostAsJsonAsync(Url("/api/texts"), new object[]
        {
            new { customerId = ann, kind = "chat", channel = "chat", source = "helpdesk", externalId = "c-1", body = "I love this shop, thank you so much for the quick help!", occurredAt = recently },
            new { email = " ANN@example.com ", kind = "email", channel = "email", source = "helpdesk", externalId = "e-1", body = "This is the third time my order is late. I want to cancel my account.", occurredAt = recently.AddHours(1) },
            new { email = "nobody@example.com", kind = "note", source = "helpdesk", body = "Je suis très content du service, merci beaucoup pour votre aide rapide.", occurredAt = recently.AddHours(2) },
        });
        stored.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ids = (await stored.Content.ReadFromJsonAsync<StoreTextsResponse>())!.Texts;
        ids.Select(t => t.CustomerId).ShouldBe([ann, ann, null]);

        // Before the job runs, texts are listed as waiting.
        var waiting = await viewer.GetFromJsonAsync<Page>(Url("/api/texts"));
        waiting!.Items.ShouldAllBe(t => !t.Analyzed && t.SentimentLabel == null);

        (await AnalyseAsync(ws)).Analyzed.ShouldBeGreaterThanOrEqualTo(3);

        var praise = await viewer.GetFromJsonAsync<TextItem>(Url($"/api/texts/{ids[0].Id}"));
        (praise!.Analyzed, praise.Language, praise.SentimentLabel).ShouldBe((true, "en", "positive"));
        praise.SentimentScore!.Value.ShouldBeGreaterThan(0.5);
        praise.Intents.ShouldContain("praise");
        var threat = await viewer.GetFromJsonAsync<TextItem>(Url($"/api/texts/{ids[1].Id}"));
        threat!.SentimentLabel.ShouldBe("negative");
        threat.ChurnThreat.ShouldBeTrue();
        threat.Intents.ShouldContain("churn_threat");
        var french = await viewer.GetFromJsonAsync<TextItem>(Url($"/api/texts/{ids[2].Id}"));
        (french!.Language, french.SentimentScore, french.SentimentLabel).ShouldBe(("fr", null, null));

        // Filters: by customer, by sentiment, by intent, by channel; the urgent list.
        (await viewer.GetFromJsonAsync<Page>(Url($"/api/texts?customerId={ann}")))!.Total.ShouldBe(2);
        (await viewer.GetFromJsonAsync<Page>(Url("/api/texts?sentiment=negative")))!.Items.Single().Id.ShouldBe(ids[1].Id);
        (await viewer.GetFromJsonAsync<Page>(Url("/api/texts?intent=churn_threat")))!.Items.Single().Id.ShouldBe(ids[1].Id);
        (await viewer.GetFromJsonAsync<Page>(Url("/api/texts?channel=chat")))!.Items.Single().Id.ShouldBe(ids[0].Id);
        var insights = await viewer.GetFromJsonAsync<TextInsights>(Url("/api/texts/insights"));
        (insights!.Texts, insights.Analyzed, insights.Waiting, insights.OtherLanguage).ShouldBe((3, 3, 0, 1));
        insights.NeedsAttention.Select(t => t.Id).ShouldContain(ids[1].Id);
        insights.NeedsAttention[0].CustomerName.ShouldBe("ann");
        // The last twelve months by default; texts in another language are not in the sentiment series.
        insights.SentimentByMonth.Count.ShouldBe(12);
        (insights.SentimentByMonth.Sum(m => m.Texts), insights.SentimentByMonth.Sum(m => m.Positive), insights.SentimentByMonth.Sum(m => m.Negative)).ShouldBe((2, 1, 1));
        var june = await viewer.GetFromJsonAsync<TextInsights>(Url("/api/texts/insights?from=2025-01-01&to=2025-06-30"));
        (june!.Texts, june.SentimentByMonth.Count).ShouldBe((0, 6));
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(await viewer.GetAsync(Url("/api/texts?sentiment=happy&segment=Nobody")), HttpStatusCode.BadRequest)).ShouldBe(["sentiment", "segment"], ignoreOrder: true);

        // The customer's health uses the sentiment of what they wrote.
        await app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<Obsess.Features.Intelligence.ScoresService>().RecomputeAsync());
        var detail = await app.QueryAsync(ws, db => db.Scores.Where(s => s.CustomerId == ann).Select(s => s.HealthDetail).SingleAsync());
        using var contributions = JsonDocument.Parse(detail!);
        contributions.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "sentiment").GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Number);
    }

    [Fact]
    public async Task A_batch_with_one_bad_text_stores_nothing_and_names_the_field()
    {
        var (ws, agent, viewer) = await WorkspaceAsync();
        var response = await agent.PostAsJsonAsync(Url("/api/texts"), new object[]
        {
            new { kind = "chat", source = "helpdesk", body = "Fine." },
            new { kind = "chat", source = "helpdesk", body = "  " },
            new { kind = "letter", source = "helpdesk", body = "Hello", occurredAt = "2026-01-01T10:00:00" },
            new { kind = "chat", source = "helpdesk", body = new string('x', CustomerText.MaxBodyLength + 1), customerId = Guid.CreateVersion7() },
        });
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest)).ShouldBe(["[1].body", "[2].kind", "[2].occurredAt", "[3].body"], ignoreOrder: true);
        (await app.QueryAsync(ws, db => db.Texts.CountAsync())).ShouldBe(0);

        var unknownCustomer = await agent.PostAsJsonAsync(Url("/api/texts"), new object[] { new { kind = "chat", source = "helpdesk", body = "Hi", customerId = Guid.CreateVersion7() } });
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(unknownCustomer, HttpStatusCode.BadRequest)).ShouldBe(["[0].customerId"], ignoreOrder: true);
        await ProblemAssert.IsProblemAsync(await agent.PostAsJsonAsync(Url("/api/texts"), Array.Empty<object>()), HttpStatusCode.BadRequest);

        // A viewer reads but does not write.
        (await viewer.PostAsJsonAsync(Url("/api/texts"), new object[] { new { kind = "chat", source = "s", body = "Hi" } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Resending_a_text_with_the_same_source_and_external_id_stores_it_once()
    {
        var (ws, agent, _) = await WorkspaceAsync();
        object[] batch = [new { kind = "email", source = "zendesk", externalId = "t-9", body = "Where is my parcel?" }];
        var first = await (await agent.PostAsJsonAsync(Url("/api/texts"), batch)).Content.ReadFromJsonAsync<StoreTextsResponse>();
        var second = await (await agent.PostAsJsonAsync(Url("/api/texts"), batch)).Content.ReadFromJsonAsync<StoreTextsResponse>();
        second!.Texts.Single().ShouldBe(first!.Texts.Single() with { Duplicate = true });
        (await app.QueryAsync(ws, db => db.Texts.CountAsync())).ShouldBe(1);
    }

    [Fact]
    public async Task Another_workspace_sees_none_of_the_texts()
    {
        var (_, agent, _) = await WorkspaceAsync();
        var stored = await (await agent.PostAsJsonAsync(Url("/api/texts"), new object[] { new { kind = "chat", source = "helpdesk", body = "Private words" } })).Content.ReadFromJsonAsync<StoreTextsResponse>();
        var (_, _, stranger) = await WorkspaceAsync();
        (await stranger.GetAsync(Url($"/api/texts/{stored!.Texts[0].Id}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await stranger.GetFromJsonAsync<Page>(Url("/api/texts")))!.Total.ShouldBe(0);
        (await stranger.GetFromJsonAsync<TextInsights>(Url("/api/texts/insights")))!.Texts.ShouldBe(0);
    }

    [Fact]
    public async Task Texts_move_with_a_merge_and_back_with_its_split()
    {
        var (ws, agent, _) = await WorkspaceAsync();
        var kim = await CustomerAsync(ws, "kim@example.com");
        var other = await CustomerAsync(ws, "kim.work@example.com");
        await agent.PostAsJsonAsync(Url("/api/texts"), new object[]
        {
            new { customerId = kim, kind = "chat", source = "helpdesk", externalId = "k-1", body = "Hello from home" },
            new { customerId = other, kind = "chat", source = "helpdesk", externalId = "k-2", body = "Hello from work" },
        });

        var merged = await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<Obsess.Data.ObsessDb>();
            var survivor = await db.Customers.SingleAsync(c => c.Id == kim);
            var gone = await db.Customers.SingleAsync(c => c.Id == other);
            await MergeService.MergeAsync(db, survivor, gone, "test: same person", [], DateTime.UtcNow, default);
            await db.SaveChangesAsync();
            return await db.Texts.Where(t => t.CustomerId == kim).CountAsync();
        });
        merged.ShouldBe(2);

        var split = await app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<MergeService>().SplitAsync(other, null, "test"));
        split.Outcome.ShouldBe(SplitOutcome.Split);
        (await app.QueryAsync(ws, db => db.Texts.Where(t => t.ExternalId == "k-2").Select(t => t.CustomerId).SingleAsync())).ShouldBe(other);
        (await app.QueryAsync(ws, db => db.Texts.Where(t => t.ExternalId == "k-1").Select(t => t.CustomerId).SingleAsync())).ShouldBe(kim);
    }

    [Fact]
    public async Task Texts_are_grouped_into_themes_and_new_texts_join_them()
    {
        var (ws, agent, viewer) = await WorkspaceAsync();
        string[] delivery = ["The delivery was late and the parcel arrived damaged", "Late delivery again, the courier left the parcel outside", "My parcel delivery took two weeks", "The courier lost my parcel and delivery tracking never updated", "Delivery date of my parcel keeps changing", "The courier delivered the parcel to the wrong address"];
        string[] billing = ["I was charged twice on my credit card invoice", "The invoice shows a double charge on my card", "Please refund the extra charge on my invoice", "Billing charged my credit card the wrong amount", "There is an extra charge on this invoice", "The invoice total and the card charge do not match"];
        string[] app_ = ["The mobile app crashes when I open the camera screen", "The app crashes on login since the last update", "The app keeps crashing after the update on my phone", "The mobile app freezes then crashes on the settings screen", "Since the update the app crashes every time", "The app crashes when I upload a photo"];
        var all = delivery.Concat(billing).Concat(app_).SelectMany(t => new[] { t, t + " today", "Again: " + t.ToLowerInvariant() }).ToArray();
        var batch = all.Select((t, i) => new { kind = "email", source = "helpdesk", externalId = $"x-{i}", body = t, occurredAt = $"2026-0{1 + (i % 5)}-10T10:00:00Z" }).ToArray();
        (await agent.PostAsJsonAsync(Url("/api/texts"), batch)).EnsureSuccessStatusCode();

        await AnalyseAsync(ws);
        var fitted = await app.QueryAsync(ws, db => db.TextThemeModels.SingleAsync());
        var themes = await app.QueryAsync(ws, db => db.TextThemes.ToListAsync());
        themes.Count.ShouldBeInRange(2, 10);
        var texts = await app.QueryAsync(ws, db => db.Texts.ToListAsync());
        texts.ShouldAllBe(t => t.ThemeId != null);
        // No theme mixes topics: every theme's texts come from one of the three groups.
        string Topic(string body) => delivery.Any(d => body.Contains(d, StringComparison.OrdinalIgnoreCase)) ? "delivery"
            : billing.Any(b => body.Contains(b, StringComparison.OrdinalIgnoreCase)) ? "billing" : "app";
        var mixes = texts.GroupBy(t => t.ThemeId).Where(g => g.Select(t => Topic(t.Body)).Distinct().Count() > 1)
            .Select(g => $"theme {g.Key}: " + string.Join(" | ", g.Select(t => t.Body))).ToList();
        mixes.ShouldBeEmpty();

        var insights = await viewer.GetFromJsonAsync<TextInsights>(Url("/api/texts/insights?from=2026-01-01&to=2026-06-30"));
        insights!.Themes.Sum(t => t.Texts).ShouldBe(all.Length);
        var billingThemes = texts.Where(t => Topic(t.Body) == "billing").Select(t => t.ThemeId!.Value).Distinct().ToList();
        foreach (var theme in insights.Themes)
        {
            theme.Examples.Count.ShouldBe(Math.Min(3, theme.Texts));
            theme.Examples.ShouldAllBe(e => e.ThemeId == theme.Id);
            theme.Trend.Sum(m => m.Texts).ShouldBe(theme.Texts);
            theme.KeyPhrases.ShouldNotBeEmpty();
        }

        insights.Themes.Where(t => billingThemes.Contains(t.Id)).SelectMany(t => t.KeyPhrases).ShouldContain(p => p.Contains("invoice") || p.Contains("charge"));

        // A new text joins the stored themes without a refit.
        var stored = await (await agent.PostAsJsonAsync(Url("/api/texts"), new object[] { new { kind = "chat", source = "helpdesk", body = "Why is there a double charge on my invoice?" } })).Content.ReadFromJsonAsync<StoreTextsResponse>();
        await AnalyseAsync(ws);
        (await app.QueryAsync(ws, db => db.TextThemeModels.SingleAsync())).ComputedAt.ShouldBe(fitted.ComputedAt);
        var item = await viewer.GetFromJsonAsync<TextItem>(Url($"/api/texts/{stored!.Texts[0].Id}"));
        billingThemes.ShouldContain(item!.ThemeId!.Value);
        item.ThemeName.ShouldBe(insights.Themes.Single(t => t.Id == item.ThemeId).Name);

        // Grown by more than a fifth but not doubled, within the refit interval: the new texts join the stored themes.
        fitted.Texts.ShouldBe(all.Length);
        async Task AddAsync(int count, string prefix)
        {
            var more = Enumerable.Range(0, count).Select(i => new { kind = "email", source = "helpdesk", externalId = $"{prefix}-{i}", body = all[i % all.Length] + $" (case {prefix}{i})" }).ToArray();
            (await agent.PostAsJsonAsync(Url("/api/texts"), more)).EnsureSuccessStatusCode();
            await AnalyseAsync(ws);
        }

        await AddAsync((2 * all.Length) - 3 - (all.Length + 1), "grow");
        (await app.QueryAsync(ws, db => db.TextThemeModels.SingleAsync())).ComputedAt.ShouldBe(fitted.ComputedAt);
        (await app.QueryAsync(ws, db => db.Texts.CountAsync(t => t.ThemeId == null))).ShouldBe(0);

        // Doubled: refitted at once, and every text is themed by the new model.
        await AddAsync(3, "double");
        var refitted = await app.QueryAsync(ws, db => db.TextThemeModels.SingleAsync());
        refitted.Texts.ShouldBe(2 * all.Length);
        refitted.ComputedAt.ShouldBeGreaterThan(fitted.ComputedAt);
        (await app.QueryAsync(ws, db => db.Texts.CountAsync(t => t.ThemeId == null))).ShouldBe(0);
    }

    [Fact]
    public async Task A_new_engine_version_re_analyses_stored_texts_and_emotions_are_stored()
    {
        var (ws, agent, viewer) = await WorkspaceAsync();
        var stored = await (await agent.PostAsJsonAsync(Url("/api/texts"), new object[] { new { kind = "chat", source = "helpdesk", body = "I am so happy with this, it made my day!" } })).Content.ReadFromJsonAsync<StoreTextsResponse>();
        await AnalyseAsync(ws);
        var before = await app.QueryAsync(ws, db => db.Texts.SingleAsync());
        before.AnalysisVersion.ShouldNotBeNull();

        // A small emotion model changes the engine's version: stored texts go back through the engine.
        var engine = app.App.Services.GetRequiredService<TextEngine>();
        var current = (await engine.GetAsync())!;
        using var tsv = File.OpenText(SharedDataPath.Of("emotion/goemotions/train.tsv"));
        using var labels = File.OpenText(SharedDataPath.Of("emotion/goemotions/labels.txt"));
        var rows = EmotionTrainer.ReadGoEmotions(tsv, labels, File.ReadAllText(SharedDataPath.Of("emotion/goemotions/ekman_mapping.json")));
        var emotions = EmotionTrainer.Train(rows.Take(6_000).ToList(), rows.Skip(6_000).Take(1_000).ToList(), current.Rules, new EmotionTrainingOptions { Bits = 16, MaxEpochs = 3, L2Grid = [1e-6] });
        var upgraded = new TextAnalyzer(current.Rules.Lexicon, null, emotions);
        try
        {
            engine.Use(upgraded);
            await AnalyseAsync(ws);
            var after = await viewer.GetFromJsonAsync<TextItem>(Url($"/api/texts/{stored!.Texts[0].Id}"));
            (await app.QueryAsync(ws, db => db.Texts.Select(t => t.AnalysisVersion).SingleAsync())).ShouldBe(upgraded.Version);
            after!.Emotions.Keys.ShouldContain("joy");
            after.Emotions.Values.Sum().ShouldBe(1, 0.01);
            after.TopEmotion.ShouldBe("joy");
        }
        finally
        {
            engine.Use(current);
        }
    }

    [Fact]
    public async Task The_customer_page_shows_feedback_history_and_what_the_customer_wrote_escaped()
    {
        var (ws, agent, _) = await WorkspaceAsync();
        var lee = await CustomerAsync(ws, "lee@example.com");
        var stored = await (await agent.PostAsJsonAsync(Url("/api/texts"), new object[]
        {
            new { customerId = lee, kind = "survey_comment", source = "nps-2026", externalId = "r1-q2", body = "<script>alert(1)</script> Delivery was slow but the staff were lovely." },
            new { customerId = lee, kind = "chat", source = "helpdesk", body = "Where is my parcel?" },
        })).Content.ReadFromJsonAsync<StoreTextsResponse>();
        var response = Guid.CreateVersion7();
        await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<Obsess.Data.ObsessDb>();
            var at = DateTime.UtcNow.AddDays(-2);
            db.Feedback.Add(new Obsess.Features.Feedback.FeedbackRecord { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = lee, Kind = "survey", Source = "nps-2026", ResponseId = response, QuestionId = "q1", Metric = "nps", Score = 6, Touchpoint = "order", Channel = "email", OccurredAt = at, CreatedAt = at });
            db.Feedback.Add(new Obsess.Features.Feedback.FeedbackRecord { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = lee, Kind = "survey", Source = "nps-2026", ResponseId = response, QuestionId = "q2", Metric = "text", TextId = stored!.Texts[0].Id, Touchpoint = "order", Channel = "email", OccurredAt = at, CreatedAt = at });
            return await db.SaveChangesAsync();
        });
        await AnalyseAsync(ws);

        var viewer = await app.CreateUserAsync(ws, Roles.Viewer);
        using var browser = app.Browser();
        (await browser.SignInAsync(viewer.Email, viewer.Password)).Dispose();
        var html = await (await browser.GetAsync($"/customers/{lee}")).Content.ReadAsStringAsync();

        html.ShouldContain("Feedback history");
        html.ShouldContain("NPS answer 6");
        html.ShouldContain("after order");
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt; Delivery was slow");
        html.ShouldNotContain("<script>alert(1)</script>");
        html.ShouldContain("What they wrote");
        html.ShouldContain("Where is my parcel?");
        html.ShouldContain("sentiment-");
    }
}

public sealed class TextsTests_on_sqlite(SqliteAppFixture app) : TextsTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class TextsTests_on_postgres(PostgresAppFixture app) : TextsTests(app), IClassFixture<PostgresAppFixture>;
