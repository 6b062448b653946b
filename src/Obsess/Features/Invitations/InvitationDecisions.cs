using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Obsess.Features.Customers;

namespace Obsess.Features.Invitations;

/// <summary>What is known about the customer when an invitation is decided.</summary>
/// <param name="AskedAt">Due times of the customer's invitations that were sent or are scheduled (to any survey).</param>
public sealed record CustomerFacts(string? Email, string Consent, bool Merged, IReadOnlyList<DateTime> AskedAt);

/// <summary>Send at <paramref name="DueAt"/>, or record it as skipped with a reason.</summary>
public sealed record InvitationDecision(DateTime DueAt, string? SkipReason)
{
    public bool Send => SkipReason is null;
}

/// <summary>
/// The invitation rules as pure functions: delay, consent, sampling and the recontact limit, and the retry backoff.
/// The job applies them when an order or event is seen and checks consent again just before sending.
/// </summary>
public static class InvitationDecisions
{
    public const string SurveyPurpose = "survey";
    public const string EmailPurpose = "marketing_email";
    public const int MaxAttempts = 6;

    /// <summary>
    /// Due <see cref="InvitationTrigger.DelayMinutes"/> after the order or event; skipped for a merged profile, missing
    /// consent or address, outside the sample, or when the customer was asked within the recontact limit.
    /// </summary>
    public static InvitationDecision Decide(InvitationTrigger trigger, Guid customerId, DateTime occurredAt, CustomerFacts customer)
    {
        var due = occurredAt.AddMinutes(trigger.DelayMinutes);
        var reason = BlockedNow(trigger.Channel, trigger.RequireConsent, customer)
            ?? (!Sampled(trigger.Id, customerId, trigger.SamplePercent) ? SkipReasons.NotSampled : null)
            ?? (RecentlyAsked(customer.AskedAt, due, trigger.RecontactDays) ? SkipReasons.Recontact : null);
        return new InvitationDecision(due, reason);
    }

    /// <summary>What would stop a send right now (re-checked at send time): merged profile, consent, no address.</summary>
    public static string? BlockedNow(string channel, bool requireConsent, CustomerFacts customer)
    {
        if (customer.Merged)
        {
            return SkipReasons.Merged;
        }

        if (!ConsentAllows(customer.Consent, channel, requireConsent))
        {
            return SkipReasons.NoConsent;
        }

        return channel == Channels.Email && string.IsNullOrWhiteSpace(customer.Email) ? SkipReasons.NoEmail : null;
    }

    /// <summary>
    /// A customer who refused survey consent is never invited, nor by e-mail one who refused marketing e-mail.
    /// With <paramref name="requireConsent"/>, only customers who granted survey consent are.
    /// </summary>
    public static bool ConsentAllows(string consentJson, string channel, bool requireConsent)
    {
        var consent = Consent.Read(consentJson);
        if (consent.TryGetValue(SurveyPurpose, out var survey) && !survey.Granted)
        {
            return false;
        }

        if (channel == Channels.Email && consent.TryGetValue(EmailPurpose, out var email) && !email.Granted)
        {
            return false;
        }

        return !requireConsent || (survey?.Granted ?? false);
    }

    /// <summary>
    /// Whether the customer is in the trigger's sample: the first 32 bits of SHA-256("trigger:customer") mod 10,000
    /// against percent × 100, so retries, restarts and every node agree, and each trigger samples independently.
    /// </summary>
    public static bool Sampled(Guid triggerId, Guid customerId, int percent)
    {
        if (percent >= 100)
        {
            return true;
        }

        if (percent <= 0)
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.ASCII.GetBytes($"{triggerId:N}:{customerId:N}"));
        return BinaryPrimitives.ReadUInt32BigEndian(hash) % 10_000 < (uint)(percent * 100);
    }

    /// <summary>True when the customer was (or will be) asked within <paramref name="days"/> days of <paramref name="due"/>.</summary>
    public static bool RecentlyAsked(IEnumerable<DateTime> askedAt, DateTime due, int days) =>
        days > 0 && askedAt.Any(a => (a - due).Duration() < TimeSpan.FromDays(days));

    /// <summary>Wait before retry n (1-based): 1 min, 5 min, 30 min, 2 h, 12 h; after <see cref="MaxAttempts"/> it has failed.</summary>
    public static TimeSpan Backoff(int attempts) => attempts switch
    {
        <= 1 => TimeSpan.FromMinutes(1),
        2 => TimeSpan.FromMinutes(5),
        3 => TimeSpan.FromMinutes(30),
        4 => TimeSpan.FromHours(2),
        _ => TimeSpan.FromHours(12),
    };
}
