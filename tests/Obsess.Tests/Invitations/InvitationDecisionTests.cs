using Obsess.Features.Customers;
using Obsess.Features.Invitations;

namespace Obsess.Tests.Invitations;

/// <summary>The invitation rules as pure functions: delay, recontact limit, sampling, consent; backoff; signatures; the message.</summary>
public sealed class InvitationDecisionTests
{
    private static readonly DateTime At = new(2026, 3, 1, 9, 30, 0, DateTimeKind.Utc);
    private static readonly Guid Customer = Guid.Parse("3f1e0c2a-9d7b-4c55-8a61-2b9f4e7d1c03");

    private static InvitationTrigger Trigger(int delay = 60, int recontact = 30, int sample = 100, string channel = Channels.Email, bool requireConsent = false) => new()
    {
        Id = Guid.Parse("0b8a1f3e-5c2d-4e6f-9a7b-1c2d3e4f5a6b"),
        Name = "After delivery",
        Source = TriggerSources.Order,
        SurveyId = Guid.NewGuid(),
        Touchpoint = "order",
        Channel = channel,
        DelayMinutes = delay,
        RecontactDays = recontact,
        SamplePercent = sample,
        RequireConsent = requireConsent,
        Enabled = true,
    };

    private static CustomerFacts Facts(string consent = "{}", string? email = "ann@example.com", bool merged = false, params DateTime[] asked) => new(email, consent, merged, asked);

    private static string ConsentJson(params (string Purpose, bool Granted)[] statements) =>
        Consent.Apply("{}", statements.Select(s => KeyValuePair.Create(s.Purpose, s.Granted)), At.AddDays(-100), "test");

    [Fact]
    public void An_invitation_is_due_the_trigger_delay_after_the_order()
    {
        var decision = InvitationDecisions.Decide(Trigger(delay: 90), Customer, At, Facts());

        decision.ShouldBe(new InvitationDecision(At.AddMinutes(90), null));
        decision.Send.ShouldBeTrue();
    }

    [Fact]
    public void A_customer_asked_within_the_recontact_limit_is_not_asked_again_for_any_survey()
    {
        var trigger = Trigger(delay: 0, recontact: 30);

        InvitationDecisions.Decide(trigger, Customer, At, Facts(asked: At.AddDays(-29))).SkipReason.ShouldBe(SkipReasons.Recontact);
        InvitationDecisions.Decide(trigger, Customer, At, Facts(asked: At.AddDays(10))).SkipReason.ShouldBe(SkipReasons.Recontact);
        InvitationDecisions.Decide(trigger, Customer, At, Facts(asked: At.AddDays(-31))).Send.ShouldBeTrue();
        InvitationDecisions.Decide(Trigger(delay: 0, recontact: 0), Customer, At, Facts(asked: At)).Send.ShouldBeTrue();
    }

    [Fact]
    public void Sampling_is_deterministic_per_customer_and_trigger_and_close_to_the_percentage()
    {
        var trigger = Guid.Parse("6d0c2b5e-7f1a-4b3c-8d9e-0f1a2b3c4d5e");
        var customers = Enumerable.Range(0, 20_000).Select(i => new Guid(i, 7, 7, [1, 2, 3, 4, 5, 6, 7, 8])).ToList();

        var first = customers.Where(c => InvitationDecisions.Sampled(trigger, c, 30)).ToList();
        var again = customers.Where(c => InvitationDecisions.Sampled(trigger, c, 30)).ToList();
        var otherTrigger = customers.Where(c => InvitationDecisions.Sampled(Guid.Parse("a1b2c3d4-0000-4000-8000-000000000001"), c, 30)).ToList();

        again.ShouldBe(first);
        ((double)first.Count / customers.Count).ShouldBeInRange(0.28, 0.32);
        otherTrigger.ShouldNotBe(first);
        customers.ShouldAllBe(c => InvitationDecisions.Sampled(trigger, c, 100));
        customers.ShouldAllBe(c => !InvitationDecisions.Sampled(trigger, c, 0));
        InvitationDecisions.Decide(Trigger(sample: 0), Customer, At, Facts()).SkipReason.ShouldBe(SkipReasons.NotSampled);
    }

