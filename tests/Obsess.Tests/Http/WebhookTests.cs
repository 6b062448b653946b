using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>POST /v1/webhook: another service's webhooks as events of the customers they name.</summary>
public abstract class WebhookTests(ObsessAppFixture app)
{
    private const string Stripe = """
        {"id":"evt_1","type":"invoice.paid","created":1732492800,"data":{"object":{"customer":"cus_42","customer_email":" Ann@Example.com ","amount_paid":4900,"description":"Jahresabo für Zoë"}}}
        """;

    private const string StripeUrl = "eventPath=type&userIdPath=data.object.customer&emailPath=data.object.customer_email&messageIdPath=id&timestampPath=created";

    private async Task<(Guid Ws, string Key)> WorkspaceWithKeyAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        return (ws, (await app.CreateApiKeyAsync(ws, Roles.Ingest)).Key);
    }

    private static string Hook(string key, string mapping) => $"/v1/webhook?writeKey={Uri.EscapeDataString(key)}&{mapping}";

    [Fact]
    public async Task A_webhook_becomes_an_event_of_the_customer_it_names_and_a_redelivery_is_stored_once()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var sender = app.ApiClient();

        using (var first = await sender.PostAsync(Url(Hook(key, StripeUrl)), Json(Stripe)))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32().ShouldBe(1);
        }

        // The sender retries a delivery it thinks failed: same event id.
        using (var again = await sender.PostAsync(Url(Hook(key, StripeUrl)), Json(Stripe)))
        {
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicates").GetInt32().ShouldBe(1);
        }

        var stored = await app.QueryAsync(ws, db => db.Events.Select(e => new { e.Name, e.Channel, e.Source, e.OccurredAt, e.Properties, e.CustomerId }).ToListAsync());
        var e = stored.ShouldHaveSingleItem();
        e.Name.ShouldBe("invoice.paid");
        e.Channel.ShouldBe("server");
        e.Source.ShouldBe("test_ingest_key");
        e.OccurredAt.ShouldBe(new DateTime(2024, 11, 25, 0, 0, 0, DateTimeKind.Utc));
        JsonDocument.Parse(e.Properties).RootElement.GetProperty("data").GetProperty("object").GetProperty("amount_paid").GetInt32().ShouldBe(4900);
        e.Properties.ShouldContain("Jahresabo für Zoë"); // stored as sent, not \u-escaped
        var customer = await app.QueryAsync(ws, db => db.Customers.SingleAsync(c => c.Id == e.CustomerId));
        customer.Email.ShouldBe("ann@example.com");
        (await app.QueryAsync(ws, db => db.Identities.Where(i => i.CustomerId == customer.Id).Select(i => i.Kind + ":" + i.Value).OrderBy(s => s).ToListAsync()))
            .ShouldBe(["email:ann@example.com", "external:cus_42"]);
    }

    [Fact]
    public async Task A_webhook_finds_the_customer_other_sources_know_by_email()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        (await app.WriteKeyClient(key).PostAsync(Url("/v1/identify"), Json("""{"userId":"u-1","traits":{"email":"ann@example.com","name":"Ann Lee"}}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A form tool that knows only the e-mail, posting a form.
        using var form = new FormUrlEncodedContent([KeyValuePair.Create("email", "ANN@example.com"), KeyValuePair.Create("rating", "5")]);
        (await app.ApiClient().PostAsync(Url(Hook(key, "event=Form%20submitted&emailPath=email")), form)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var customers = await app.QueryAsync(ws, db => db.Customers.Where(c => c.MergedIntoId == null).Select(c => c.Id).ToListAsync());
        customers.ShouldHaveSingleItem();
        var submitted = await app.QueryAsync(ws, db => db.Events.SingleAsync(ev => ev.Name == "Form submitted"));
        submitted.CustomerId.ShouldBe(customers[0]);
        JsonDocument.Parse(submitted.Properties).RootElement.GetProperty("rating").GetString().ShouldBe("5");
    }

    [Fact]
    public async Task Payloads_the_url_cannot_place_are_rejected_by_parameter_and_the_rest_stored()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var sender = app.ApiClient();

        using var response = await sender.PostAsync(Url(Hook(key, "eventPath=topic&emailPath=customer.email&timestampPath=at")), Json("""
            [{"topic":"orders/create","customer":{"email":"bo@example.com"},"at":"2026-11-20T10:00:00Z"},
             {"topic":"orders/create","customer":{"email":"not-an-email"}},
             {"topic":"orders/create","customer":{}},
             {"topic":"orders/create","customer":{"email":"cy@example.com"},"at":"yesterday"}]
            """));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("accepted").GetInt32().ShouldBe(1);
        var rejected = body.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), string.Join(",", r.GetProperty("errors").EnumerateObject().Select(p => p.Name)))).ToList();
        rejected.ShouldBe([(1, "[1].emailPath"), (2, "[2].identity"), (3, "[3].timestampPath")]);
        (await app.QueryAsync(ws, db => db.Customers.Select(c => c.Email).ToListAsync())).ShouldBe(["bo@example.com"]);
    }

    [Fact]
    public async Task The_webhook_url_is_checked_and_takes_the_key_only_from_the_url_or_the_header()
    {
        var (ws, key) = await WorkspaceWithKeyAsync();
        var viewer = (await app.CreateApiKeyAsync(ws, Roles.Viewer)).Key;
        var sender = app.ApiClient();

        using (var misspelt = await sender.PostAsync(Url(Hook(key, "emailpath=email")), Json("""{"email":"a@example.com"}""")))
        {
            misspelt.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await misspelt.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("emailpath", out _).ShouldBeTrue();
        }

        (await sender.PostAsync(Url(Hook(key, "emailPath=email")), Json("{not json"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await sender.PostAsync(Url(Hook(key, "emailPath=email")), Json("[]"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using (var multipart = new MultipartFormDataContent { { new StringContent("a@example.com"), "email" } })
        {
            (await sender.PostAsync(Url(Hook(key, "emailPath=email")), multipart)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        }

        (await sender.PostAsync(Url(Hook("obs_nope", "emailPath=email")), Json("""{"email":"a@example.com"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await sender.PostAsync(Url(Hook(viewer, "emailPath=email")), Json("""{"email":"a@example.com"}"""))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // A payload's own writeKey is the sender's data, not a key.
        (await sender.PostAsync(Url("/v1/webhook?emailPath=email"), Json($$"""{"email":"a@example.com","writeKey":"{{key}}"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // HTTP Basic, as for every tracking call.
        (await app.WriteKeyClient(key).PostAsync(Url("/v1/webhook?emailPath=email&messageIdPath=n"), Json("""{"email":"a@example.com","n":1}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(1);
    }
}

public sealed class WebhookTests_on_sqlite(SqliteAppFixture app) : WebhookTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookTests_on_postgres(PostgresAppFixture app) : WebhookTests(app), IClassFixture<PostgresAppFixture>;
