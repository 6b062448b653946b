using Obsess.Features.Accounts;

namespace Obsess.Tests.Unit;

public sealed class PasswordHasherTests
{
    // Most tests use a low cost: PBKDF2 at today's 600,000 iterations takes a noticeable fraction of a second.
    private const int Cheap = 1_000;

    [Fact]
    public void Verify_accepts_the_password_it_hashed_at_todays_cost_without_asking_for_a_rehash()
    {
        var stored = PasswordHasher.Hash("correct horse battery staple");

        PasswordHasher.Verify("correct horse battery staple", stored, out var needsRehash).ShouldBeTrue();
        needsRehash.ShouldBeFalse();
        stored.ShouldStartWith($"pbkdf2-sha256${PasswordHasher.Iterations}$");
    }

    [Fact]
    public void Verify_rejects_a_wrong_password()
    {
        var stored = PasswordHasher.Hash("correct horse battery staple", Cheap);

        PasswordHasher.Verify("correct horse battery stapler", stored).ShouldBeFalse();
        PasswordHasher.Verify("", stored).ShouldBeFalse();
        PasswordHasher.Verify("Correct horse battery staple", stored).ShouldBeFalse();
    }

    [Fact]
    public void Hash_uses_a_new_salt_each_time()
    {
        var first = PasswordHasher.Hash("same password here", Cheap).Split('$');
        var second = PasswordHasher.Hash("same password here", Cheap).Split('$');

        first[2].ShouldNotBe(second[2]);
        first[3].ShouldNotBe(second[3]);
        Convert.FromBase64String(first[2]).Length.ShouldBe(16);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text")]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==$aGFzaA==$extra")]
    [InlineData("md5$1000$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$many$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$0$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$-5$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$not base64!$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==$not base64!")]
    public void Verify_rejects_malformed_stored_strings(string stored) =>
        PasswordHasher.Verify("any password at all", stored).ShouldBeFalse();

    [Fact]
    public void Verify_asks_for_a_rehash_when_the_stored_cost_is_below_todays()
    {
        var stored = PasswordHasher.Hash("correct horse battery staple", Cheap);

        PasswordHasher.Verify("correct horse battery staple", stored, out var needsRehash).ShouldBeTrue();
        needsRehash.ShouldBeTrue();
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("elevenchars", true)]
    [InlineData("twelve chars", false)]
    public void Weakness_requires_at_least_twelve_characters(string? password, bool weak) =>
        (PasswordHasher.Weakness(password) is not null).ShouldBe(weak);

    [Fact]
    public void Generate_makes_distinct_twenty_character_passwords_that_pass_the_policy()
    {
        var a = PasswordHasher.Generate();
        var b = PasswordHasher.Generate();

        a.Length.ShouldBe(20);
        a.ShouldNotBe(b);
        PasswordHasher.Weakness(a).ShouldBeNull();
    }
}
