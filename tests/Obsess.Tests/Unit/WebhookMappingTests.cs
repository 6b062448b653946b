using System.Text.Json;
using Obsess.Features.Ingestion;

namespace Obsess.Tests.Unit;

/// <summary>How a webhook URL's parameters turn a payload into a track call, and what they refuse.</summary>
public class WebhookMappingTests
{
    // Shaped like a Stripe event: the delivery's id, its type, Unix seconds, the customer deep inside.
    private const string Stripe = """
        {"id":"evt_1Nq","type":"invoice.paid","created":1732492800,
         "data":{"object":{"id":"in_9","customer":"cus_42","customer_email":"Ann@Example.com","amount_paid":4900,"lines":{"data":[{"price":{"id":"price_pro"}}]}}}}
        """;

    private static WebhookMapping Mapping(params (string Name, string Value)[] query)
    {
        var (mapping, errors) = WebhookMapping.FromQuery(query.Select(q => KeyValuePair.Create(q.Name, (string?)q.Value)));
        errors.ShouldBeEmpty();
        return mapping!;
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void The_url_names_where_the_payload_keeps_the_event_the_customer_the_delivery_id_and_the_time()
    {
        var mapping = Mapping(("writeKey", "obs_x"), ("eventPath", "type"), ("userIdPath", "data.object.customer"), ("emailPath", "data.object.customer_email"), ("messageIdPath", "id"), ("timestampPath", "created"));

        var (message, errors) = mapping.ToMessage(Json(Stripe));

        errors.ShouldBeEmpty();
        message!["type"]!.GetValue<string>().ShouldBe("track");
        message["event"]!.GetValue<string>().ShouldBe("invoice.paid");
        message["userId"]!.GetValue<string>().ShouldBe("cus_42");
        message["context"]!["traits"]!["email"]!.GetValue<string>().ShouldBe("Ann@Example.com");
        message["context"]!["channel"]!.GetValue<string>().ShouldBe("server");
        message["messageId"]!.GetValue<string>().ShouldBe("evt_1Nq");
        DateTimeOffset.Parse(message["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(new DateTimeOffset(2024, 11, 25, 0, 0, 0, TimeSpan.Zero));
        // The whole payload is the event's properties unless propertiesPath picks a part.
        message["properties"]!["data"]!["object"]!["amount_paid"]!.GetValue<int>().ShouldBe(4900);
        Mapping(("emailPath", "data.object.customer_email"), ("propertiesPath", "data.object")).ToMessage(Json(Stripe)).Message!["properties"]!["amount_paid"]!.GetValue<int>().ShouldBe(4900);
    }

    [Fact]
    public void Without_parameters_a_payload_is_rudderstacks_webhook_event_but_still_needs_a_customer()
    {
        var (message, errors) = Mapping().ToMessage(Json("""{"anything":1}"""));

        message.ShouldBeNull();
        errors["identity"].Single().ShouldContain("emailPath");
        var named = Mapping(("anonymousIdPath", "visitor")).ToMessage(Json("""{"visitor":"v-1"}""")).Message!;
        named["event"]!.GetValue<string>().ShouldBe(WebhookMapping.DefaultEvent);
        named["anonymousId"]!.GetValue<string>().ShouldBe("v-1");
        Mapping(("event", "Form submitted"), ("emailPath", "email")).ToMessage(Json("""{"email":"a@b.co"}""")).Message!["event"]!.GetValue<string>().ShouldBe("Form submitted");
    }

    [Fact]
    public void Paths_walk_into_lists_by_number_and_read_numbers_as_written()
    {
        var mapping = Mapping(("eventPath", "data.object.lines.data.0.price.id"), ("userIdPath", "data.object.amount_paid"), ("timestampPath", "ms"));

        var message = mapping.ToMessage(Json(Stripe.Replace("\"id\":\"evt_1Nq\",", "\"id\":\"evt_1Nq\",\"ms\":1732492800123,", StringComparison.Ordinal))).Message!;

        message["event"]!.GetValue<string>().ShouldBe("price_pro");
        message["userId"]!.GetValue<string>().ShouldBe("4900");
        DateTimeOffset.Parse(message["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds().ShouldBe(1732492800123);
        WebhookMapping.At(Json("""{"a":[{"b":1}]}"""), "a.1.b").ShouldBeNull();
        WebhookMapping.At(Json("""{"a":[{"b":1}]}"""), "a.-1").ShouldBeNull();
    }

    [Fact]
    public void A_path_to_an_object_or_a_missing_customer_is_named_by_its_parameter()
    {
        var mapping = Mapping(("emailPath", "data.object"), ("userIdPath", "nowhere"));

        var (_, errors) = mapping.ToMessage(Json(Stripe));

        errors.Keys.ShouldBe(["emailPath"]);
        errors["emailPath"].Single().ShouldContain("an object");
        Mapping(("userIdPath", "nowhere"), ("phonePath", "also.nowhere")).ToMessage(Json(Stripe)).Errors["identity"].Single()
            .ShouldBe("No customer: the payload has no value at userIdPath 'nowhere', phonePath 'also.nowhere'.");
        Mapping(("emailPath", "data.object.customer_email"), ("propertiesPath", "type")).ToMessage(Json(Stripe)).Errors.Keys.ShouldBe(["propertiesPath"]);
        Mapping(("emailPath", "data.object.customer_email")).ToMessage(Json("[1]")).Errors.Keys.ShouldBe([""]);
    }

    [Fact]
    public void Unknown_empty_or_malformed_parameters_are_refused_by_name()
    {
        var (mapping, errors) = WebhookMapping.FromQuery([KeyValuePair.Create("emailpath", (string?)"email"), KeyValuePair.Create("userIdPath", (string?)"a..b"), KeyValuePair.Create("event", (string?)" ")]);

        mapping.ShouldBeNull();
        errors.Keys.ShouldBe(["emailpath", "userIdPath", "event"], ignoreOrder: true);
        errors["emailpath"].Single().ShouldContain("Unknown parameter");
    }

    [Fact]
    public void The_calls_own_fields_are_reported_as_the_parameters_that_filled_them()
    {
        var byPath = Mapping(("eventPath", "type"));
        var fixedName = Mapping(("event", "x"));

        byPath.ParameterOf("traits.email").ShouldBe("emailPath");
        byPath.ParameterOf("timestamp").ShouldBe("timestampPath");
        byPath.ParameterOf("event").ShouldBe("eventPath");
        fixedName.ParameterOf("event").ShouldBe("event");
    }
}
