using System.Security.Cryptography;
using Obsess.Features.Surveys;

namespace Obsess.Tests.Unit;

/// <summary>The signature on personal link keys: what it binds, and the shapes that are refused before any lookup.</summary>
public sealed class SurveyLinkSignatureTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly Guid Workspace = Guid.CreateVersion7();
    private static readonly Guid Survey = Guid.CreateVersion7();
    private static readonly Guid Customer = Guid.CreateVersion7();
    private static readonly Guid LinkId = Guid.CreateVersion7();
    private static readonly DateTime Expires = new(2026, 12, 24, 10, 30, 15, DateTimeKind.Utc);
    private static readonly string Signed = SurveyTokens.SignLink(Key, Workspace, Survey, SurveyTokens.NewLinkKey(LinkId), Customer, "support_resolved", Expires);

    private static bool Accepts(string k, byte[]? key = null, Guid? workspace = null, Guid? survey = null) =>
        SurveyTokens.TryReadSignedLink(k, out var link) && SurveyTokens.VerifyLink(key ?? Key, workspace ?? Workspace, survey ?? Survey, link);

    private static string Replace(int part, string value)
    {
        var parts = Signed.Split('.');
        parts[part] = value;
        return string.Join('.', parts);
    }

    [Fact]
    public void A_signed_key_reads_back_what_it_binds_and_verifies()
    {
        SurveyTokens.TryReadSignedLink(Signed, out var link).ShouldBeTrue();

        (link.LinkId, link.CustomerId, link.Touchpoint, link.ExpiresUnix).ShouldBe((LinkId, Customer, "support_resolved", new DateTimeOffset(Expires).ToUnixTimeSeconds()));
        Accepts(Signed).ShouldBeTrue();
        Signed.Length.ShouldBeLessThan(300);
    }

    [Fact]
    public void Changing_the_touchpoint_customer_expiry_link_key_or_signature_breaks_it()
    {
        Accepts(Replace(2, "onboarding")).ShouldBeFalse();
        Accepts(Replace(1, Convert.ToBase64String(Guid.CreateVersion7().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_'))).ShouldBeFalse();
        Accepts(Replace(3, (new DateTimeOffset(Expires).ToUnixTimeSeconds() + 86_400).ToString(System.Globalization.CultureInfo.InvariantCulture))).ShouldBeFalse();
        Accepts(Replace(0, SurveyTokens.NewLinkKey(Guid.CreateVersion7()))).ShouldBeFalse();
        Accepts(Replace(4, new string('A', 43))).ShouldBeFalse();
    }

    [Fact]
    public void It_does_not_verify_for_another_survey_workspace_or_key() =>
        (Accepts(Signed, survey: Guid.CreateVersion7()), Accepts(Signed, workspace: Guid.CreateVersion7()), Accepts(Signed, key: RandomNumberGenerator.GetBytes(32)))
            .ShouldBe((false, false, false));

    [Theory]
    [InlineData("")]
    [InlineData("a.b.c.d.e")]
    [InlineData("not-a-key")]
    public void Malformed_keys_are_not_read(string k) => SurveyTokens.TryReadSignedLink(k, out _).ShouldBeFalse();

    [Fact]
    public void Malformed_parts_are_not_read()
    {
        SurveyTokens.TryReadSignedLink(Replace(2, "Not A Tag"), out _).ShouldBeFalse();
        SurveyTokens.TryReadSignedLink(Replace(3, "-5"), out _).ShouldBeFalse();
        SurveyTokens.TryReadSignedLink(Replace(4, "short"), out _).ShouldBeFalse();
        SurveyTokens.TryReadSignedLink(Signed + ".extra", out _).ShouldBeFalse();
        // The unsigned key alone (the format before schema version 8) is not a signed key.
        SurveyTokens.TryReadSignedLink(Signed.Split('.')[0], out _).ShouldBeFalse();
    }
}
