using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.FollowUps;

namespace Obsess.Features.Invitations;

public sealed record TriggerView(
    Guid Id, string Name, string Source, string? EventName, Guid SurveyId, string Touchpoint, string Channel, int DelayMinutes,
    int RecontactDays, int SamplePercent, bool RequireConsent, bool Enabled, DateTime CreatedAt);

public sealed record TriggerRequest(
    string? Name, string? Source, string? EventName, Guid? SurveyId, string? Touchpoint, string? Channel, int? DelayMinutes,
    int? RecontactDays, int? SamplePercent, bool? RequireConsent, bool? Enabled);

/// <summary>Delivery settings as anyone may read them: secrets only say whether they are set.</summary>
public sealed record DeliverySettingsView(
    string? SmtpHost, int? SmtpPort, bool SmtpStartTls, string? SmtpFrom, string? SmtpUser, bool SmtpPasswordSet, string? WebhookUrl, bool WebhookSecretSet);

/// <summary>Each field: null keeps the stored value, "" clears it.</summary>
public sealed record DeliverySettingsRequest(
    string? SmtpHost, int? SmtpPort, bool? SmtpStartTls, string? SmtpFrom, string? SmtpUser, string? SmtpPassword, string? WebhookUrl, string? WebhookSecret);

public sealed record InvitationView(
    Guid Id, Guid TriggerId, Guid CustomerId, Guid SurveyId, string Touchpoint, string Channel, string Status, string? SkipReason,
    DateTime DueAt, int Attempts, DateTime NextAttemptAt, string? LastError, DateTime? SentAt);

public sealed record InvitationPage(IReadOnlyList<InvitationView> Items, int Total, int Page, int Pages);

