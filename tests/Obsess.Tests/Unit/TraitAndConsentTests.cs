using System.Text.Json;
using Obsess.Features.Customers;

namespace Obsess.Tests.Unit;

public class TraitAndConsentTests
{
    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Newer_traits_overwrite_older_ones_but_not_with_empty_values()
    {
        var merged = Parse(TraitMerge.Apply("""{"plan":"free","city":"Oslo"}""", """{"plan":"pro","city":"","vip":true}"""));

        merged.GetProperty("plan").GetString().ShouldBe("pro");
        merged.GetProperty("city").GetString().ShouldBe("Oslo");
        merged.GetProperty("vip").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public void First_seen_traits_keep_their_first_value()
    {
        var merged = Parse(TraitMerge.Apply("""{"created_at":"2020-01-01"}""", """{"created_at":"2024-06-01"}"""));

        merged.GetProperty("created_at").GetString().ShouldBe("2020-01-01");
    }

    [Fact]
    public void Older_traits_fill_gaps_but_do_not_overwrite()
    {
        var merged = Parse(TraitMerge.Apply("""{"plan":"pro"}""", """{"plan":"free","city":"Lima"}""", incomingIsNewer: false));

        merged.GetProperty("plan").GetString().ShouldBe("pro");
        merged.GetProperty("city").GetString().ShouldBe("Lima");
    }

    [Fact]
    public void Consent_is_never_stored_as_a_trait()
    {
        Parse(TraitMerge.Apply("{}", """{"consent":{"marketing_email":true}}""")).TryGetProperty("consent", out _).ShouldBeFalse();
    }

    [Fact]
    public void The_latest_consent_statement_wins_and_repeating_it_keeps_its_time()
    {
        var t1 = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var t2 = t1.AddDays(10);
        var json = Consent.Apply("{}", [new("marketing_email", true)], t1, "crm");

        Consent.Allows(json, "marketing_email").ShouldBeTrue();
        Consent.Read(Consent.Apply(json, [new("marketing_email", true)], t2, "web"))["marketing_email"].ShouldBe(new ConsentState(true, t1, "crm"));

        var withdrawn = Consent.Apply(json, [new("marketing_email", false)], t2, "web");
        Consent.Allows(withdrawn, "marketing_email").ShouldBeFalse();

        // An older statement arriving late does not undo a newer one.
        Consent.Allows(Consent.Apply(withdrawn, [new("marketing_email", true)], t1.AddDays(-1), "old"), "marketing_email").ShouldBeFalse();
    }

    [Fact]
    public void A_purpose_nobody_stated_is_not_allowed()
    {
        Consent.Allows("{}", "analytics").ShouldBeFalse();
        Consent.IsPurpose("marketing_email").ShouldBeTrue();
        Consent.IsPurpose("Marketing Email").ShouldBeFalse();
    }

    [Fact]
    public void Merged_consent_takes_the_most_recent_statement_per_purpose()
    {
        var t = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var a = Consent.Apply("{}", [new("email", true), new("sms", true)], t, "a");
        var b = Consent.Apply("{}", [new("email", false)], t.AddDays(1), "b");

        var merged = Consent.Read(Consent.Merge(a, b));

        merged["email"].Granted.ShouldBeFalse();
        merged["sms"].Granted.ShouldBeTrue();
    }
}
