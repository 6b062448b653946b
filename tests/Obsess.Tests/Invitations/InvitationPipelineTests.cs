using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Obsess.Data;
using Obsess.Features.Customers;
using Obsess.Features.FollowUps;
using Obsess.Features.Invitations;
using Obsess.Tests.FollowUps;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Invitations;

/// <summary>
/// Issues links the way the surveys feature does for the pipeline under test: one per call, recorded. The surveys
/// feature's own links are tested there; here the point is what the pipeline does with a link.
/// </summary>
public sealed class RecordingLinkIssuer(params Guid[] open) : ISurveyLinkIssuer
{
    public List<(Guid Survey, Guid Customer, string Touchpoint, Uri Url)> Issued { get; } = [];

    public Task<IReadOnlyList<(Guid Id, string Name)>> OpenSurveysAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<(Guid Id, string Name)>>([.. open.Select(id => (id, "Delivery survey"))]);

    public Task<string?> OpenSurveyNameAsync(Guid surveyId, CancellationToken ct) => Task.FromResult(open.Contains(surveyId) ? "Delivery survey" : null);

    public Task<IssuedLink?> IssueAsync(Guid surveyId, Guid customerId, string touchpoint, string channel, CancellationToken ct)
    {
        var url = new Uri($"https://obsess.test/s/{surveyId:N}?k={Guid.NewGuid():N}");
        Issued.Add((surveyId, customerId, touchpoint, url));
        return Task.FromResult<IssuedLink?>(new IssuedLink(url, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }
}

/// <summary>The invitation pipeline on each engine: scheduling from orders and events, e-mail over real SMTP, signed webhooks, retries.</summary>
public abstract class InvitationPipelineTests(ObsessAppFixture app)
{
    private static readonly Guid Survey = Guid.Parse("5e1d7a0c-2b3f-4d6e-8f9a-0b1c2d3e4f50");

    private Task<T> WithAsync<T>(Guid ws, TimeProvider clock, ISurveyLinkIssuer links, Func<InvitationService, ObsessDb, Task<T>> work) =>
        app.InWorkspaceAsync(ws, sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            var service = new InvitationService(db, clock, sp.GetRequiredService<IDataProtectionProvider>(), links, sp.GetRequiredService<IHttpClientFactory>(), NullLogger<InvitationService>.Instance);
            return work(service, db);
        });

    private Task<TriggerView> TriggerAsync(Guid ws, ManualClock clock, ISurveyLinkIssuer links, string channel = Channels.Email, string source = TriggerSources.Order, string? eventName = null, int delay = 60) =>
        WithAsync(ws, clock, links, async (s, _) =>
        {
            var request = new TriggerRequest("After an order", source, eventName, Survey, "order_delivered", channel, delay, 30, 100, false, true);
            (await s.ValidateAsync(request)).ShouldBeEmpty();
            return await s.CreateTriggerAsync(request, "test");
        });

    private Task OrderAsync(Guid ws, Guid customer, DateTime at) => app.QueryAsync(ws, db =>
    {
        db.Orders.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customer, Source = "shop", ExternalId = Guid.NewGuid().ToString("N"), Channel = "web", OrderedAt = at, Amount = 20, Items = 1 });
        return db.SaveChangesAsync();
    });

    private Task<List<Invitation>> InvitationsAsync(Guid ws) => app.QueryAsync(ws, db => db.Invitations.OrderBy(i => i.DueAt).ThenBy(i => i.Id).ToListAsync());

    [Fact]
    public async Task Orders_after_a_trigger_are_scheduled_once_with_the_delay_the_recontact_limit_and_consent()
    {
        var ws = await app.CreateWorkspaceAsync();
        var t0 = LoopSeed.Seconds(DateTime.UtcNow.AddHours(-3));
        var clock = new ManualClock(t0);
        var links = new RecordingLinkIssuer(Survey);
        var trigger = await TriggerAsync(ws, clock, links);
        var ann = await LoopSeed.CustomerAsync(app, ws, "Ann");
        var bob = await LoopSeed.CustomerAsync(app, ws, "Bob", consent: Consent.Apply("{}", [KeyValuePair.Create("survey", false)], t0.AddDays(-1), "test"));
        var cid = await LoopSeed.CustomerAsync(app, ws, "Cid");
        await OrderAsync(ws, ann, t0.AddMinutes(30));
        await OrderAsync(ws, ann, t0.AddMinutes(90));
        await OrderAsync(ws, bob, t0.AddMinutes(40));
        await OrderAsync(ws, cid, t0.AddDays(-1));
        clock.UtcNow = t0.AddHours(2);

        var first = await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());
        var second = await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());
        var invitations = await InvitationsAsync(ws);

        (first, second).ShouldBe((3, 0));
        invitations.Select(i => (i.CustomerId, i.Status, i.SkipReason, i.DueAt)).ShouldBe(
        [
            (ann, InvitationStatuses.Scheduled, (string?)null, t0.AddMinutes(90)),
            (bob, InvitationStatuses.Skipped, SkipReasons.NoConsent, t0.AddMinutes(100)),
            (ann, InvitationStatuses.Skipped, SkipReasons.Recontact, t0.AddMinutes(150)),
        ]);
        invitations.ShouldAllBe(i => i.TriggerId == trigger.Id && i.SurveyId == Survey && i.Touchpoint == "order_delivered");
    }

    [Fact]
    public async Task An_event_trigger_invites_after_events_of_its_name_only()
    {
        var ws = await app.CreateWorkspaceAsync();
        var t0 = LoopSeed.Seconds(DateTime.UtcNow.AddHours(-2));
        var clock = new ManualClock(t0);
        var links = new RecordingLinkIssuer(Survey);
        await TriggerAsync(ws, clock, links, source: TriggerSources.Event, eventName: "Conversation Resolved", delay: 0);
        var dee = await LoopSeed.CustomerAsync(app, ws, "Dee");
        await app.QueryAsync(ws, db =>
        {
            foreach (var name in new[] { "Conversation Resolved", "Page Viewed", "conversation resolved" })
            {
                db.Events.Add(new CustomerEvent { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = dee, Type = "track", Name = name, Source = "helpdesk", Channel = "chat", OccurredAt = t0.AddMinutes(10), MessageId = Guid.NewGuid().ToString() });
            }

            return db.SaveChangesAsync();
        });
        clock.UtcNow = t0.AddHours(1);

        await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());

        var invitation = (await InvitationsAsync(ws)).ShouldHaveSingleItem();
        (invitation.Status, invitation.DueAt).ShouldBe((InvitationStatuses.Scheduled, t0.AddMinutes(10)));
    }

    [Fact]
    public async Task A_due_invitation_arrives_by_email_at_a_real_smtp_server_with_the_personal_link_in_both_parts()
    {
        await using var smtp = await SmtpSink.StartAsync();
        var ws = await app.CreateWorkspaceAsync();
        var t0 = LoopSeed.Seconds(DateTime.UtcNow.AddHours(-3));
        var clock = new ManualClock(t0);
        var links = new RecordingLinkIssuer(Survey);
        await WithAsync(ws, clock, links, (s, _) => s.UpdateSettingsAsync(new DeliverySettingsRequest("127.0.0.1", smtp.Port, false, "feedback@shop.example", null, null, null, null), "test"));
        await TriggerAsync(ws, clock, links);
        var eve = await LoopSeed.CustomerAsync(app, ws, "Eve Ärger", "eve@example.com");
        await OrderAsync(ws, eve, t0.AddMinutes(5));
        clock.UtcNow = t0.AddMinutes(30);
        await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());

        var early = await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync());
        clock.UtcNow = t0.AddMinutes(66);
        var sent = await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync());
        var again = await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync());

        (early, sent, again).ShouldBe((0, 1, 0));
        var mail = smtp.Messages().ShouldHaveSingleItem();
        var link = links.Issued.ShouldHaveSingleItem();
        (link.Customer, link.Touchpoint).ShouldBe((eve, "order_delivered"));
        mail.From.ShouldBe("feedback@shop.example");
        mail.To.ShouldBe(["eve@example.com"]);
        mail.ContentType.ShouldBe("multipart/alternative");
        mail.Parts["text/plain"].ShouldContain(link.Url.AbsoluteUri);
        mail.Parts["text/plain"].ShouldContain("Hello Eve Ärger,");
        mail.Parts["text/html"].ShouldContain($"href=\"{link.Url.AbsoluteUri}\"");
        var stored = (await InvitationsAsync(ws)).Single();
        (stored.Status, stored.Attempts, stored.SentAt).ShouldBe((InvitationStatuses.Sent, 1, t0.AddMinutes(66)));
    }

    [Fact]
    public async Task Consent_withdrawn_before_the_invitation_is_due_stops_it()
    {
        var ws = await app.CreateWorkspaceAsync();
        var t0 = LoopSeed.Seconds(DateTime.UtcNow.AddHours(-3));
        var clock = new ManualClock(t0);
        var links = new RecordingLinkIssuer(Survey);
        await TriggerAsync(ws, clock, links);
        var fay = await LoopSeed.CustomerAsync(app, ws, "Fay");
        await OrderAsync(ws, fay, t0.AddMinutes(5));
        clock.UtcNow = t0.AddMinutes(30);
        await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());
        await app.QueryAsync(ws, db => db.Customers.Where(c => c.Id == fay).ExecuteUpdateAsync(s => s.SetProperty(c => c.Consent, Consent.Apply("{}", new[] { KeyValuePair.Create("marketing_email", false) }, t0.AddMinutes(20), "preference centre"))));
        clock.UtcNow = t0.AddHours(2);

        var sent = await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync());

        sent.ShouldBe(0);
        links.Issued.ShouldBeEmpty();
        (await InvitationsAsync(ws)).Single().SkipReason.ShouldBe(SkipReasons.NoConsent);
    }

    [Fact]
    public async Task An_unreachable_smtp_server_is_retried_with_backoff_and_the_invitation_fails_after_the_last_attempt()
    {
        var ws = await app.CreateWorkspaceAsync();
        var t0 = LoopSeed.Seconds(DateTime.UtcNow.AddDays(-2));
        var clock = new ManualClock(t0);
        var links = new RecordingLinkIssuer(Survey);
        await WithAsync(ws, clock, links, (s, _) => s.UpdateSettingsAsync(new DeliverySettingsRequest("127.0.0.1", ClosedPort(), false, "feedback@shop.example", null, null, null, null), "test"));
        await TriggerAsync(ws, clock, links, delay: 0);
        await OrderAsync(ws, await LoopSeed.CustomerAsync(app, ws, "Gus"), t0.AddMinutes(1));
        clock.UtcNow = t0.AddMinutes(2);
        await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());

        var waits = new List<TimeSpan>();
        for (var attempt = 1; attempt <= InvitationDecisions.MaxAttempts; attempt++)
        {
            (await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync())).ShouldBe(0);
            var stored = (await InvitationsAsync(ws)).Single();
            stored.Attempts.ShouldBe(attempt);
            stored.LastError.ShouldNotBeNullOrWhiteSpace();
            stored.Status.ShouldBe(attempt < InvitationDecisions.MaxAttempts ? InvitationStatuses.Scheduled : InvitationStatuses.Failed);
            waits.Add(stored.NextAttemptAt - clock.UtcNow);
            (await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync())).ShouldBe(0);
            (await InvitationsAsync(ws)).Single().Attempts.ShouldBe(attempt);
            clock.UtcNow = stored.NextAttemptAt;
        }

        waits.Take(5).ShouldBe([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(12)]);
    }

    [Fact]
    public async Task A_webhook_invitation_is_signed_retried_after_an_error_and_verifiable_by_the_receiver()
    {
        var ws = await app.CreateWorkspaceAsync();
        var t0 = LoopSeed.Seconds(DateTime.UtcNow.AddHours(-3));
        var clock = new ManualClock(t0);
        var links = new RecordingLinkIssuer(Survey);
        const string secret = "a-shared-secret-of-32-characters";
        using var receiver = new WebhookReceiver();
        await WithAsync(ws, clock, links, (s, _) => s.UpdateSettingsAsync(new DeliverySettingsRequest(null, null, null, null, null, null, receiver.Url, secret), "test"));
        await TriggerAsync(ws, clock, links, channel: Channels.Webhook, delay: 0);
        var hal = await LoopSeed.CustomerAsync(app, ws, "Hal", "hal@example.com");
        await OrderAsync(ws, hal, t0.AddMinutes(1));
        clock.UtcNow = t0.AddMinutes(2);
        await WithAsync(ws, clock, links, (s, _) => s.ScheduleAsync());
        receiver.Statuses.Enqueue(HttpStatusCode.InternalServerError);

        var first = await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync());
        var afterError = (await InvitationsAsync(ws)).Single();
        clock.UtcNow = afterError.NextAttemptAt;
        var second = await WithAsync(ws, clock, links, (s, _) => s.SendDueAsync());

        (first, second).ShouldBe((0, 1));
        afterError.LastError.ShouldNotBeNull().ShouldContain("500");
        receiver.Received.Count.ShouldBe(2);
        var delivered = receiver.Received[^1];
        WebhookSignature.Verify(secret, delivered.Timestamp, delivered.Signature, delivered.Body, clock.GetUtcNow()).ShouldBeTrue();
        WebhookSignature.Verify("not-the-secret-but-just-as-long!", delivered.Timestamp, delivered.Signature, delivered.Body, clock.GetUtcNow()).ShouldBeFalse();
        var body = JsonDocument.Parse(delivered.Body).RootElement;
        body.GetProperty("id").GetGuid().ShouldBe(afterError.Id);
        delivered.Delivery.ShouldBe(afterError.Id.ToString());
        body.GetProperty("type").GetString().ShouldBe("survey.invitation");
        body.GetProperty("link").GetString().ShouldBe(links.Issued[^1].Url.AbsoluteUri);
        body.GetProperty("customer").GetProperty("email").GetString().ShouldBe("hal@example.com");
        (await InvitationsAsync(ws)).Single().Status.ShouldBe(InvitationStatuses.Sent);
    }

    [Fact]
    public async Task Delivery_secrets_are_stored_protected_and_never_read_back()
    {
        var ws = await app.CreateWorkspaceAsync();
        var clock = new ManualClock(DateTime.UtcNow);
        var links = new RecordingLinkIssuer(Survey);

        var view = await WithAsync(ws, clock, links, (s, _) => s.UpdateSettingsAsync(new DeliverySettingsRequest("smtp.example.com", 587, true, "a@example.com", "mailer", "pa55-w0rd-plain", "https://hooks.example.com/x", "whsec-plain-secret-0123456789"), "test"));
        var row = await app.QueryAsync(ws, db => db.LoopSettings.SingleAsync());
        var unprotected = await app.InWorkspaceAsync(ws, sp => Task.FromResult(sp.GetRequiredService<IDataProtectionProvider>().CreateProtector("Obsess.Invitations.DeliverySecrets.v1").Unprotect(row.SmtpPasswordProtected!)));
        var kept = await WithAsync(ws, clock, links, (s, _) => s.UpdateSettingsAsync(new DeliverySettingsRequest(null, null, null, null, null, null, null, ""), "test"));

        (view.SmtpPasswordSet, view.WebhookSecretSet).ShouldBe((true, true));
        row.SmtpPasswordProtected.ShouldNotBeNull().ShouldNotContain("pa55-w0rd-plain");
        row.WebhookSecretProtected.ShouldNotBeNull().ShouldNotContain("whsec-plain-secret");
        unprotected.ShouldBe("pa55-w0rd-plain");
        (kept.SmtpHost, kept.SmtpPasswordSet, kept.WebhookSecretSet).ShouldBe(("smtp.example.com", true, false));
        JsonSerializer.Serialize(kept).ShouldNotContain("pa55");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A webhook receiver on loopback (HttpListener): records each request and answers with the queued status (200 when none).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        for (var tries = 0; ; tries++)
        {
            var port = Random.Shared.Next(20_000, 60_000);
            Url = $"http://127.0.0.1:{port}/hooks/obsess/";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(Url);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (tries < 20)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; private set; } = "";

    public System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode> Statuses { get; } = new();

    public List<(string? Timestamp, string? Signature, string? Delivery, string Body)> Received { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            lock (Received)
            {
                Received.Add((context.Request.Headers[WebhookSignature.TimestampHeader], context.Request.Headers[WebhookSignature.SignatureHeader], context.Request.Headers[WebhookSignature.DeliveryHeader], body));
            }

            context.Response.StatusCode = (int)(Statuses.TryDequeue(out var status) ? status : HttpStatusCode.OK);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

public sealed class InvitationPipelineTests_on_sqlite(SqliteAppFixture app) : InvitationPipelineTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class InvitationPipelineTests_on_postgres(PostgresAppFixture app) : InvitationPipelineTests(app), IClassFixture<PostgresAppFixture>;
