using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Intelligence;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Data;

/// <summary>The scores job's computation on each engine: lifetime value and churn risk for every customer.</summary>
public abstract class ScoresTests(ObsessAppFixture app)
{
    private Task<ScoresResult> RecomputeAsync(Guid ws) =>
        app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<ScoresService>().RecomputeAsync());

    [Fact]
    public async Task Every_customer_gets_a_score_consistent_with_their_orders()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 400, seed: 11);

        var result = await RecomputeAsync(ws);

        result.ClvSkipped.ShouldBeNull();
        result.ChurnSkipped.ShouldBeNull();
        result.ChurnRocAuc.ShouldNotBeNull().ShouldBeGreaterThan(0.5);
        var (scores, totals) = await app.QueryAsync(ws, async db => (
            await db.Scores.ToListAsync(),
            await db.Orders.GroupBy(o => o.CustomerId).Select(g => new { g.Key, Count = g.Count(), Sum = g.Sum(o => (double)o.Amount) }).ToDictionaryAsync(g => g.Key)));
        scores.Count.ShouldBe(400);
        foreach (var s in scores)
        {
            var mine = totals.GetValueOrDefault(s.CustomerId);
            s.Orders.ShouldBe(mine?.Count ?? 0);
            s.HistoricClv.ShouldBe(Math.Round(mine?.Sum ?? 0, 2), 0.01);
            if (mine is null)
            {
                (s.ProbabilityAlive, s.Clv12m, s.ChurnProbability).ShouldBe((null, null, null));
                s.RfmSegment.ShouldBe("No purchases");
                continue;
            }

            s.ChurnProbability.ShouldNotBeNull().ShouldBeInRange(0, 1);
            s.RfmSegment.ShouldNotBeNull().ShouldNotBe("No purchases");
            (s.RfmRecency, s.RfmFrequency, s.RfmMonetary).ShouldSatisfyAllConditions(
                () => s.RfmRecency.ShouldBeInRange((short)1, (short)5),
                () => s.RfmFrequency.ShouldBeInRange((short)1, (short)5),
                () => s.RfmMonetary.ShouldBeInRange((short)1, (short)5));
            s.HealthScore.ShouldNotBeNull().ShouldBeInRange(0, 100);
            s.HealthBand.ShouldBeOneOf("good", "average", "poor");
            if (s.ProbabilityAlive is { } alive)
            {
                alive.ShouldBeInRange(0, 1);
                s.Clv12m.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0);
                s.ExpectedPurchases12m.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0);
            }
        }

        // Customers the model thinks are alive are worth more, on average, than those it thinks are gone.
        var priced = scores.Where(s => s.ProbabilityAlive is not null).ToList();
        priced.Where(s => s.ProbabilityAlive > 0.7).Average(s => s.Clv12m!.Value)
            .ShouldBeGreaterThan(priced.Where(s => s.ProbabilityAlive < 0.3).Average(s => s.Clv12m!.Value));
    }

    [Fact]
    public async Task Runs_are_recorded_with_their_figures_and_a_second_run_replaces_the_scores()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 400, seed: 12);

        await RecomputeAsync(ws);
        await RecomputeAsync(ws);

        var (scores, runs) = await app.QueryAsync(ws, async db => (await db.Scores.CountAsync(), await db.ModelRuns.OrderBy(r => r.At).ToListAsync()));
        scores.ShouldBe(400);
        runs.Select(r => r.Kind).ShouldBe(["clv", "churn", "segments", "clv", "churn", "segments"], ignoreOrder: true);
        var segments = JsonDocument.Parse(runs.First(r => r.Kind == "segments").Summary).RootElement;
        segments.GetProperty("rfm").GetProperty("grid").GetArrayLength().ShouldBe(25);
        segments.GetProperty("rfm").GetProperty("segments").EnumerateArray().Sum(g => g.GetProperty("customers").GetInt32()).ShouldBe(400);
        segments.GetProperty("cohorts").GetArrayLength().ShouldBeGreaterThan(0);
        segments.GetProperty("churnRate").GetProperty("months").GetArrayLength().ShouldBe(12);
        var clv = JsonDocument.Parse(runs.First(r => r.Kind == "clv").Summary).RootElement;
        clv.GetProperty("parameters").GetProperty("r").GetDouble().ShouldBeGreaterThan(0);
        clv.GetProperty("backtest").GetProperty("actualRepeatPurchases").GetDouble().ShouldBeGreaterThan(0);
        var churn = JsonDocument.Parse(runs.First(r => r.Kind == "churn").Summary).RootElement;
        churn.GetProperty("models").GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task The_job_scores_a_workspace_whose_customers_changed_and_leaves_an_unchanged_one_alone()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 150, seed: 21);
        var log = new ErrorLog();
        var job = new ScoresJob(app.App.Services, log, TimeProvider.System);

        await job.RunOnceAsync(CancellationToken.None);
        var first = await app.QueryAsync(ws, db => db.ModelRuns.Where(r => r.Kind == "clv").Select(r => r.At).ToListAsync());
        await job.RunOnceAsync(CancellationToken.None);
        var second = await app.QueryAsync(ws, db => db.ModelRuns.Where(r => r.Kind == "clv").Select(r => r.At).ToListAsync());

        log.Errors.ShouldBeEmpty();
        first.Count.ShouldBe(1);
        second.ShouldBe(first);
        (await app.QueryAsync(ws, db => db.Scores.CountAsync())).ShouldBe(150);
    }

    [Fact]
    public async Task An_event_that_leaves_the_profile_as_it_was_is_not_written_to_the_customer_but_still_makes_the_scores_due()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 150, seed: 22);
        using var writer = await app.IngestClientAsync(ws);
        var log = new ErrorLog();
        var job = new ScoresJob(app.App.Services, log, TimeProvider.System);
        Task<List<DateTime>> RunsAsync() => app.QueryAsync(ws, db => db.ModelRuns.Where(r => r.Kind == "clv").Select(r => r.At).ToListAsync());
        async Task TrackAsync(string messageId) =>
            (await writer.PostAsJsonAsync(new Uri("/v1/track", UriKind.Relative), new { userId = "late-1", @event = "Opened app", timestamp = "2026-03-01T10:00:00Z", messageId }))
                .EnsureSuccessStatusCode();

        await job.RunOnceAsync(CancellationToken.None);
        await TrackAsync("late-a"); // a new customer: the profile changes
        await job.RunOnceAsync(CancellationToken.None);
        var before = await app.QueryAsync(ws, db => db.Customers.AsNoTracking().SingleAsync(c => c.Id == db.Identities.Single(i => i.Value == "late-1").CustomerId));
        (await RunsAsync()).Count.ShouldBe(2);

        await TrackAsync("late-b"); // the same moment again: first and last seen, traits and identities stay as they are
        var after = await app.QueryAsync(ws, db => db.Customers.AsNoTracking().SingleAsync(c => c.Id == before.Id));
        await job.RunOnceAsync(CancellationToken.None);

        after.UpdatedAt.ShouldBe(before.UpdatedAt);
        (await app.QueryAsync(ws, db => db.Events.CountAsync(e => e.CustomerId == before.Id))).ShouldBe(2);
        (await RunsAsync()).Count.ShouldBe(3);
        log.Errors.ShouldBeEmpty();
    }

    [Fact]
    public void The_time_of_a_version_7_id_is_read_from_its_first_48_bits_and_other_versions_have_none()
    {
        var at = new DateTimeOffset(2026, 11, 24, 6, 30, 15, 123, TimeSpan.Zero);

        ScoresJob.Version7Time(Guid.CreateVersion7(at)).ShouldBe(at.UtcDateTime);
        ScoresJob.Version7Time(Guid.Parse("0193a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")).ShouldBe(DateTime.UnixEpoch.AddMilliseconds(0x0193a1b2c3d4));
        ScoresJob.Version7Time(Guid.NewGuid()).ShouldBeNull();
    }

    [Fact]
    public async Task A_workspace_too_small_for_the_models_says_why_and_still_records_history()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 8, seed: 3);

        var result = await RecomputeAsync(ws);

        result.ClvSkipped.ShouldNotBeNull().ShouldContain("at least");
        result.ChurnSkipped.ShouldNotBeNull();
        var scores = await app.QueryAsync(ws, db => db.Scores.ToListAsync());
        scores.Count.ShouldBe(8);
        scores.ShouldAllBe(s => s.Clv12m == null && s.ChurnProbability == null);
    }

    [Fact]
    public async Task The_customer_list_sorts_by_predicted_value_and_the_profile_explains_the_risk()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 400, seed: 13);
        var other = await app.CreateWorkspaceAsync(demoCustomers: 30, seed: 14);
        await RecomputeAsync(ws);
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var page = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(new Uri("/api/customers?sort=value&pageSize=20", UriKind.Relative));
        var values = page!.Items.Select(c => c.Clv12m ?? -1).ToList();
        values.ShouldBe(values.OrderByDescending(v => v).ToList());
        values[0].ShouldBeGreaterThan(0);

        var risky = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(new Uri("/api/customers?sort=risk&pageSize=1", UriKind.Relative));
        var profile = await client.GetFromJsonAsync<CustomerProfile>(new Uri($"/api/customers/{risky!.Items[0].Id}", UriKind.Relative));
        profile!.Outlook.ShouldNotBeNull().ChurnProbability.ShouldNotBeNull().ShouldBeGreaterThan(0.5);
        profile.Outlook.ChurnReasons.ShouldNotBeEmpty();

        var champions = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(new Uri("/api/customers?segment=Champions&pageSize=200", UriKind.Relative));
        champions!.Items.ShouldNotBeEmpty();
        champions.Items.ShouldAllBe(c => c.Segment == "Champions");
        var poor = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(new Uri("/api/customers?health=poor&pageSize=200", UriKind.Relative));
        poor!.Items.ShouldAllBe(c => c.HealthBand == "poor");
        await ProblemAssert.IsProblemAsync(await client.GetAsync(new Uri("/api/customers?segment=Nobody", UriKind.Relative)), System.Net.HttpStatusCode.BadRequest);

        // Scoring one workspace leaves another untouched.
        (await app.QueryAsync(other, db => db.Scores.CountAsync())).ShouldBe(0);
    }
}

