using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>The Segment-compatible /v1 API: durable, idempotent, resolving identities, and reversible merges.</summary>
public abstract class IngestionTests(ObsessAppFixture app)
{
    /// <summary>A client that sends the write key the way Segment's SDKs do: HTTP Basic, key as user, empty password.</summary>
    private HttpClient WriteClient(string key) => app.WriteKeyClient(key);

    private async Task<(Guid Ws, HttpClient Writer, HttpClient Reader, HttpClient Admin)> WorkspaceAsync()
    {
        var ws = await app.CreateWorkspaceAsync();
        var ingest = await app.CreateApiKeyAsync(ws, Roles.Ingest);
        var viewer = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        var admin = await app.CreateApiKeyAsync(ws, Roles.Admin);
        return (ws, WriteClient(ingest.Key), app.ApiClient(viewer.Key), app.ApiClient(admin.Key));
    }

    [Fact]
    public async Task Identify_then_track_builds_one_customer_with_normalised_identities()
    {
        var (ws, writer, reader, _) = await WorkspaceAsync();

        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-1","anonymousId":"anon-1","traits":{"email":" Ann@Example.com ","name":"Ann Lee","plan":"pro"},"messageId":"m-1"}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await writer.PostAsync(Url("/v1/track"), Json("""{"anonymousId":"anon-1","event":"Viewed cart","properties":{"items":2},"messageId":"m-2"}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var customers = await app.QueryAsync(ws, db => db.Customers.ToListAsync());
        var customer = customers.ShouldHaveSingleItem();
        (customer.Name, customer.Email).ShouldBe(("Ann Lee", "ann@example.com"));
        var profile = await reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}"));
        profile!.Identities.Select(i => (i.Kind, i.Value)).Order().ShouldBe([("anonymous", "anon-1"), ("email", "ann@example.com"), ("external", "u-1")]);
        profile.Timeline.Items.Select(e => e.Title).ShouldBe(["Viewed cart", "Identified"], ignoreOrder: true);
        profile.Traits["plan"].GetString().ShouldBe("pro");
    }

    [Fact]
    public async Task Profile_basics_and_totals_are_the_same_whether_or_not_the_page_holds_every_event()
    {
        var (ws, writer, reader, _) = await WorkspaceAsync();
        var channels = new[] { "web", "mobile", "email" };
        var batch = JsonSerializer.Serialize(new
        {
            batch = Enumerable.Range(0, 9).Select(i => new
            {
                type = "track",
                userId = "many-channels",
                @event = $"Step {i}",
                messageId = $"mc-{i}",
                timestamp = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc).AddMinutes(i),
                context = new { channel = channels[i % 3] },
            }),
        });
        (await writer.PostAsync(Url("/v1/batch"), Json(batch))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var id = (await app.QueryAsync(ws, db => db.Customers.ToListAsync())).ShouldHaveSingleItem().Id;

        // A page with room for every event (the profile counts channels from the page itself) and a page of one (it
        // counts them in the database) must describe the same customer.
        var whole = await reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{id}?pageSize=200"));
        var one = await reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{id}?pageSize=1"));

        whole!.Timeline.Items.Count.ShouldBe(9);
        whole.Basics.Channels.ShouldBe(["email", "mobile", "web"]);
        one!.Timeline.Items.ShouldHaveSingleItem().Title.ShouldBe("Step 8");
        one.Timeline.Total.ShouldBe(9);
        one.Basics.Channels.ShouldBe(whole.Basics.Channels);
        one.Basics.Sources.ShouldBe(whole.Basics.Sources);
        one.Basics.FirstSeenAt.ShouldBe(whole.Basics.FirstSeenAt);
    }

    [Fact]
    public async Task The_same_batch_sent_five_times_at_once_is_stored_once()
    {
        var (ws, writer, _, _) = await WorkspaceAsync();
        var batch = JsonSerializer.Serialize(new
        {
            batch = Enumerable.Range(0, 50).Select(i => new
            {
                type = "track",
                userId = $"user-{i % 7}",
                @event = "Played",
                messageId = $"storm-{i}",
                traits = new { email = $"p{i % 7}@example.com" },
            }),
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => writer.PostAsync(Url("/v1/batch"), Json(batch))));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<JsonElement>()));
        bodies.Sum(b => b.GetProperty("accepted").GetInt32()).ShouldBe(50);
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(50);
        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(7);
        (await app.QueryAsync(ws, db => db.Identities.CountAsync())).ShouldBe(14);
    }

    [Fact]
    public async Task Batches_sent_at_once_are_each_answered_for_their_own_messages()
    {
        var (ws, writer, _, _) = await WorkspaceAsync();
        // Six different batches at once (written together when they queue up), sharing customers, one of them a
        // repeat of another: every answer counts only its own batch, and each message is stored once.
        string Batch(int b) => JsonSerializer.Serialize(new
        {
            batch = Enumerable.Range(0, 10 + b).Select(i => new
            {
                type = "track",
                userId = $"user-{i % 4}",
                @event = "Played",
                messageId = $"b{b % 5}-{i}",
                traits = new { email = $"p{i % 4}@example.com" },
            }),
        });

        var sizes = Enumerable.Range(0, 6).Select(b => 10 + b).ToArray();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(b => writer.PostAsync(Url("/v1/batch"), Json(Batch(b)))));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<JsonElement>()));
        for (var b = 0; b < 6; b++)
        {
            (bodies[b].GetProperty("accepted").GetInt32() + bodies[b].GetProperty("duplicates").GetInt32()).ShouldBe(sizes[b]);
        }

        for (var b = 1; b < 5; b++)
        {
            bodies[b].GetProperty("accepted").GetInt32().ShouldBe(sizes[b]);
        }

        // Batch 5 repeats batch 0's ten message ids and adds five: whichever of the two is written first stores the ten.
        (bodies[0].GetProperty("accepted").GetInt32() + bodies[5].GetProperty("accepted").GetInt32()).ShouldBe(15);
        var stored = 15 + sizes[1..5].Sum();
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(stored);
        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(4);
    }

    [Fact]
    public async Task A_batch_stores_its_valid_messages_and_names_the_rejected_ones()
    {
        var (ws, writer, _, _) = await WorkspaceAsync();

        using var response = await writer.PostAsync(Url("/v1/batch"), Json("""
            {"batch":[
              {"type":"track","userId":"u1","event":"Ok","messageId":"good-1"},
              {"type":"track","userId":"undefined","event":"Bad","messageId":"bad-1"},
              {"type":"identify","userId":"u2","traits":{"email":"nope"},"messageId":"bad-2"},
              {"type":"page","anonymousId":"a1","name":"Home","messageId":"good-2"}
            ]}
            """));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("accepted").GetInt32().ShouldBe(2);
        var rejected = body.GetProperty("rejected").EnumerateArray().ToList();
        rejected.Select(r => r.GetProperty("index").GetInt32()).ShouldBe([1, 2]);
        rejected[0].GetProperty("errors").TryGetProperty("batch[1].userId", out _).ShouldBeTrue();
        rejected[1].GetProperty("errors").TryGetProperty("batch[2].traits.email", out _).ShouldBeTrue();
        (await app.QueryAsync(ws, db => db.Events.Select(e => e.MessageId).OrderBy(m => m).ToListAsync())).ShouldBe(["good-1", "good-2"]);
    }

    [Fact]
    public async Task A_batch_with_no_valid_message_is_a_400_problem_and_stores_nothing()
    {
        var (ws, writer, _, _) = await WorkspaceAsync();

        using var response = await writer.PostAsync(Url("/v1/batch"), Json("""{"batch":[{"type":"track","event":"x"}]}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["batch[0].userId"]);
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task Malformed_json_and_wrong_keys_are_refused()
    {
        var (_, writer, reader, _) = await WorkspaceAsync();

        await ProblemAssert.IsProblemAsync(await writer.PostAsync(Url("/v1/track"), Json("{not json")), HttpStatusCode.BadRequest);

        // A viewer key may read but not send; an unknown key is not let in at all.
        var viewerKey = reader.DefaultRequestHeaders.Authorization!.Parameter!;
        (await WriteClient(viewerKey).PostAsync(Url("/v1/track"), Json("""{"userId":"u","event":"x"}"""))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await WriteClient("obs_nope").PostAsync(Url("/v1/track"), Json("""{"userId":"u","event":"x"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await app.ApiClient().PostAsync(Url("/v1/track"), Json("""{"userId":"u","event":"x"}"""))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Merge_then_split_restores_both_profiles_exactly()
    {
        var (ws, writer, reader, admin) = await WorkspaceAsync();
        await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-7","traits":{"email":"kim@example.com","name":"Kim","plan":"pro"},"messageId":"k1","timestamp":"2026-01-01T10:00:00Z"}"""));
        await writer.PostAsync(Url("/v1/page"), Json("""{"anonymousId":"device-7","name":"Pricing","messageId":"k2","timestamp":"2026-01-02T10:00:00Z"}"""));
        await writer.PostAsync(Url("/v1/identify"), Json("""{"anonymousId":"device-7","traits":{"city":"Oslo","consent":{"analytics":true}},"messageId":"k3","timestamp":"2026-01-03T10:00:00Z"}"""));
        var ids = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync());
        ids.Count.ShouldBe(2);
        var before = await Task.WhenAll(ids.Select(id => reader.GetStringAsync(Url($"/api/customers/{id}"))));

        // The alias links the device to the known user: the two profiles merge into the older one.
        var alias = await writer.PostAsync(Url("/v1/alias"), Json("""{"previousId":"device-7","userId":"u-7","messageId":"k4","timestamp":"2026-01-04T10:00:00Z"}"""));
        (await alias.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("merges").GetInt32().ShouldBe(1);
        var survivor = await reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{ids[0]}"));
        survivor!.Identities.Select(i => i.Value).ShouldContain("device-7");
        survivor.Traits["city"].GetString().ShouldBe("Oslo");
        survivor.Consent["analytics"].Granted.ShouldBeTrue();
        (await reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{ids[1]}")))!.Id.ShouldBe(ids[0]);
        var merges = await reader.GetFromJsonAsync<List<MergeView>>(Url($"/api/customers/{ids[0]}/merges"));
        merges.ShouldHaveSingleItem().MergedId.ShouldBe(ids[1]);

        (await reader.PostAsync(Url($"/api/customers/{ids[0]}/split"), null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await admin.PostAsync(Url($"/api/customers/{ids[0]}/split"), null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Both profiles read as before the merge, except the alias event itself, which stays where it was stored.
        var after = await Task.WhenAll(ids.Select(id => reader.GetStringAsync(Url($"/api/customers/{id}"))));
        Without(after[0], "Aliased").ShouldBe(Without(before[0], "Aliased"));
        after[1].ShouldBe(before[1]);
        await ProblemAssert.IsProblemAsync(await admin.PostAsync(Url($"/api/customers/{ids[0]}/split"), null), HttpStatusCode.Conflict);
    }

    /// <summary>A profile's JSON with timeline entries titled <paramref name="title"/> removed (and the total adjusted).</summary>
    private static string Without(string profileJson, string title)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(profileJson)!;
        var items = node["timeline"]!["items"]!.AsArray();
        var removed = items.Where(i => (string?)i!["title"] == title).ToList();
        foreach (var r in removed)
        {
            items.Remove(r);
        }

        node["timeline"]!["total"] = (int)node["timeline"]!["total"]! - removed.Count;
        node["basics"]!["lastSeenAt"] = null;
        return node.ToJsonString();
    }

    [Fact]
    public async Task Profiles_born_in_one_batch_and_merged_later_keep_the_one_the_batch_created_first()
    {
        var (ws, writer, _, _) = await WorkspaceAsync();
        // Twenty pairs in one batch: u-N-a, then u-N-b. Created in the same instant, they differ only in order; a
        // survivor chosen by id instead would keep the second of a pair about half the time.
        var pairs = Enumerable.Range(0, 20).ToList();
        var identifies = pairs.SelectMany(n => new[] { $"u-{n}-a", $"u-{n}-b" })
            .Select((user, i) => $$"""{"type":"identify","userId":"{{user}}","messageId":"i-{{i}}","timestamp":"2026-03-01T10:00:00Z"}""");
        (await writer.PostAsync(Url("/v1/batch"), Json($$"""{"batch":[{{string.Join(",", identifies)}}]}"""))).EnsureSuccessStatusCode();
        var born = await app.QueryAsync(ws, db => db.Identities.ToDictionaryAsync(i => i.Value, i => i.CustomerId));

        var aliases = pairs.Select(n => $$"""{"type":"alias","previousId":"u-{{n}}-b","userId":"u-{{n}}-a","messageId":"a-{{n}}","timestamp":"2026-03-02T10:00:00Z"}""");
        var response = await writer.PostAsync(Url("/v1/batch"), Json($$"""{"batch":[{{string.Join(",", aliases)}}]}"""));

        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("merges").GetInt32().ShouldBe(20);
        var survivors = await app.QueryAsync(ws, db => db.Customers.Where(c => c.MergedIntoId == null).Select(c => c.Id).ToListAsync());
        survivors.ShouldBe(pairs.Select(n => born[$"u-{n}-a"]), ignoreOrder: true);
    }

    [Fact]
    public async Task A_batch_that_links_two_of_its_own_profiles_merges_them_and_the_merge_can_be_split()
    {
        var (ws, writer, reader, admin) = await WorkspaceAsync();

        using var response = await writer.PostAsync(Url("/v1/batch"), Json("""
            {"batch":[
              {"type":"identify","userId":"u-5","traits":{"email":"lee@example.com","name":"Lee","plan":"pro"},"messageId":"b1","timestamp":"2026-02-01T10:00:00Z"},
              {"type":"page","anonymousId":"device-5","name":"Pricing","messageId":"b2","timestamp":"2026-02-02T10:00:00Z"},
              {"type":"identify","anonymousId":"device-5","traits":{"city":"Lima"},"messageId":"b3","timestamp":"2026-02-03T10:00:00Z"},
              {"type":"alias","previousId":"device-5","userId":"u-5","messageId":"b4","timestamp":"2026-02-04T10:00:00Z"},
              {"type":"track","anonymousId":"device-5","event":"Bought","messageId":"b5","timestamp":"2026-02-05T10:00:00Z"}
            ]}
            """));

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        (body.GetProperty("accepted").GetInt32(), body.GetProperty("merges").GetInt32()).ShouldBe((5, 1));
        var customers = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync());
        customers.Count.ShouldBe(2);
        var survivor = customers.Single(c => c.MergedIntoId is null);
        customers.Single(c => c.MergedIntoId is not null).MergedIntoId.ShouldBe(survivor.Id);
        (survivor.Name, survivor.Email, survivor.LastSeenAt).ShouldBe(("Lee", "lee@example.com", new DateTime(2026, 2, 5, 10, 0, 0, DateTimeKind.Utc)));
        var profile = await reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{survivor.Id}"));
        profile!.Traits["city"].GetString().ShouldBe("Lima");
        profile.Identities.Select(i => i.Value).Order().ShouldBe(["device-5", "lee@example.com", "u-5"]);
        (await app.QueryAsync(ws, db => db.Events.CountAsync(e => e.CustomerId == survivor.Id))).ShouldBe(5);

        // The merge recorded what it moved, so a split gives each profile back its own fields, identities and events.
        // (Both were born in the same batch, so which one survived depends on their ids; the outcome does not.)
        (await admin.PostAsync(Url($"/api/customers/{survivor.Id}/split"), null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var split = await Task.WhenAll(customers.Select(c => reader.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{c.Id}"))));
        var user = split.Single(p => p!.Identities.Any(i => i.Value == "u-5"))!;
        var device = split.Single(p => p!.Identities.Any(i => i.Value == "device-5"))!;
        user.Id.ShouldNotBe(device.Id);
        user.Traits["plan"].GetString().ShouldBe("pro");
        user.Timeline.Items.Select(e => e.Title).ShouldContain("Identified");
        device.Traits["city"].GetString().ShouldBe("Lima");
        device.Timeline.Items.Select(e => e.Title).ShouldContain("Viewed Pricing");
        (user.Timeline.Total + device.Timeline.Total).ShouldBe(5);
        (await app.QueryAsync(ws, db => db.Customers.CountAsync(c => c.MergedIntoId == null))).ShouldBe(2);
    }

    [Fact]
    public async Task Two_people_on_one_device_are_not_merged()
    {
        var (ws, writer, _, _) = await WorkspaceAsync();
        await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"ann","anonymousId":"family-tablet","traits":{"email":"ann@example.com"}}"""));

        using var response = await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"bob","anonymousId":"family-tablet","traits":{"email":"bob@example.com"}}"""));

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("merges").GetInt32().ShouldBe(0);
        body.GetProperty("refusals").GetArrayLength().ShouldBe(1);
        (await app.QueryAsync(ws, db => db.Customers.CountAsync(c => c.MergedIntoId == null))).ShouldBe(2);
    }
}

public sealed class IngestionTests_on_sqlite(SqliteAppFixture app) : IngestionTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class IngestionTests_on_postgres(PostgresAppFixture app) : IngestionTests(app), IClassFixture<PostgresAppFixture>;
