using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Demo;
using Obsess.Features.Feedback;
using Obsess.Features.Surveys;
using Obsess.Features.Texts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Feedback;

/// <summary>
/// The demo company's feedback beyond its survey answers: reviews (imported through the review import, matched by e-mail
/// where the reviewer is a customer) and the personal links its surveys went out by, which give it a response rate.
/// </summary>
public abstract class DemoFeedbackTests(ObsessAppFixture app)
{
    private sealed record ReviewFact(string Source, string ExternalId, double Score, Guid? CustomerId, string? Text, DateTime At, string? Product);

    private Task<List<ReviewFact>> ReviewsAsync(Guid ws) => app.QueryAsync(ws, db =>
        (from f in db.Feedback.Where(f => f.Kind == FeedbackKinds.Review)
         join t in db.Texts on f.TextId equals (Guid?)t.Id into texts
         from t in texts.DefaultIfEmpty()
         orderby f.ExternalId
         select new ReviewFact(f.Source, f.ExternalId!, f.Score!.Value, f.CustomerId, t == null ? null : t.Body, f.OccurredAt, f.Product)).ToListAsync());

    [Fact]
    public async Task The_demo_has_reviews_from_its_customers_and_from_strangers_with_texts_for_the_text_engine()
    {
        var ws = await app.DemoWorkspaceAsync();

        var reviews = await ReviewsAsync(ws);

        // 200 demo customers: at least 8 buyers review, and at least 5 strangers do (half with an unknown e-mail).
        reviews.Count(r => r.CustomerId != null).ShouldBeGreaterThanOrEqualTo(8);
        reviews.Count(r => r.CustomerId == null).ShouldBeGreaterThanOrEqualTo(5);
        reviews.ShouldAllBe(r => r.ExternalId.StartsWith(DemoReviews.ExternalIdPrefix) && r.Score >= 1 && r.Score <= 5);
        reviews.Select(r => r.Source).Distinct().ShouldBe([DemoReviews.ReviewSite, DemoReviews.ShopReviews], ignoreOrder: true);
        reviews.Where(r => r.Source == DemoReviews.ShopReviews).ShouldAllBe(r => r.Product != null);
        reviews.Select(r => r.Score).Distinct().Count().ShouldBeGreaterThanOrEqualTo(3);
        reviews.ShouldContain(r => r.Text != null);

        // Each matched review belongs to a buyer with an e-mail address (that is how it was matched).
        var matched = reviews.Where(r => r.CustomerId != null).Select(r => r.CustomerId!.Value).ToList();
        var buyers = await app.QueryAsync(ws, db => db.Customers.Where(c => matched.Contains(c.Id) && c.Email != null && db.Orders.Any(o => o.CustomerId == c.Id)).Select(c => c.Id).ToListAsync());
        buyers.ToHashSet().SetEquals(matched).ShouldBeTrue();

        // Texts are review texts, tied to the same customer, waiting for (or already through) the text engine.
        var texts = await app.QueryAsync(ws, db => db.Texts.Where(t => t.Kind == TextKinds.Review).Select(t => new { t.ExternalId, t.CustomerId }).ToListAsync());
        texts.Select(t => (t.ExternalId!, t.CustomerId)).ToHashSet().SetEquals(reviews.Where(r => r.Text != null).Select(r => (r.ExternalId, r.CustomerId))).ShouldBeTrue();

        // The metrics see them as star ratings.
        var viewer = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key);
        using var metrics = JsonDocument.Parse(await viewer.GetStringAsync(new Uri("/api/feedback/metrics?kind=review", UriKind.Relative)));
        metrics.RootElement.GetProperty("scores").GetProperty("rating").GetProperty("responses").GetInt64().ShouldBe(reviews.Count);
        metrics.RootElement.GetProperty("counts").GetProperty("reviews").GetInt64().ShouldBe(reviews.Count);
    }

    [Fact]
    public async Task The_demo_surveys_went_out_by_personal_links_so_they_have_a_response_rate()
    {
        var ws = await app.DemoWorkspaceAsync();
        var viewer = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key);

        var responses = await app.QueryAsync(ws, db => db.Set<SurveyResponse>().Select(r => new { r.SurveyId, r.LinkId, r.Status }).ToListAsync());
        var links = await app.QueryAsync(ws, db => db.Set<SurveyLink>().Select(l => new { l.Id, l.SurveyId, l.CustomerId, l.Touchpoint, l.ResponseId }).ToListAsync());
        responses.ShouldAllBe(r => r.LinkId != null);
        links.Count.ShouldBeGreaterThan(responses.Count);
        using var metrics = JsonDocument.Parse(await viewer.GetStringAsync(new Uri("/api/feedback/metrics", UriKind.Relative)));
        var surveys = metrics.RootElement.GetProperty("responseRates").GetProperty("surveys").EnumerateArray().ToList();
        surveys.Count.ShouldBe(2);
        foreach (var survey in surveys)
        {
            var id = survey.GetProperty("surveyId").GetGuid();
            var rate = survey.GetProperty("rate");
            // The relationship survey asks a customer once (one link each); the support survey asks after every solved ticket.
            rate.GetProperty("invited").GetInt64().ShouldBe(links.Count(l => l.SurveyId == id));
            rate.GetProperty("responses").GetInt64().ShouldBe(responses.Count(r => r.SurveyId == id && r.Status == ResponseStatuses.Complete));
            rate.GetProperty("started").GetInt64().ShouldBe(responses.Count(r => r.SurveyId == id && r.Status == ResponseStatuses.Partial));
            rate.GetProperty("anonymous").GetInt64().ShouldBe(0);
            rate.GetProperty("score").GetDouble().ShouldBeInRange(20, 80);
        }

        links.Where(l => l.Touchpoint == "relationship").GroupBy(l => l.CustomerId).ShouldAllBe(g => g.Count() == 1);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_reviews_and_a_reload_replaces_them()
    {
        var first = await app.CreateWorkspaceAsync(150, 11);
        var second = await app.CreateWorkspaceAsync(150, 11);

        static object Shape(ReviewFact r) => (r.Source, r.ExternalId, r.Score, r.CustomerId is null, r.Text, r.At, r.Product);
        var a = await ReviewsAsync(first);
        var b = await ReviewsAsync(second);
        a.ShouldNotBeEmpty();
        b.Select(Shape).ShouldBe(a.Select(Shape));

        var reloaded = await app.InWorkspaceAsync(first, sp => sp.GetRequiredService<DemoLoader>().LoadAsync(150, 11, replace: true));

        reloaded.Reviews.ShouldBe(a.Count);
        var c = await ReviewsAsync(first);
        c.Select(Shape).ShouldBe(a.Select(Shape));
        var customers = await app.QueryAsync(first, db => db.Customers.Select(x => x.Id).ToListAsync());
        c.Where(r => r.CustomerId != null).ShouldAllBe(r => customers.Contains(r.CustomerId!.Value));
        (await app.QueryAsync(first, db => db.Texts.CountAsync(t => t.Kind == TextKinds.Review))).ShouldBe(c.Count(r => r.Text != null));
    }
}

public sealed class DemoFeedbackTests_on_sqlite(SqliteAppFixture app) : DemoFeedbackTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class DemoFeedbackTests_on_postgres(PostgresAppFixture app) : DemoFeedbackTests(app), IClassFixture<PostgresAppFixture>;