/// <summary>Keeps the errors a component logs, so a test can show them.</summary>
internal sealed class ErrorLog : Microsoft.Extensions.Logging.ILogger<ScoresJob>
{
    public List<string> Errors { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= Microsoft.Extensions.Logging.LogLevel.Error)
        {
            lock (Errors)
            {
                Errors.Add($"{formatter(state, exception)}: {exception}");
            }
        }
    }
}

/// <summary>The workspace's health scorecard over HTTP.</summary>
public abstract class HealthScorecardTests(ObsessAppFixture app)
{
    [Fact]
    public async Task Admins_set_weights_and_thresholds_and_bad_values_are_named()
    {
        var ws = await app.CreateWorkspaceAsync();
        using var admin = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Admin)).Key);
        using var viewer = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key);
        var url = new Uri("/api/workspace/health", UriKind.Relative);

        var initial = await viewer.GetFromJsonAsync<HealthConfigView>(url);
        initial!.IsDefault.ShouldBeTrue();
        initial.Measures.Sum(m => m.NormalisedWeight).ShouldBe(100, 0.5);

        (await viewer.PutAsJsonAsync(url, new { weights = new Dictionary<string, double> { ["sentiment"] = 0 } })).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        var bad = await admin.PutAsJsonAsync(url, new { weights = new Dictionary<string, double> { ["sentiment"] = -1, ["karma"] = 5 }, goodAtLeast = 30, averageAtLeast = 60 });
        var problem = await ProblemAssert.IsProblemAsync(bad, System.Net.HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["goodAtLeast", "weights.karma", "weights.sentiment"]);

        var saved = await admin.PutAsJsonAsync(url, new { weights = new Dictionary<string, double> { ["sentiment"] = 0, ["probability_alive"] = 60 }, goodAtLeast = 80 });
        saved.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var now = await viewer.GetFromJsonAsync<HealthConfigView>(url);
        now!.IsDefault.ShouldBeFalse();
        now.GoodAtLeast.ShouldBe(80);
        now.Measures.Single(m => m.Name == "sentiment").NormalisedWeight.ShouldBe(0);
        now.Measures.Single(m => m.Name == "probability_alive").NormalisedWeight.ShouldBe(52.2, 0.1);
    }
}

public sealed class HealthScorecardTests_on_sqlite(SqliteAppFixture app) : HealthScorecardTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class HealthScorecardTests_on_postgres(PostgresAppFixture app) : HealthScorecardTests(app), IClassFixture<PostgresAppFixture>;

public sealed class ScoresTests_on_sqlite(SqliteAppFixture app) : ScoresTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ScoresTests_on_postgres(PostgresAppFixture app) : ScoresTests(app), IClassFixture<PostgresAppFixture>;