    [Fact]
    public void Customers_who_refused_survey_or_email_consent_are_skipped_and_required_consent_must_be_granted()
    {
        InvitationDecisions.Decide(Trigger(), Customer, At, Facts(ConsentJson(("survey", false)))).SkipReason.ShouldBe(SkipReasons.NoConsent);
        InvitationDecisions.Decide(Trigger(), Customer, At, Facts(ConsentJson(("marketing_email", false)))).SkipReason.ShouldBe(SkipReasons.NoConsent);
        InvitationDecisions.Decide(Trigger(channel: Channels.Webhook), Customer, At, Facts(ConsentJson(("marketing_email", false)))).Send.ShouldBeTrue();
        InvitationDecisions.Decide(Trigger(), Customer, At, Facts(ConsentJson(("analytics", false)))).Send.ShouldBeTrue();
        InvitationDecisions.Decide(Trigger(requireConsent: true), Customer, At, Facts()).SkipReason.ShouldBe(SkipReasons.NoConsent);
        InvitationDecisions.Decide(Trigger(requireConsent: true), Customer, At, Facts(ConsentJson(("survey", true)))).Send.ShouldBeTrue();
        InvitationDecisions.Decide(Trigger(), Customer, At, Facts(email: null)).SkipReason.ShouldBe(SkipReasons.NoEmail);
        InvitationDecisions.Decide(Trigger(channel: Channels.Webhook), Customer, At, Facts(email: null)).Send.ShouldBeTrue();
        InvitationDecisions.Decide(Trigger(), Customer, At, Facts(merged: true)).SkipReason.ShouldBe(SkipReasons.Merged);
    }

    [Fact]
    public void Retries_back_off_from_a_minute_to_half_a_day()
    {
        Enumerable.Range(1, 6).Select(InvitationDecisions.Backoff).ShouldBe(
            [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(12), TimeSpan.FromHours(12)]);
    }

    [Fact]
    public void The_webhook_signature_is_the_hex_hmac_of_timestamp_dot_body_and_verification_rejects_tampering_and_replays()
    {
        const string secret = "whsec_0123456789abcdef01234567";
        const string body = "{\"id\":1}";
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        // Python: hmac.new(secret, b'1700000000.{"id":1}', sha256).hexdigest()
        WebhookSignature.Sign(secret, 1_700_000_000, body).ShouldBe("sha256=27e2812dc4af2c5ad77825cf688c6d67b45390592006f682828403fd3d5c7882");
        var signature = WebhookSignature.Sign(secret, now.ToUnixTimeSeconds(), body);
        WebhookSignature.Verify(secret, "1700000000", signature, body, now.AddMinutes(4)).ShouldBeTrue();
        WebhookSignature.Verify(secret, "1700000000", signature, "{\"id\":2}", now).ShouldBeFalse();
        WebhookSignature.Verify("another secret of enough length!", "1700000000", signature, body, now).ShouldBeFalse();
        WebhookSignature.Verify(secret, "1700000001", signature, body, now).ShouldBeFalse();
        WebhookSignature.Verify(secret, "1700000000", signature, body, now.AddMinutes(6)).ShouldBeFalse();
        WebhookSignature.Verify(secret, null, signature, body, now).ShouldBeFalse();
    }

    [Fact]
    public void The_message_has_the_link_in_both_parts_and_escapes_names_in_html()
    {
        var link = new Uri("https://obsess.example.com/s/abc?k=def&x=1");

        var message = InvitationMessage.Compose("Shop & Co", "Delivery <NPS>", "Zoë <script>", link, At);

        message.Subject.ShouldBe("Shop & Co: how did we do?");
        message.Text.ShouldContain("Hello Zoë <script>,");
        message.Text.ShouldContain(link.AbsoluteUri);
        message.Html.ShouldContain("href=\"https://obsess.example.com/s/abc?k=def&amp;x=1\"");
        message.Html.ShouldNotContain("<script>");
        message.Html.ShouldContain("Hello Zoë &lt;script&gt;,");
        message.Html.ShouldContain("Shop &amp; Co");
    }
}
