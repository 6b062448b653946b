using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.Feedback;
using Obsess.Features.FollowUps;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.FollowUps;

/// <summary>The closed loop on each engine: the job opening tasks, rules, teams, working tasks through /api/followups, and the report.</summary>
public abstract class FollowUpTests(ObsessAppFixture app)
{
    private async Task<int> RunJobAsync()
    {
        var log = new ListLog<FollowUpJob>();
        var opened = await new FollowUpJob(app.App.Services, log, TimeProvider.System).RunOnceAsync(CancellationToken.None);
        log.Errors.ShouldBeEmpty();
        return opened;
    }

    private Task<List<FollowUpTask>> TasksAsync(Guid ws) => app.QueryAsync(ws, db => db.FollowUpTasks.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).ToListAsync());

    [Fact]
    public async Task Default_rules_open_one_task_per_unhappy_response_and_running_the_job_again_opens_none()
    {
        var ws = await app.CreateWorkspaceAsync();
        var ann = await LoopSeed.CustomerAsync(app, ws, "Ann");
        var bob = await LoopSeed.CustomerAsync(app, ws, "Bob");
        var cid = await LoopSeed.CustomerAsync(app, ws, "Cid");
        var annResponse = Guid.CreateVersion7();
        await LoopSeed.AnswerAsync(app, ws, ann, FeedbackMetrics.Nps, 3, annResponse);
        await LoopSeed.AnswerAsync(app, ws, ann, FeedbackMetrics.Csat, 1, annResponse);
        await LoopSeed.AnswerAsync(app, ws, bob, FeedbackMetrics.Nps, 6, Guid.CreateVersion7());
        await LoopSeed.AnswerAsync(app, ws, cid, FeedbackMetrics.Nps, 7, Guid.CreateVersion7());
        await LoopSeed.AnswerAsync(app, ws, cid, FeedbackMetrics.Csat, 3, Guid.CreateVersion7());
        await LoopSeed.AnswerAsync(app, ws, null, FeedbackMetrics.Nps, 0, Guid.CreateVersion7());
        await LoopSeed.AnswerAsync(app, ws, cid, FeedbackMetrics.Nps, 2, Guid.CreateVersion7(), at: DateTime.UtcNow.AddDays(-20));

        await RunJobAsync();
        var first = await TasksAsync(ws);
        await RunJobAsync();
        var second = await TasksAsync(ws);

        first.Select(t => t.CustomerId).Order().ShouldBe(new[] { ann, bob }.Order());
        var annTask = first.Single(t => t.CustomerId == ann);
        annTask.Reason.ShouldContain("NPS 3 (at or below 6)");
        annTask.Reason.ShouldContain("CSAT 1 (at or below 2)");
        annTask.TriggerKey.ShouldBe($"response:{annResponse:N}");
        annTask.Status.ShouldBe(TaskStatuses.Open);
        (annTask.DueAt - annTask.CreatedAt).ShouldBe(TimeSpan.FromHours(48));
        annTask.OwnerId.ShouldBeNull();
        second.Select(t => t.Id).ShouldBe(first.Select(t => t.Id));
    }

    [Fact]
    public async Task Two_job_instances_running_at_the_same_time_open_each_task_once()
    {
        var ws = await app.CreateWorkspaceAsync();
        for (var i = 0; i < 6; i++)
        {
            await LoopSeed.AnswerAsync(app, ws, await LoopSeed.CustomerAsync(app, ws, $"Customer {i}"), FeedbackMetrics.Nps, i, Guid.CreateVersion7());
        }

        await Task.WhenAll(RunJobAsync(), RunJobAsync());

        (await TasksAsync(ws)).Count.ShouldBe(6);
    }

    [Fact]
    public async Task A_churn_threat_comment_opens_a_task_once_the_text_job_has_flagged_it()
    {
        var ws = await app.CreateWorkspaceAsync();
        var dee = await LoopSeed.CustomerAsync(app, ws, "Dee");
        var eve = await LoopSeed.CustomerAsync(app, ws, "Eve");
        var textId = await LoopSeed.CommentAsync(app, ws, dee, "I will cancel my subscription if this happens again", analysed: false, churnThreat: false);
        await LoopSeed.CommentAsync(app, ws, eve, "Lovely shop, thanks", analysed: true, churnThreat: false);

        await RunJobAsync();
        var before = await TasksAsync(ws);
        await app.QueryAsync(ws, db => db.Texts.Where(t => t.Id == textId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.AnalysisVersion, "test-1").SetProperty(t => t.ChurnThreat, true)));
        await RunJobAsync();
        var after = await TasksAsync(ws);

        before.ShouldBeEmpty();
        var task = after.ShouldHaveSingleItem();
        (task.CustomerId, task.Reason).ShouldBe((dee, FollowUpDecisions.ChurnThreatReason));
        (task.DueAt - task.CreatedAt).ShouldBe(TimeSpan.FromHours(24));
    }

    [Fact]
    public async Task A_team_rule_assigns_tasks_round_robin_and_skips_a_disabled_member()
    {
        var ws = await app.CreateWorkspaceAsync();
        var manager = await app.CreateApiKeyAsync(ws, Roles.Manager);
        var a = await app.CreateUserAsync(ws, Roles.Agent);
        var b = await app.CreateUserAsync(ws, Roles.Agent);
        var c = await app.CreateUserAsync(ws, Roles.Manager);
        using var client = app.ApiClient(manager.Key);
        using var created = await client.PostAsJsonAsync(Url("/api/followups/teams"), new TeamRequest("Care", [a.Id, b.Id, c.Id]));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var team = (await created.Content.ReadFromJsonAsync<TeamView>())!;
        team.Members.Select(m => m.UserId).ShouldBe([a.Id, b.Id, c.Id]);
        var rules = (await client.GetFromJsonAsync<List<RuleView>>(Url("/api/followups/rules")))!;
        var nps = rules.Single(r => r.Metric == FeedbackMetrics.Nps);
        using var updated = await client.PutAsJsonAsync(Url($"/api/followups/rules/{nps.Id}"), new RuleRequest(nps.Name, nps.Kind, nps.Metric, nps.MaxScore, 8, team.Id, true));
        updated.StatusCode.ShouldBe(HttpStatusCode.OK);
        await app.QueryAsync(ws, db => db.Users.Where(u => u.Id == b.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.Disabled, true)));

        var owners = new List<Guid?>();
        for (var i = 0; i < 4; i++)
        {
            await LoopSeed.AnswerAsync(app, ws, await LoopSeed.CustomerAsync(app, ws, $"Detractor {i}"), FeedbackMetrics.Nps, 1, Guid.CreateVersion7());
            await RunJobAsync();
            owners.Add((await TasksAsync(ws)).Last().OwnerId);
        }

        owners.ShouldBe([a.Id, c.Id, a.Id, c.Id]);
        var tasks = await TasksAsync(ws);
        tasks.ShouldAllBe(t => t.TeamId == team.Id && t.DueAt - t.CreatedAt == TimeSpan.FromHours(8));
    }

    [Fact]
    public async Task Closing_a_task_requires_an_outcome_and_a_note_and_a_closed_task_stays_closed()
    {
        var ws = await app.CreateWorkspaceAsync();
        var agent = await app.CreateApiKeyAsync(ws, Roles.Agent);
        await LoopSeed.AnswerAsync(app, ws, await LoopSeed.CustomerAsync(app, ws, "Fay"), FeedbackMetrics.Csat, 1);
        await RunJobAsync();
        var id = (await TasksAsync(ws)).Single().Id;
        using var client = app.ApiClient(agent.Key);

        using var empty = await client.PostAsJsonAsync(Url($"/api/followups/{id}/close"), new CloseRequest(null, " "));
        using var unknown = await client.PostAsJsonAsync(Url($"/api/followups/{id}/close"), new CloseRequest("solved-it", "Called her"));
        var stillOpen = await client.GetFromJsonAsync<TaskDetail>(Url($"/api/followups/{id}"));
        using var closed = await client.PostAsJsonAsync(Url($"/api/followups/{id}/close"), new CloseRequest(Outcomes.Resolved, "Called Fay, replaced the parcel."));
        using var again = await client.PostAsJsonAsync(Url($"/api/followups/{id}/close"), new CloseRequest(Outcomes.NoAnswer, "Second try"));

        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(empty, HttpStatusCode.BadRequest)).ShouldBe(["note", "outcome"]);
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.BadRequest)).ShouldBe(["outcome"]);
        stillOpen!.Task.Status.ShouldBe(TaskStatuses.Open);
        closed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var detail = (await closed.Content.ReadFromJsonAsync<TaskDetail>())!;
        (detail.Task.Status, detail.Task.Outcome, detail.OutcomeNote).ShouldBe((TaskStatuses.Closed, Outcomes.Resolved, "Called Fay, replaced the parcel."));
        detail.ClosedBy.ShouldBe($"key:{agent.Id}");
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict);
        (await TasksAsync(ws)).Single().Outcome.ShouldBe(Outcomes.Resolved);
    }

    [Fact]
    public async Task A_task_shows_the_customer_context_and_the_whole_response()
    {
        var ws = await app.CreateWorkspaceAsync();
        var gus = await LoopSeed.CustomerAsync(app, ws, "Gus <b>Bold</b>", "gus@example.com");
        var response = Guid.CreateVersion7();
        await LoopSeed.AnswerAsync(app, ws, gus, FeedbackMetrics.Nps, 2, response);
        await LoopSeed.CommentAsync(app, ws, gus, "Delivery was late twice.", analysed: true, churnThreat: false, response: response);
        await app.QueryAsync(ws, async db =>
        {
            for (var i = 0; i < 7; i++)
            {
                db.Orders.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = gus, Source = "shop", ExternalId = $"G-{i}", Channel = "web", OrderedAt = DateTime.UtcNow.AddDays(-i - 1), Amount = 10 + i, Currency = "EUR", Items = 1 });
            }

            return await db.SaveChangesAsync();
        });
        await RunJobAsync();
        var id = (await TasksAsync(ws)).Single().Id;
        using var client = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Agent)).Key);

        var detail = (await client.GetFromJsonAsync<TaskDetail>(Url($"/api/followups/{id}")))!;

        (detail.Customer.Name, detail.Customer.Email).ShouldBe(("Gus <b>Bold</b>", "gus@example.com"));
        detail.Customer.RecentOrders.Count.ShouldBe(5);
        detail.Customer.RecentOrders[0].Amount.ShouldBe(10m);
        detail.Feedback.Select(f => f.Metric).ShouldBe([FeedbackMetrics.Nps, FeedbackMetrics.Text], ignoreOrder: true);
        detail.Feedback.Single(f => f.Metric == FeedbackMetrics.Text).Comment.ShouldBe("Delivery was late twice.");
        detail.Feedback.Single(f => f.Metric == FeedbackMetrics.Nps).Touchpoint.ShouldBe("order");
    }

    [Fact]
    public async Task Viewers_cannot_see_tasks_agents_cannot_change_rules_and_agents_assign_only_themselves()
    {
        var ws = await app.CreateWorkspaceAsync();
        await LoopSeed.AnswerAsync(app, ws, await LoopSeed.CustomerAsync(app, ws, "Hal"), FeedbackMetrics.Nps, 0);
        await RunJobAsync();
        var id = (await TasksAsync(ws)).Single().Id;
        var agentUser = await app.CreateUserAsync(ws, Roles.Agent);
        var other = await app.CreateUserAsync(ws, Roles.Agent);
        var viewerUser = await app.CreateUserAsync(ws, Roles.Viewer);
        using var viewer = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key);
        using var agentKey = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Agent)).Key);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        using var browser = app.Browser();
        BrowserClient.IsRedirect((await browser.SignInAsync(agentUser.Email, agentUser.Password)).StatusCode).ShouldBeTrue();

        (await viewer.GetAsync(Url("/api/followups"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.GetAsync(Url("/api/followups/report"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agentKey.GetAsync(Url("/api/followups/rules"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agentKey.PostAsJsonAsync(Url("/api/followups/teams"), new TeamRequest("X", []))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.GetAsync(Url("/api/followups/rules"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var toOther = await browser.Http.PostAsJsonAsync(Url($"/api/followups/{id}/assign"), new AssignRequest(other.Id));
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(toOther, HttpStatusCode.BadRequest)).ShouldBe(["userId"]);
        using var toSelf = await browser.Http.PostAsJsonAsync(Url($"/api/followups/{id}/assign"), new AssignRequest(agentUser.Id));
        toSelf.StatusCode.ShouldBe(HttpStatusCode.OK);
        var mine = (await browser.Http.GetFromJsonAsync<TaskPage>(Url("/api/followups?mine=true")))!;
        mine.Items.Select(t => t.Id).ShouldBe([id]);
        using var toViewer = await manager.PostAsJsonAsync(Url($"/api/followups/{id}/assign"), new AssignRequest(viewerUser.Id));
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(toViewer, HttpStatusCode.BadRequest)).ShouldBe(["userId"]);
        using var byManager = await manager.PostAsJsonAsync(Url($"/api/followups/{id}/assign"), new AssignRequest(other.Id));
        (await byManager.Content.ReadFromJsonAsync<TaskDetail>())!.Task.OwnerId.ShouldBe(other.Id);
        using var keyMine = await agentKey.GetAsync(Url("/api/followups?mine=true"));
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(keyMine, HttpStatusCode.BadRequest)).ShouldBe(["mine"]);
    }

    [Fact]
    public async Task Rules_and_teams_with_bad_input_are_refused_naming_each_field()
    {
        var ws = await app.CreateWorkspaceAsync();
        var viewer = await app.CreateUserAsync(ws, Roles.Viewer);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);

        using var noMetric = await manager.PostAsJsonAsync(Url("/api/followups/rules"), new RuleRequest("", RuleKinds.Score, null, null, 0, Guid.NewGuid(), true));
        using var outOfScale = await manager.PostAsJsonAsync(Url("/api/followups/rules"), new RuleRequest("CES", RuleKinds.Score, FeedbackMetrics.Ces, 9, 24, null, true));
        using var badKind = await manager.PostAsJsonAsync(Url("/api/followups/rules"), new RuleRequest("Odd", "mood", null, null, 24, null, true));
        using var badTeam = await manager.PostAsJsonAsync(Url("/api/followups/teams"), new TeamRequest(" ", [viewer.Id, Guid.NewGuid()]));
        using var good = await manager.PostAsJsonAsync(Url("/api/followups/rules"), new RuleRequest("Low CES", RuleKinds.Score, FeedbackMetrics.Ces, 2, 72, null, true));

        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(noMetric, HttpStatusCode.BadRequest)).ShouldBe(["dueHours", "metric", "name", "teamId"]);
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(outOfScale, HttpStatusCode.BadRequest)).ShouldBe(["maxScore"]);
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(badKind, HttpStatusCode.BadRequest)).ShouldBe(["kind"]);
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(badTeam, HttpStatusCode.BadRequest)).ShouldBe(["memberIds", "name"]);
        good.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await manager.GetFromJsonAsync<List<RuleView>>(Url("/api/followups/rules")))!.Select(r => r.Name)
            .ShouldBe(["Detractors (NPS 0–6)", "Dissatisfied (CSAT 1–2)", "Churn threat in a comment", "Low CES"], ignoreOrder: true);
    }

    [Fact]
    public async Task Another_workspace_neither_sees_nor_closes_a_task()
    {
        var a = await app.CreateWorkspaceAsync();
        await LoopSeed.AnswerAsync(app, a, await LoopSeed.CustomerAsync(app, a, "Ida"), FeedbackMetrics.Nps, 1);
        await RunJobAsync();
        var id = (await TasksAsync(a)).Single().Id;
        var b = await app.CreateWorkspaceAsync();
        using var bAdmin = app.ApiClient((await app.CreateApiKeyAsync(b, Roles.Admin)).Key);

        await ProblemAssert.IsProblemAsync(await bAdmin.GetAsync(Url($"/api/followups/{id}")), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await bAdmin.PostAsJsonAsync(Url($"/api/followups/{id}/close"), new CloseRequest(Outcomes.Resolved, "not mine")), HttpStatusCode.NotFound);
        (await bAdmin.GetFromJsonAsync<TaskPage>(Url("/api/followups")))!.Total.ShouldBe(0);
        (await bAdmin.GetFromJsonAsync<LoopReport>(Url("/api/followups/report")))!.Tasks.ShouldBe(0);
        (await TasksAsync(a)).Single().Status.ShouldBe(TaskStatuses.Open);
    }

    [Fact]
    public async Task The_report_counts_closure_time_to_close_overdue_tasks_and_who_came_back()
    {
        var ws = await app.CreateWorkspaceAsync();
        var now = DateTime.UtcNow;
        var opened = now.AddDays(-10);
        var c1 = await LoopSeed.CustomerAsync(app, ws, "Resolved and back");
        var c2 = await LoopSeed.CustomerAsync(app, ws, "Contacted, gone");
        var c3 = await LoopSeed.CustomerAsync(app, ws, "No answer, back");
        var c4 = await LoopSeed.CustomerAsync(app, ws, "Overdue, gone");
        var c5 = await LoopSeed.CustomerAsync(app, ws, "In progress");
        await app.QueryAsync(ws, async db =>
        {
            Add(c1, opened, opened.AddDays(2), opened.AddHours(2), Outcomes.Resolved);
            Add(c2, opened, opened.AddDays(2), opened.AddHours(10), Outcomes.Contacted);
            Add(c3, opened, opened.AddDays(2), opened.AddHours(6), Outcomes.NoAnswer);
            Add(c4, opened, opened.AddDays(2), null, null);
            Add(c5, now.AddHours(-1), now.AddDays(1), null, null);
            Add(c5, now.AddDays(-200), now.AddDays(-198), null, null);
            db.Orders.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = c1, Source = "shop", ExternalId = "R-1", Channel = "web", OrderedAt = opened.AddDays(3), Amount = 5, Items = 1 });
            db.Orders.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = c2, Source = "shop", ExternalId = "R-2", Channel = "web", OrderedAt = opened.AddHours(5), Amount = 5, Items = 1 });
            db.Events.Add(new CustomerEvent { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = c3, Type = "track", Name = "Visited", Source = "web", Channel = "web", OccurredAt = opened.AddDays(1), MessageId = Guid.NewGuid().ToString() });
            return await db.SaveChangesAsync();

            void Add(Guid customer, DateTime created, DateTime due, DateTime? closed, string? outcome) => db.FollowUpTasks.Add(new FollowUpTask
            {
                WorkspaceId = ws,
                Id = Guid.CreateVersion7(),
                TriggerKey = $"feedback:{Guid.NewGuid():N}",
                RuleId = Guid.Empty,
                FeedbackId = Guid.Empty,
                CustomerId = customer,
                Reason = "test",
                Status = closed is null ? TaskStatuses.Open : TaskStatuses.Closed,
                DueAt = due,
                CreatedAt = created,
                ClosedAt = closed,
                Outcome = outcome,
                OutcomeNote = outcome is null ? null : "n",
                ClosedBy = outcome is null ? null : "cli",
            });
        });
        using var client = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Agent)).Key);

        var report = (await client.GetFromJsonAsync<LoopReport>(Url("/api/followups/report?days=30")))!;
        using var tooLong = await client.GetAsync(Url("/api/followups/report?days=0"));

        (report.Tasks, report.Closed).ShouldBe((5, 3));
        report.ClosureRate!.Value.ShouldBe(0.6, 1e-9);
        report.MedianHoursToClose!.Value.ShouldBe(6, 1e-6);
        report.P90HoursToClose!.Value.ShouldBe(9.2, 1e-6);
        report.Overdue.ShouldBe(2);
        report.FollowedUp.ShouldBe(new RetentionGroup(2, 1, 0.5));
        report.NotFollowedUp.ShouldBe(new RetentionGroup(2, 1, 0.5));
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(tooLong, HttpStatusCode.BadRequest)).ShouldBe(["days"]);
    }

    [Fact]
    public async Task Merging_customers_moves_their_follow_ups_and_a_split_moves_them_back()
    {
        var ws = await app.CreateWorkspaceAsync();
        var kim = await LoopSeed.CustomerAsync(app, ws, "Kim");
        var other = await LoopSeed.CustomerAsync(app, ws, "Kim (work)");
        await LoopSeed.AnswerAsync(app, ws, kim, FeedbackMetrics.Nps, 1, Guid.CreateVersion7());
        await LoopSeed.AnswerAsync(app, ws, other, FeedbackMetrics.Nps, 2, Guid.CreateVersion7());
        await RunJobAsync();

        var merged = await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            await MergeService.MergeAsync(db, await db.Customers.SingleAsync(c => c.Id == kim), await db.Customers.SingleAsync(c => c.Id == other), "test: same person", [], DateTime.UtcNow, default);
            await db.SaveChangesAsync();
            return await db.FollowUpTasks.CountAsync(t => t.CustomerId == kim);
        });
        var split = await app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<MergeService>().SplitAsync(other, null, "test"));

        merged.ShouldBe(2);
        split.Outcome.ShouldBe(SplitOutcome.Split);
        (await TasksAsync(ws)).Select(t => t.CustomerId).Order().ShouldBe(new[] { kim, other }.Order());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_follow_up_and_invitation_endpoints_with_summaries()
    {
        using var client = app.ApiClient();

        using var doc = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(Url("/openapi/v1.json")));

        var paths = doc.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/api/followups", "get"), ("/api/followups/{id}", "get"), ("/api/followups/{id}/assign", "post"), ("/api/followups/{id}/close", "post"),
            ("/api/followups/report", "get"), ("/api/followups/rules", "post"), ("/api/followups/teams/{id}", "put"),
            ("/api/invitations", "get"), ("/api/invitations/triggers", "post"), ("/api/invitations/settings", "put"),
        })
        {
            paths.GetProperty(path).GetProperty(method).GetProperty("summary").GetString().ShouldNotBeNullOrWhiteSpace(path);
        }
    }
}

public sealed class FollowUpTests_on_sqlite(SqliteAppFixture app) : FollowUpTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class FollowUpTests_on_postgres(PostgresAppFixture app) : FollowUpTests(app), IClassFixture<PostgresAppFixture>;
