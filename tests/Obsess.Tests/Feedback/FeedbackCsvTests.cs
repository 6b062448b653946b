using Obsess.Features.Feedback;
using Obsess.Features.Import;

namespace Obsess.Tests.Feedback;

public sealed class FeedbackCsvTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+44 20", "'+44 20")]
    [InlineData("-3", "'-3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"")]
    public void Cells_are_quoted_per_rfc_4180_and_formulas_are_defused(string? value, string expected) =>
        FeedbackCsv.Cell(value).ShouldBe(expected);

    private static RawRow Row(params (string Key, string? Value)[] fields) => new(7, fields.ToDictionary(f => f.Key, f => f.Value));

    [Fact]
    public void A_review_without_an_id_gets_a_stable_one_from_its_content()
    {
        var a = ReviewRows.Validate(Row(("rating", "4"), ("date", "2026-03-01"), ("text", "Good")), "site", "US").Row!;
        var b = ReviewRows.Validate(Row(("rating", "4"), ("date", "2026-03-01"), ("text", "Good")), "site", "US").Row!;
        var c = ReviewRows.Validate(Row(("rating", "4"), ("date", "2026-03-01"), ("text", "Good!")), "site", "US").Row!;

        a.ExternalId.ShouldStartWith("sha256:");
        a.ExternalId.ShouldBe(b.ExternalId);
        c.ExternalId.ShouldNotBe(a.ExternalId);
    }

    [Fact]
    public void A_customer_id_needs_its_source_and_identities_are_normalised()
    {
        var (row, errors) = ReviewRows.Validate(Row(("rating", "4"), ("date", "2026-03-01"), ("customer_id", "C-1")), "site", "US");
        row.ShouldBeNull();
        errors.Select(e => (e.Line, e.Field)).ShouldBe([(7, "customer_source")]);

        var ok = ReviewRows.Validate(Row(("rating", "4"), ("date", "2026-03-01"), ("customer_id", "C-1"), ("customer_source", "crm"), ("email", " Ann@Example.COM"), ("phone", "(415) 555-0100")), "site", "US").Row!;
        ok.Identities.Select(i => $"{i.Kind}|{i.Source}|{i.Value}").ShouldBe(["external|crm|C-1", "email||ann@example.com", "phone||+14155550100"]);
    }

    [Fact]
    public void Ratings_must_fit_the_scale()
    {
        ReviewRows.Validate(Row(("rating", "9"), ("date", "2026-03-01"), ("scale_max", "10")), "site", "US").Row!.ScaleMax.ShouldBe(10);
        ReviewRows.Validate(Row(("rating", "9"), ("date", "2026-03-01")), "site", "US").Errors.Single().Field.ShouldBe("rating");
        ReviewRows.Validate(Row(("stars", "x"), ("date", "2026-03-01")), "site", "US").Errors.Single().Field.ShouldBe("stars");
    }
}
