using System.Text.Json;
using Obsess.Features.Ingestion;

namespace Obsess.Tests.Unit;

public class SegmentParserTests
{
    private static readonly DateTime Received = new(2026, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    private static (SegmentMessage? Message, Dictionary<string, string[]> Errors) Parse(string json, string? type = null) =>
        SegmentParser.Parse(JsonDocument.Parse(json).RootElement, type, Received, null, "US");

    [Fact]
    public void Identify_reads_ids_traits_email_and_phone()
    {
        var (m, errors) = Parse("""{"type":"identify","userId":42,"anonymousId":"a-1","messageId":"m-1","traits":{"email":" Ann@Example.COM ","phone":"(415) 555-0100","firstName":"Ann","lastName":"Lee"}}""");

        errors.ShouldBeEmpty();
        m!.UserId.ShouldBe("42");
        m.Email.ShouldBe("ann@example.com");
        m.Phone.ShouldBe("+14155550100");
        m.Name.ShouldBe("Ann Lee");
        m.MessageId.ShouldBe("m-1");
    }

    [Fact]
    public void A_message_made_from_a_webhook_is_identified_by_its_email_but_not_by_a_placeholder()
    {
        static (SegmentMessage? Message, Dictionary<string, string[]> Errors) Webhook(string email) =>
            SegmentParser.Parse(JsonDocument.Parse("{\"event\":\"x\",\"context\":{\"traits\":{\"email\":\"" + email + "\"}}}").RootElement, "track", Received, null, "US", webhook: true);

        Webhook("ann@example.com").Message.ShouldNotBeNull().Email.ShouldBe("ann@example.com");
        var (m, errors) = Webhook("null");
        m.ShouldBeNull();
        errors.Keys.ShouldBe(["identity"]);
    }

    [Theory]
    [InlineData("""{"type":"track","event":"x"}""", "userId")]
    [InlineData("""{"type":"track","userId":"null","event":"x"}""", "userId")]
    [InlineData("""{"type":"track","userId":"u","event":""}""", "event")]
    [InlineData("""{"type":"boom","userId":"u"}""", "type")]
    [InlineData("""{"type":"track","userId":"u","event":"x","timestamp":"yesterday"}""", "timestamp")]
    [InlineData("""{"type":"identify","userId":"u","traits":{"email":"not-mail"}}""", "traits.email")]
    [InlineData("""{"type":"identify","userId":"u","traits":"x"}""", "traits")]
    [InlineData("""{"type":"alias","userId":"u"}""", "previousId")]
    [InlineData("""{"type":"identify","userId":{"a":1}}""", "userId")]
    public void Invalid_messages_name_the_field_at_fault(string json, string field)
    {
        var (m, errors) = Parse(json);

        m.ShouldBeNull();
        errors.Keys.ShouldContain(field);
    }

    [Fact]
    public void Clock_skew_is_corrected_with_sent_at()
    {
        // The device clock runs an hour fast: it says the event happened 10 minutes before it was sent.
        var (m, _) = Parse("""{"type":"track","userId":"u","event":"x","timestamp":"2026-05-01T12:50:00Z","sentAt":"2026-05-01T13:00:00Z"}""");

        m!.Timestamp.ShouldBe(Received.AddMinutes(-10));
    }

    [Fact]
    public void The_same_message_without_an_id_gets_the_same_id()
    {
        const string json = """{"type":"track","userId":"u","event":"x","timestamp":"2026-05-01T10:00:00Z"}""";

        Parse(json).Message!.MessageId.ShouldBe(Parse(json).Message!.MessageId);
        Parse(json).Message!.MessageId.ShouldNotBe(Parse(json.Replace("\"x\"", "\"y\"", StringComparison.Ordinal)).Message!.MessageId);
    }

    [Fact]
    public void Consent_comes_from_traits_and_from_the_segment_consent_context()
    {
        var (m, errors) = Parse("""{"type":"identify","userId":"u","traits":{"consent":{"Marketing Email":true}},"context":{"consent":{"categoryPreferences":{"advertising":false}}}}""");

        errors.ShouldBeEmpty();
        m!.Consent["marketing_email"].ShouldBeTrue();
        m.Consent["advertising"].ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"channel":"email"}}""", "email")]
    [InlineData("""{"type":"track","userId":"u","event":"x","channel":"mobile"}""", "mobile")]
    [InlineData("""{"type":"track","userId":"u","event":"x","channel":"server"}""", "server")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"device":{"type":"ios"},"library":{"name":"analytics-swift"}}}""", "mobile")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"os":{"name":"Android"}}}""", "mobile")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"library":{"name":"@segment/analytics-react-native"}}}""", "mobile")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"library":{"name":"@segment/analytics-node"}}}""", "server")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"library":{"name":"analytics-python"}}}""", "server")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"library":{"name":"analytics.js","version":"next-1.84.3"}}}""", "web")]
    [InlineData("""{"type":"track","userId":"u","event":"x","context":{"library":{"name":"RudderLabs JavaScript SDK"}}}""", "web")]
    [InlineData("""{"type":"screen","userId":"u","name":"Home"}""", "mobile")]
    [InlineData("""{"type":"track","userId":"u","event":"x"}""", "web")]
    public void The_channel_is_what_the_sender_states_else_what_its_device_or_sdk_says(string json, string channel) =>
        Parse(json).Message!.Channel.ShouldBe(channel);

    [Fact]
    public void A_batch_context_applies_where_the_message_context_is_silent()
    {
        using var batch = JsonDocument.Parse("""{"library":{"name":"analytics-java"},"consent":{"categoryPreferences":{"analytics":true}},"traits":{"email":"ann@example.com"}}""");
        using var quiet = JsonDocument.Parse("""{"type":"track","userId":"u","event":"x"}""");
        using var own = JsonDocument.Parse("""{"type":"track","userId":"u","event":"x","context":{"library":{"name":"analytics-ios"},"consent":{"categoryPreferences":{"analytics":false}}}}""");

        var (fromBatch, errors) = SegmentParser.Parse(quiet.RootElement, null, Received, null, "US", batch.RootElement);
        var (fromOwn, _) = SegmentParser.Parse(own.RootElement, null, Received, null, "US", batch.RootElement);

        errors.ShouldBeEmpty();
        (fromBatch!.Channel, fromBatch.Consent["analytics"], fromBatch.Email).ShouldBe(("server", true, "ann@example.com"));
        (fromOwn!.Channel, fromOwn.Consent["analytics"], fromOwn.Email).ShouldBe(("mobile", false, "ann@example.com"));
    }
}
