using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.FollowUps;
using Obsess.Features.Invitations;
using Obsess.Features.Surveys;
using Obsess.Tests.FollowUps;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Invitations;

/// <summary>/api/invitations on each engine, and the whole chain: order → job → e-mail with a personal link that opens the survey.</summary>
public abstract partial class InvitationApiTests(ObsessAppFixture app)
{
    private async Task<(Guid Ws, HttpClient Admin, Guid Survey)> WorkspaceWithSurveyAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        var admin = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Admin)).Key);
        using var created = await admin.PostAsJsonAsync(Url("/api/surveys"), new
        {
            name = "After delivery",
            languages = new[] { "en" },
            defaultLanguage = "en",
            questions = new object[] { new { id = "nps", type = "nps", required = true, label = new { en = "How likely are you to recommend us?" } } },
        });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var survey = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        (await admin.PostAsync(Url($"/api/surveys/{survey.Id}/publish"), null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        return (ws, admin, survey.Id);
    }

    private static TriggerRequest Trigger(Guid survey, string channel = Channels.Email) =>
        new("After an order", TriggerSources.Order, null, survey, "order_delivered", channel, 0, 30, 100, false, true);

    [Fact]
    public async Task An_order_becomes_an_email_whose_personal_link_answered_as_a_detractor_opens_a_follow_up()
    {
        await using var smtp = await SmtpSink.StartAsync();
        var (ws, admin, survey) = await WorkspaceWithSurveyAsync();
        using var _ = admin;
        (await admin.PutAsJsonAsync(Url("/api/invitations/settings"), new DeliverySettingsRequest("127.0.0.1", smtp.Port, false, "feedback@shop.example", null, null, null, null))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsJsonAsync(Url("/api/invitations/triggers"), Trigger(survey))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var ann = await LoopSeed.CustomerAsync(app, ws, "Ann", "ann@example.com");
        await app.QueryAsync(ws, db =>
        {
            db.Orders.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = ann, Source = "shop", ExternalId = "A-1", Channel = "web", OrderedAt = DateTime.UtcNow, Amount = 20, Items = 1 });
            return db.SaveChangesAsync();
        });
        var job = new InvitationJob(app.App.Services, new ListLog<InvitationJob>(), TimeProvider.System);

        await job.RunOnceAsync(CancellationToken.None);
        await job.RunOnceAsync(CancellationToken.None);

        var mail = smtp.Messages().ShouldHaveSingleItem();
        mail.To.ShouldBe(["ann@example.com"]);
        var link = new Uri(LinkIn().Match(mail.Parts["text/plain"]).Value);
        mail.Parts["text/html"].ShouldContain(WebUtility.HtmlEncode(link.AbsoluteUri));
        using var anonymous = app.ApiClient();
        using var page = await anonymous.GetAsync(Url(link.PathAndQuery));
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var links = await app.QueryAsync(ws, db => db.Set<SurveyLink>().ToListAsync());
        var stored = links.ShouldHaveSingleItem();
        (stored.CustomerId, stored.Touchpoint, stored.SurveyId).ShouldBe(((Guid?)ann, "order_delivered", survey));
        var list = (await admin.GetFromJsonAsync<InvitationPage>(Url("/api/invitations")))!;
        list.Items.ShouldHaveSingleItem().Status.ShouldBe(InvitationStatuses.Sent);

        // The customer answers through the link as a detractor: the loop opens a follow-up for them.
        var key = Uri.UnescapeDataString(link.Query.Split("k=")[1]);
        using var answered = await anonymous.PostAsJsonAsync(Url($"{link.AbsolutePath}/responses"), new { link = key, answers = new { nps = 2 }, complete = true });
        answered.StatusCode.ShouldBe(HttpStatusCode.Created, await answered.Content.ReadAsStringAsync());
        await new FollowUpJob(app.App.Services, new ListLog<FollowUpJob>(), TimeProvider.System).RunOnceAsync(CancellationToken.None);
        var task = (await app.QueryAsync(ws, db => db.FollowUpTasks.ToListAsync())).ShouldHaveSingleItem();
        (task.CustomerId, task.Reason).ShouldBe((ann, "NPS 2 (at or below 6)"));
        var detail = (await admin.GetFromJsonAsync<TaskDetail>(Url($"/api/followups/{task.Id}")))!;
        detail.Feedback.ShouldHaveSingleItem().Touchpoint.ShouldBe("order_delivered");
    }

    [Fact]
    public async Task Triggers_are_for_managers_and_delivery_settings_for_admins()
    {
        var (ws, admin, survey) = await WorkspaceWithSurveyAsync();
        using var _ = admin;
        using var agent = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Agent)).Key);
        using var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);

        (await agent.GetAsync(Url("/api/invitations/triggers"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await agent.GetAsync(Url("/api/invitations"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.GetAsync(Url("/api/invitations/settings"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.PutAsJsonAsync(Url("/api/invitations/settings"), new DeliverySettingsRequest("evil.example", 25, false, "x@evil.example", null, null, null, null))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.PostAsJsonAsync(Url("/api/invitations/triggers"), Trigger(survey))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PutAsJsonAsync(Url("/api/invitations/settings"), new DeliverySettingsRequest(null, null, null, null, "mailer", "top-secret-password", null, null))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await admin.GetStringAsync(Url("/api/invitations/settings"));
        text.ShouldNotContain("top-secret-password");
        JsonDocument.Parse(text).RootElement.GetProperty("smtpPasswordSet").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Bad_triggers_and_settings_are_refused_naming_each_field()
    {
        var (_, admin, _) = await WorkspaceWithSurveyAsync();
        using var __ = admin;

        using var trigger = await admin.PostAsJsonAsync(Url("/api/invitations/triggers"), new TriggerRequest(" ", TriggerSources.Event, null, Guid.NewGuid(), "Order Delivered", "sms", -1, 400, 101, null, null));
        using var settings = await admin.PutAsJsonAsync(Url("/api/invitations/settings"), new DeliverySettingsRequest("bad host!", 70000, null, "not an address", null, null, "ftp://x", "short"));

        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(trigger, HttpStatusCode.BadRequest))
            .ShouldBe(["channel", "delayMinutes", "eventName", "name", "recontactDays", "samplePercent", "surveyId", "touchpoint"]);
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(settings, HttpStatusCode.BadRequest))
            .ShouldBe(["smtpFrom", "smtpHost", "smtpPort", "webhookSecret", "webhookUrl"]);
    }

    [Fact]
    public async Task Another_workspace_sees_no_triggers_invitations_or_surveys_of_the_first()
    {
        var (a, aAdmin, survey) = await WorkspaceWithSurveyAsync();
        using var _ = aAdmin;
        using var created = await aAdmin.PostAsJsonAsync(Url("/api/invitations/triggers"), Trigger(survey));
        var trigger = (await created.Content.ReadFromJsonAsync<TriggerView>())!;
        var b = await app.CreateWorkspaceAsync();
        using var bAdmin = app.ApiClient((await app.CreateApiKeyAsync(b, Roles.Admin)).Key);

        (await bAdmin.GetFromJsonAsync<List<TriggerView>>(Url("/api/invitations/triggers")))!.ShouldBeEmpty();
        (await bAdmin.GetFromJsonAsync<InvitationPage>(Url("/api/invitations")))!.Total.ShouldBe(0);
        await ProblemAssert.IsProblemAsync(await bAdmin.PutAsJsonAsync(Url($"/api/invitations/triggers/{trigger.Id}"), Trigger(survey)), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await bAdmin.DeleteAsync(Url($"/api/invitations/triggers/{trigger.Id}")), HttpStatusCode.NotFound);
        (await app.QueryAsync(a, db => db.InvitationTriggers.CountAsync())).ShouldBe(1);
    }

    [GeneratedRegex(@"https?://\S+/s/\S+")]
    private static partial Regex LinkIn();
}

public sealed class InvitationApiTests_on_sqlite(SqliteAppFixture app) : InvitationApiTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class InvitationApiTests_on_postgres(PostgresAppFixture app) : InvitationApiTests(app), IClassFixture<PostgresAppFixture>;