/// <summary>Triggers, delivery settings, and the two steps of the invitation job: schedule what happened, send what is due.</summary>
public sealed partial class InvitationService(
    ObsessDb db, TimeProvider clock, IDataProtectionProvider protection, ISurveyLinkIssuer links, IHttpClientFactory http, ILogger<InvitationService> log)
{
    /// <summary>Orders and events arriving this late (imports, offline sources) are still seen by the next scan.</summary>
    public static readonly TimeSpan LateArrival = TimeSpan.FromDays(1);

    public const int ScanBatch = 5_000;
    public const int SendBatch = 200;

    private IDataProtector Secrets => protection.CreateProtector("Obsess.Invitations.DeliverySecrets.v1");

    // ---- Triggers ----

    public async Task<List<TriggerView>> TriggersAsync(CancellationToken ct = default) =>
        [.. (await db.InvitationTriggers.AsNoTracking().OrderBy(t => t.CreatedAt).ToListAsync(ct).ConfigureAwait(false)).Select(View)];

    private static TriggerView View(InvitationTrigger t) =>
        new(t.Id, t.Name, t.Source, t.EventName, t.SurveyId, t.Touchpoint, t.Channel, t.DelayMinutes, t.RecontactDays, t.SamplePercent, t.RequireConsent, t.Enabled, t.CreatedAt);

    public async Task<Dictionary<string, string[]>> ValidateAsync(TriggerRequest r, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Trim().Length > 100)
        {
            errors["name"] = ["Name must be 1 to 100 characters."];
        }

        if (r.Source is null || !TriggerSources.All.Contains(r.Source))
        {
            errors["source"] = [$"Source must be one of: {string.Join(", ", TriggerSources.All)}."];
        }
        else if (r.Source == TriggerSources.Event && (string.IsNullOrWhiteSpace(r.EventName) || r.EventName.Length > 200))
        {
            errors["eventName"] = ["An event trigger needs the tracked event's name (1 to 200 characters), e.g. Conversation Resolved."];
        }

        if (r.SurveyId is not { } survey)
        {
            errors["surveyId"] = ["Choose the survey to invite to."];
        }
        else if (await links.OpenSurveyNameAsync(survey, ct).ConfigureAwait(false) is null)
        {
            errors["surveyId"] = ["No open survey with this id in this workspace."];
        }

        if (r.Touchpoint is null || !Tag().IsMatch(r.Touchpoint))
        {
            errors["touchpoint"] = ["The touchpoint is 1 to 64 lower-case letters, digits, '_' or '-', e.g. order_delivered."];
        }

        if (r.Channel is null || !Channels.All.Contains(r.Channel))
        {
            errors["channel"] = [$"Channel must be one of: {string.Join(", ", Channels.All)}."];
        }

        if (r.DelayMinutes is not (>= 0 and <= 60 * 24 * 60))
        {
            errors["delayMinutes"] = ["The delay must be between 0 and 86,400 minutes (60 days)."];
        }

        if (r.RecontactDays is not (>= 0 and <= 365))
        {
            errors["recontactDays"] = ["The recontact limit must be between 0 and 365 days."];
        }

        if (r.SamplePercent is not (>= 0 and <= 100))
        {
            errors["samplePercent"] = ["The sample must be between 0 and 100 percent."];
        }

        return errors;
    }

    public async Task<TriggerView> CreateTriggerAsync(TriggerRequest r, string actor, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var t = new InvitationTrigger
        {
            WorkspaceId = db.CurrentWorkspaceId,
            Id = Guid.CreateVersion7(),
            Name = "",
            Source = "",
            Touchpoint = "",
            Channel = "",
            CreatedAt = now,
            ScannedUntil = now,
        };
        Apply(t, r);
        db.InvitationTriggers.Add(t);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "invitation.trigger.created", $"invitation-trigger:{t.Id}", t.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return View(t);
    }

    public async Task<TriggerView?> UpdateTriggerAsync(Guid id, TriggerRequest r, string actor, CancellationToken ct = default)
    {
        var t = await db.InvitationTriggers.FirstOrDefaultAsync(x => x.Id == id, ct).ConfigureAwait(false);
        if (t is null)
        {
            return null;
        }

        Apply(t, r);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "invitation.trigger.updated", $"invitation-trigger:{t.Id}", t.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return View(t);
    }

    private static void Apply(InvitationTrigger t, TriggerRequest r)
    {
        t.Name = r.Name!.Trim();
        t.Source = r.Source!;
        t.EventName = r.Source == TriggerSources.Event ? r.EventName!.Trim() : null;
        t.SurveyId = r.SurveyId!.Value;
        t.Touchpoint = r.Touchpoint!;
        t.Channel = r.Channel!;
        t.DelayMinutes = r.DelayMinutes!.Value;
        t.RecontactDays = r.RecontactDays!.Value;
        t.SamplePercent = r.SamplePercent!.Value;
        t.RequireConsent = r.RequireConsent ?? false;
        t.Enabled = r.Enabled ?? true;
    }

    /// <summary>Deletes a trigger and its invitation history.</summary>
    public async Task<bool> DeleteTriggerAsync(Guid id, string actor, CancellationToken ct = default)
    {
        var t = await db.InvitationTriggers.FirstOrDefaultAsync(x => x.Id == id, ct).ConfigureAwait(false);
        if (t is null)
        {
            return false;
        }

        db.InvitationTriggers.Remove(t);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "invitation.trigger.deleted", $"invitation-trigger:{t.Id}", t.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return true;
    }

    public async Task<InvitationPage> InvitationsAsync(string? status, int page, int pageSize, CancellationToken ct = default)
    {
        var q = db.Invitations.AsNoTracking();
        if (status is not null)
        {
            q = q.Where(i => i.Status == status);
        }

        var total = await q.CountAsync(ct).ConfigureAwait(false);
        var items = await q.OrderByDescending(i => i.DueAt).ThenBy(i => i.Id).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(i => new InvitationView(i.Id, i.TriggerId, i.CustomerId, i.SurveyId, i.Touchpoint, i.Channel, i.Status, i.SkipReason, i.DueAt, i.Attempts, i.NextAttemptAt, i.LastError, i.SentAt))
            .ToListAsync(ct).ConfigureAwait(false);
        return new InvitationPage(items, total, page, Math.Max(1, (total + pageSize - 1) / pageSize));
    }

    // ---- Delivery settings ----

    public async Task<DeliverySettingsView> SettingsAsync(CancellationToken ct = default)
    {
        var s = await db.LoopSettings.AsNoTracking().FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return s is null
            ? new DeliverySettingsView(null, null, true, null, null, false, null, false)
            : new DeliverySettingsView(s.SmtpHost, s.SmtpPort, s.SmtpStarttls, s.SmtpFrom, s.SmtpUser, s.SmtpPasswordProtected is not null, s.WebhookUrl, s.WebhookSecretProtected is not null);
    }

    public static Dictionary<string, string[]> Validate(DeliverySettingsRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if (r.SmtpHost is { Length: > 0 } host && (host.Length > 255 || Uri.CheckHostName(host) == UriHostNameType.Unknown))
        {
            errors["smtpHost"] = ["The SMTP host must be a host name or IP address."];
        }

        if (r.SmtpPort is not null and not (>= 1 and <= 65535))
        {
            errors["smtpPort"] = ["The SMTP port must be between 1 and 65535 (587 for STARTTLS, 25 for relays)."];
        }

        if (r.SmtpFrom is { Length: > 0 } from && (from.Length > 320 || !MailAddress.TryCreate(from, out _)))
        {
            errors["smtpFrom"] = ["The sender must be an e-mail address, e.g. feedback@example.com."];
        }

        if (r.SmtpUser is { Length: > 320 })
        {
            errors["smtpUser"] = ["The SMTP user name is at most 320 characters."];
        }

        if (r.SmtpPassword is { Length: > 500 })
        {
            errors["smtpPassword"] = ["The SMTP password is at most 500 characters."];
        }

        if (r.WebhookUrl is { Length: > 0 } url
            && (url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            errors["webhookUrl"] = ["The webhook URL must be an absolute http or https URL."];
        }

        if (r.WebhookSecret is { Length: > 0 } secret && secret.Length is < 24 or > 200)
        {
            errors["webhookSecret"] = ["The webhook secret must be 24 to 200 characters; a random one is best."];
        }

        return errors;
    }

    public async Task<DeliverySettingsView> UpdateSettingsAsync(DeliverySettingsRequest r, string actor, CancellationToken ct = default)
    {
        var s = await db.LoopSettings.FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (s is null)
        {
            s = new LoopSettings { WorkspaceId = db.CurrentWorkspaceId };
            db.LoopSettings.Add(s);
        }

        s.SmtpHost = Keep(r.SmtpHost, s.SmtpHost);
        s.SmtpPort = r.SmtpPort ?? s.SmtpPort;
        s.SmtpStarttls = r.SmtpStartTls ?? s.SmtpStarttls;
        s.SmtpFrom = Keep(r.SmtpFrom, s.SmtpFrom);
        s.SmtpUser = Keep(r.SmtpUser, s.SmtpUser);
        s.WebhookUrl = Keep(r.WebhookUrl, s.WebhookUrl);
        if (r.SmtpPassword is not null)
        {
            s.SmtpPasswordProtected = r.SmtpPassword.Length == 0 ? null : Secrets.Protect(r.SmtpPassword);
        }

        if (r.WebhookSecret is not null)
        {
            s.WebhookSecretProtected = r.WebhookSecret.Length == 0 ? null : Secrets.Protect(r.WebhookSecret);
        }

        s.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        // The audit entry names what changed, never a secret's value.
        var changed = string.Join(", ", new[] { ("smtpHost", r.SmtpHost), ("smtpFrom", r.SmtpFrom), ("smtpUser", r.SmtpUser), ("smtpPassword", r.SmtpPassword), ("webhookUrl", r.WebhookUrl), ("webhookSecret", r.WebhookSecret) }
            .Where(p => p.Item2 is not null).Select(p => p.Item1));
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "invitation.settings.updated", $"workspace:{db.CurrentWorkspaceId}", changed, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return await SettingsAsync(ct).ConfigureAwait(false);

        static string? Keep(string? given, string? stored) => given is null ? stored : given.Trim().Length == 0 ? null : given.Trim();
    }

    // ---- The job's two steps ----

    /// <summary>
    /// Records an invitation (scheduled or skipped, with the reason) for each order or event a trigger has not seen
    /// yet. Idempotent: (trigger, order/event) is unique, and the watermark only moves forward.
    /// </summary>
    public async Task<int> ScheduleAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var recorded = 0;
        foreach (var trigger in await db.InvitationTriggers.Where(t => t.Enabled).ToListAsync(ct).ConfigureAwait(false))
        {
            var from = trigger.ScannedUntil - LateArrival < trigger.CreatedAt ? trigger.CreatedAt : trigger.ScannedUntil - LateArrival;
            var candidates = trigger.Source == TriggerSources.Order
                ? await db.Orders.AsNoTracking().Where(o => o.OrderedAt > from && o.OrderedAt <= now).OrderBy(o => o.OrderedAt).ThenBy(o => o.Id).Take(ScanBatch)
                    .Select(o => new { o.Id, o.CustomerId, At = o.OrderedAt }).ToListAsync(ct).ConfigureAwait(false)
                : await db.Events.AsNoTracking().Where(e => e.Name == trigger.EventName && e.OccurredAt > from && e.OccurredAt <= now).OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Take(ScanBatch)
                    .Select(e => new { e.Id, e.CustomerId, At = e.OccurredAt }).ToListAsync(ct).ConfigureAwait(false);

            var sourceIds = candidates.Select(c => c.Id).ToList();
            var seen = new HashSet<Guid>();
            foreach (var chunk in sourceIds.Chunk(500))
            {
                seen.UnionWith(await db.Invitations.Where(i => i.TriggerId == trigger.Id && chunk.Contains(i.SourceId)).Select(i => i.SourceId).ToListAsync(ct).ConfigureAwait(false));
            }

            var fresh = candidates.Where(c => !seen.Contains(c.Id)).ToList();
            var customerIds = fresh.Select(c => c.CustomerId).Distinct().ToList();
            var customers = new Dictionary<Guid, (string? Email, string Consent, bool Merged)>();
            var asked = new Dictionary<Guid, List<DateTime>>();
            foreach (var chunk in customerIds.Chunk(500))
            {
                foreach (var c in await db.Customers.AsNoTracking().Where(c => chunk.Contains(c.Id)).Select(c => new { c.Id, c.Email, c.Consent, c.MergedIntoId }).ToListAsync(ct).ConfigureAwait(false))
                {
                    customers[c.Id] = (c.Email, c.Consent, c.MergedIntoId is not null);
                }

                foreach (var i in await db.Invitations.AsNoTracking().Where(i => chunk.Contains(i.CustomerId) && (i.Status == InvitationStatuses.Scheduled || i.Status == InvitationStatuses.Sent))
                             .Select(i => new { i.CustomerId, i.DueAt }).ToListAsync(ct).ConfigureAwait(false))
                {
                    (asked.TryGetValue(i.CustomerId, out var list) ? list : asked[i.CustomerId] = []).Add(i.DueAt);
                }
            }

            foreach (var c in fresh)
            {
                var (email, consent, merged) = customers[c.CustomerId];
                var mine = asked.TryGetValue(c.CustomerId, out var list) ? list : asked[c.CustomerId] = [];
                var decision = InvitationDecisions.Decide(trigger, c.CustomerId, c.At, new CustomerFacts(email, consent, merged, mine));
                db.Invitations.Add(new Invitation
                {
                    WorkspaceId = db.CurrentWorkspaceId,
                    Id = Guid.CreateVersion7(),
                    TriggerId = trigger.Id,
                    CustomerId = c.CustomerId,
                    SurveyId = trigger.SurveyId,
                    SourceId = c.Id,
                    Touchpoint = trigger.Touchpoint,
                    Channel = trigger.Channel,
                    Status = decision.Send ? InvitationStatuses.Scheduled : InvitationStatuses.Skipped,
                    SkipReason = decision.SkipReason,
                    DueAt = decision.DueAt,
                    NextAttemptAt = decision.DueAt,
                    CreatedAt = now,
                });
                if (decision.Send)
                {
                    // A second order the same day is inside the recontact limit of the first.
                    mine.Add(decision.DueAt);
                }

                recorded++;
            }

            trigger.ScannedUntil = candidates.Count == ScanBatch ? candidates[^1].At : now;
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        return recorded;
    }

    /// <summary>
    /// Sends the invitations that are due, re-checking consent first. A failed delivery is retried with backoff
    /// (<see cref="InvitationDecisions.Backoff"/>) and marked failed after <see cref="InvitationDecisions.MaxAttempts"/>.
    /// Delivery is at least once: a crash between sending and saving sends again, so receivers dedupe on the delivery id.
    /// </summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Invitations.Where(i => i.Status == InvitationStatuses.Scheduled && i.NextAttemptAt <= now)
            .OrderBy(i => i.NextAttemptAt).ThenBy(i => i.Id).Take(SendBatch).ToListAsync(ct).ConfigureAwait(false);
        if (due.Count == 0)
        {
            return 0;
        }

        var settings = await db.LoopSettings.AsNoTracking().FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var workspace = await db.Workspaces.Where(w => w.Id == db.CurrentWorkspaceId).Select(w => w.Name).FirstAsync(ct).ConfigureAwait(false);
        var triggers = await db.InvitationTriggers.AsNoTracking().ToDictionaryAsync(t => t.Id, ct).ConfigureAwait(false);
        var sent = 0;
        foreach (var invitation in due)
        {
            var customer = await db.Customers.AsNoTracking().FirstAsync(c => c.Id == invitation.CustomerId, ct).ConfigureAwait(false);
            var requireConsent = triggers.TryGetValue(invitation.TriggerId, out var trigger) && trigger.RequireConsent;
            var blocked = InvitationDecisions.BlockedNow(invitation.Channel, requireConsent, new CustomerFacts(customer.Email, customer.Consent, customer.MergedIntoId is not null, []));
            if (blocked is not null)
            {
                Skip(invitation, blocked);
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                continue;
            }

            try
            {
                var survey = await links.OpenSurveyNameAsync(invitation.SurveyId, ct).ConfigureAwait(false);
                var link = survey is null ? null : await links.IssueAsync(invitation.SurveyId, invitation.CustomerId, invitation.Touchpoint, invitation.Channel, ct).ConfigureAwait(false);
                if (link is null)
                {
                    Skip(invitation, SkipReasons.SurveyUnavailable);
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                    continue;
                }

                if (invitation.Channel == Channels.Email)
                {
                    var smtp = Smtp(settings) ?? throw new DeliveryException("SMTP is not configured: set the host, port and sender in Settings → Feedback.");
                    await SmtpDelivery.SendAsync(smtp, customer.Email!, customer.Name, InvitationMessage.Compose(workspace, survey!, customer.Name, link.Url, link.ExpiresAt), ct).ConfigureAwait(false);
                }
                else
                {
                    await PostWebhookAsync(settings, invitation, customer, survey!, link, ct).ConfigureAwait(false);
                }

                invitation.Status = InvitationStatuses.Sent;
                invitation.SentAt = clock.GetUtcNow().UtcDateTime;
                invitation.Attempts++;
                invitation.LastError = null;
                sent++;
            }
            catch (Exception e) when (e is DeliveryException or SmtpException or HttpRequestException or IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                invitation.Attempts++;
                invitation.LastError = e.Message.Length > 500 ? e.Message[..500] : e.Message;
                invitation.NextAttemptAt = now + InvitationDecisions.Backoff(invitation.Attempts);
                if (invitation.Attempts >= InvitationDecisions.MaxAttempts)
                {
                    invitation.Status = InvitationStatuses.Failed;
                }

                log.LogWarning("Invitation {Invitation} attempt {Attempt} failed: {Error}", invitation.Id, invitation.Attempts, invitation.LastError);
            }

            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        return sent;
    }

    private static void Skip(Invitation invitation, string reason)
    {
        invitation.Status = InvitationStatuses.Skipped;
        invitation.SkipReason = reason;
    }

    private SmtpSettings? Smtp(LoopSettings? s) =>
        s is { SmtpHost: { } host, SmtpPort: { } port, SmtpFrom: { } from }
            ? new SmtpSettings(host, port, s.SmtpStarttls, from, s.SmtpUser, s.SmtpPasswordProtected is { } p ? Secrets.Unprotect(p) : null)
            : null;

    private async Task PostWebhookAsync(LoopSettings? settings, Invitation invitation, Customers.Customer customer, string survey, IssuedLink link, CancellationToken ct)
    {
        if (settings is not { WebhookUrl: { } url, WebhookSecretProtected: { } protectedSecret })
        {
            throw new DeliveryException("The webhook is not configured: set its URL and secret in Settings → Feedback.");
        }

        var body = JsonSerializer.Serialize(new WebhookInvitation(
            invitation.Id, "survey.invitation", db.CurrentWorkspaceId, invitation.SurveyId, survey, invitation.Touchpoint,
            new WebhookCustomer(customer.Id, customer.Name, customer.Email, customer.Phone), link.Url.AbsoluteUri, link.ExpiresAt), JsonOptions);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(Secrets.Unprotect(protectedSecret), timestamp, body));
        request.Headers.Add(WebhookSignature.DeliveryHeader, invitation.Id.ToString());
        using var client = http.CreateClient(WebhookClient);
        using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeliveryException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }

    public const string WebhookClient = "obsess-webhooks";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex Tag();
}

public sealed record WebhookCustomer(Guid Id, string? Name, string? Email, string? Phone);

/// <summary>The JSON body of an invitation webhook.</summary>
public sealed record WebhookInvitation(Guid Id, string Type, Guid WorkspaceId, Guid SurveyId, string Survey, string Touchpoint, WebhookCustomer Customer, string Link, DateTime LinkExpiresAt);

/// <summary>A delivery that failed for a reason worth retrying (or fixing in settings).</summary>
public sealed class DeliveryException(string message) : Exception(message);
