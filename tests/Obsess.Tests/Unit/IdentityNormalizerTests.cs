using Obsess.Features.Customers;

namespace Obsess.Tests.Unit;

public sealed class IdentityNormalizerTests
{
    [Theory]
    [InlineData("jane.doe@example.com", "jane.doe@example.com")]
    [InlineData("  Jane.Doe@Example.COM ", "jane.doe@example.com")]
    [InlineData("\tJOHN@EXAMPLE.ORG\n", "john@example.org")]
    public void Email_is_trimmed_and_lower_cased(string raw, string expected) =>
        IdentityNormalizer.Email(raw).ShouldBe(expected);

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("jane@localhost")]
    [InlineData("jane@@example.com")]
    [InlineData("jane doe@example.com")]
    [InlineData("@example.com")]
    public void Email_refuses_values_not_shaped_like_an_address(string raw) =>
        IdentityNormalizer.Email(raw).ShouldBeNull();

    [Theory]
    [InlineData("(201) 555-0123")]
    [InlineData("201-555-0123")]
    [InlineData("201.555.0123")]
    [InlineData("2015550123")]
    [InlineData("1 201 555 0123")]
    [InlineData("+1 201 555 0123")]
    [InlineData("+1 (201) 555-0123")]
    [InlineData("001 201 555 0123")]
    public void Phone_in_any_us_format_becomes_the_same_E164_number(string raw) =>
        IdentityNormalizer.Phone(raw, "US").ShouldBe("+12015550123");

    [Theory]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("0044 20 7946 0958", "+442079460958")]
    [InlineData("+49 (30) 901820", "+4930901820")]
    public void Phone_with_an_international_prefix_keeps_its_country_code(string raw, string expected) =>
        IdentityNormalizer.Phone(raw, "US").ShouldBe(expected);

    [Theory]
    [InlineData("020 7946 0958", "GB")]
    [InlineData("555-0123", "US")]
    [InlineData("+0 123 456 789", "US")]
    [InlineData("+1 111 111 1111", "US")]
    [InlineData("+1234567890123456", "US")]
    public void Phone_refuses_numbers_it_cannot_place(string raw, string region) =>
        IdentityNormalizer.Phone(raw, region).ShouldBeNull();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData("undefined")]
    [InlineData("0")]
    [InlineData("anonymous")]
    [InlineData(" Anonymous ")]
    public void Placeholder_values_identify_nobody(string? bogus)
    {
        IdentityNormalizer.IsBogus(bogus).ShouldBeTrue();
        IdentityNormalizer.Email(bogus).ShouldBeNull();
        IdentityNormalizer.Phone(bogus).ShouldBeNull();
    }

    [Fact]
    public void A_real_value_is_not_bogus() => IdentityNormalizer.IsBogus("jane@example.com").ShouldBeFalse();
}
