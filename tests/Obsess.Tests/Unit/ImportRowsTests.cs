using System.Text.Json;
using Obsess.Features.Customers;
using Obsess.Features.Import;

namespace Obsess.Tests.Unit;

public class ImportRowsTests
{
    private static List<RawRow> Csv(string text, params string[] map) =>
        ImportReader.Read(new StringReader(text), "csv", ImportReader.ParseMap(map)).ToList();

    [Fact]
    public void Csv_headers_are_normalised_and_mapped()
    {
        var rows = Csv("ID,First Name,E-Mail Address,zip\nc1,Ann,ann@example.com,02139\n", "e_mail_address=email");

        rows.Single().Line.ShouldBe(2);
        rows.Single().Fields["first_name"].ShouldBe("Ann");
        rows.Single().Fields["email"].ShouldBe("ann@example.com");
    }

    [Fact]
    public void Quoted_fields_may_hold_commas_and_line_breaks()
    {
        var rows = Csv("id,name\nc1,\"Doe, Jr.\"\nc2,\"two\nlines\"\n");

        rows.Select(r => r.Fields["name"]).ShouldBe(["Doe, Jr.", "two\nlines"]);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_fields_names_its_line()
    {
        var e = Should.Throw<ImportFormatException>(() => Csv("id,email\nc1,a@example.com\nc2\n"));

        e.Message.ShouldContain("line 3");
    }

    [Fact]
    public void Customer_rows_keep_extra_columns_as_typed_traits_and_leading_zeros_as_text()
    {
        var raw = Csv("id,email,zip,visits,vip,consent_marketing_email\nc1,ANN@example.com,02139,12,true,false\n").Single();

        var (row, errors) = ImportRows.Validate(ImportKind.Customers, raw, "crm", "US");

        errors.ShouldBeEmpty();
        row!.Identities.ShouldBe([new IdentityKey(IdentityKinds.External, "crm", "c1"), new IdentityKey(IdentityKinds.Email, "", "ann@example.com")]);
        var traits = JsonDocument.Parse(row.Data).RootElement;
        traits.GetProperty("zip").GetString().ShouldBe("02139");
        traits.GetProperty("visits").GetDecimal().ShouldBe(12);
        traits.GetProperty("vip").GetBoolean().ShouldBeTrue();
        row.Consent["marketing_email"].ShouldBeFalse();
    }

    [Fact]
    public void Order_rows_report_every_bad_value_with_its_line_and_field()
    {
        var raw = Csv("order_id,email,ordered_at,amount,items,currency\n,nobody,31/02/2024,-5,two,dollars\n").Single();

        var (row, errors) = ImportRows.Validate(ImportKind.Orders, raw, "shop", "US");

        row.ShouldBeNull();
        errors.ShouldAllBe(e => e.Line == 2);
        errors.Select(e => e.Field).Order(StringComparer.Ordinal).ShouldBe(["amount", "currency", "email", "items", "order_id", "ordered_at"]);
    }

    [Fact]
    public void Event_rows_without_a_message_id_get_one_from_their_content()
    {
        var a = Csv("user_id,event,timestamp,plan\nu1,Signed up,2025-01-01,pro\n").Single();
        var b = Csv("user_id,event,timestamp,plan\nu1,Signed up,2025-01-01,free\n").Single();

        var first = ImportRows.Validate(ImportKind.Events, a, "app", "US").Row!;
        first.MessageId.ShouldBe(ImportRows.Validate(ImportKind.Events, a, "app", "US").Row!.MessageId);
        first.MessageId.ShouldNotBe(ImportRows.Validate(ImportKind.Events, b, "app", "US").Row!.MessageId);
        JsonDocument.Parse(first.Data).RootElement.GetProperty("plan").GetString().ShouldBe("pro");
    }
}
