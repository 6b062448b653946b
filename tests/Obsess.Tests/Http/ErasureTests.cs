using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>DELETE /api/customers/{id}: a person erased with everything every module holds of them, and nothing else.</summary>
public abstract partial class ErasureTests(ObsessAppFixture app)
{
    /// <summary>Rows of each table that belong to <paramref name="customers"/>, by table (raw SQL, so no table is missed for want of an entity).</summary>
    private Task<Dictionary<string, long>> RowsOfAsync(Guid ws, IReadOnlyList<Guid> customers) =>
        app.QueryAsync(ws, async db =>
        {
            var rows = new Dictionary<string, long>
            {
                ["customers"] = await db.Customers.IgnoreQueryFilters().CountAsync(c => customers.Contains(c.Id)),
                ["customer_identities"] = await db.Identities.IgnoreQueryFilters().CountAsync(i => customers.Contains(i.CustomerId)),
                ["events"] = await db.Events.IgnoreQueryFilters().CountAsync(e => customers.Contains(e.CustomerId)),
                ["orders"] = await db.Orders.IgnoreQueryFilters().CountAsync(o => customers.Contains(o.CustomerId)),
                ["customer_scores"] = await db.Scores.IgnoreQueryFilters().CountAsync(s => customers.Contains(s.CustomerId)),
                ["customer_merges"] = await db.Merges.IgnoreQueryFilters().CountAsync(m => customers.Contains(m.SurvivorId) || customers.Contains(m.MergedId)),
            };
            foreach (var table in MergeService.OwnedTables)
            {
                foreach (var id in customers)
                {
#pragma warning disable EF1002 // Constant table names.
                    rows[table] = rows.GetValueOrDefault(table) + await db.Database.SqlQueryRaw<long>($"SELECT count(*) AS \"Value\" FROM {table} WHERE customer_id = {{0}}", id).SingleAsync();
#pragma warning restore EF1002
                }
            }

            return rows;
        });

    [Fact]
    public async Task Erasing_a_customer_removes_the_person_from_every_module_and_leaves_everyone_else()
    {
        var ws = await app.CreateWorkspaceAsync();
        var writer = await app.IngestClientAsync(ws);
        var admin = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Admin)).Key);
        var agent = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Agent)).Key);
        var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);

        // Kim: a known user and a device, merged by an alias; Lee: someone else.
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-7","traits":{"email":"kim@example.com","name":"Kim"},"messageId":"k1"}"""))).EnsureSuccessStatusCode();
        (await writer.PostAsync(Url("/v1/page"), Json("""{"anonymousId":"device-7","name":"Pricing","messageId":"k2"}"""))).EnsureSuccessStatusCode();
        (await writer.PostAsync(Url("/v1/alias"), Json("""{"previousId":"device-7","userId":"u-7","messageId":"k3"}"""))).EnsureSuccessStatusCode();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-8","traits":{"email":"lee@example.com"},"messageId":"l1"}"""))).EnsureSuccessStatusCode();
        var kim = await app.QueryAsync(ws, db => db.Customers.Where(c => c.Email == "kim@example.com").Select(c => c.Id).SingleAsync());
        var lee = await app.QueryAsync(ws, db => db.Customers.Where(c => c.Email == "lee@example.com").Select(c => c.Id).SingleAsync());
        var device = await app.QueryAsync(ws, db => db.Customers.Where(c => c.MergedIntoId == kim).Select(c => c.Id).SingleAsync());
        (await agent.PostAsJsonAsync(Url("/api/texts"), new object[]
        {
            new { customerId = kim, kind = "chat", source = "helpdesk", externalId = "k-t", body = "Please delete my data" },
            new { customerId = lee, kind = "chat", source = "helpdesk", externalId = "l-t", body = "Thanks" },
        })).EnsureSuccessStatusCode();
        await app.InWorkspaceAsync(ws, async sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            var at = DateTime.UtcNow;
            foreach (var (customer, n) in new[] { (kim, "k"), (lee, "l") })
            {
                db.Orders.Add(new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customer, Source = "shop", ExternalId = $"o-{n}", Channel = "web", OrderedAt = at, Amount = 20m, Items = 1 });
                db.Feedback.Add(new Obsess.Features.Feedback.FeedbackRecord { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customer, Kind = "survey", Source = "nps", ResponseId = Guid.NewGuid(), QuestionId = "q1", Metric = "nps", Score = 3, Touchpoint = "order", Channel = "email", OccurredAt = at, CreatedAt = at });
                db.Scores.Add(new Obsess.Features.Intelligence.CustomerScore { WorkspaceId = ws, CustomerId = customer, ComputedAt = at, Orders = 1 });
            }

            return await db.SaveChangesAsync();
        });
        var kimsRows = await RowsOfAsync(ws, [kim, device]);
        var leesRows = await RowsOfAsync(ws, [lee]);
        kimsRows.Where(r => r.Key is not ("survey_responses" or "survey_links" or "followup_tasks" or "invitations")).ShouldAllBe(r => r.Value > 0, string.Join(", ", kimsRows));

        (await agent.DeleteAsync(Url($"/api/customers/{kim}"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.DeleteAsync(Url($"/api/customers/{kim}"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // The merged-away device profile names the same person: erasing it erases Kim.
        using var erased = await admin.DeleteAsync(Url($"/api/customers/{device}"));

        erased.StatusCode.ShouldBe(HttpStatusCode.OK);
        var result = (await erased.Content.ReadFromJsonAsync<ErasureResult>())!;
        result.CustomerId.ShouldBe(kim);
        result.Profiles.ShouldBe(2);
        result.Identities.ShouldBe((int)kimsRows["customer_identities"]);
        result.Events.ShouldBe((int)kimsRows["events"]);
        result.Owned["texts"].ShouldBe(1);
        (await RowsOfAsync(ws, [kim, device])).ShouldAllBe(r => r.Value == 0);
        (await RowsOfAsync(ws, [lee])).ShouldBe(leesRows);
        (await admin.GetAsync(Url($"/api/customers/{kim}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.DeleteAsync(Url($"/api/customers/{kim}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The audit log says who erased whom and how much, and nothing of the person.
        var audit = await app.QueryAsync(ws, db => db.AuditLog.SingleAsync(a => a.Action == "customer.erased"));
        audit.Target.ShouldBe($"customer:{kim}");
        audit.Detail.ShouldNotBeNull().ShouldContain("2 profile(s)");
        audit.Detail.ShouldNotContain("kim", Case.Insensitive);

        // Without suppression, data sent again makes a new profile.
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-7","traits":{"email":"kim@example.com"},"messageId":"k9"}"""))).EnsureSuccessStatusCode();
        (await app.QueryAsync(ws, db => db.Customers.Where(c => c.Email == "kim@example.com").Select(c => c.Id).SingleAsync())).ShouldNotBe(kim);
    }

    [Fact]
    public async Task An_admin_erases_a_customer_from_the_customer_page_after_confirming()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-1","traits":{"email":"ann@example.com","name":"Ann Lee"}}"""))).EnsureSuccessStatusCode();
        var ann = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());
        var admin = await app.CreateUserAsync(ws, Roles.Admin);
        var manager = await app.CreateUserAsync(ws, Roles.Manager);
        using var managerBrowser = app.Browser();
        (await managerBrowser.SignInAsync(manager.Email, manager.Password)).Dispose();
        using var browser = app.Browser();
        (await browser.SignInAsync(admin.Email, admin.Password)).Dispose();

        (await managerBrowser.Http.GetStringAsync(Url($"/customers/{ann}"))).ShouldNotContain("Erase this customer");
        var page = await browser.Http.GetStringAsync(Url($"/customers/{ann}"));
        page.ShouldContain("<label for=\"erase-confirm\">I understand that this erases Ann Lee for good</label>");

        // Not ticked: nothing happens, and the page says why, at the box.
        using (var unconfirmed = await PostEraseAsync(browser, ann, Token(page)))
        {
            (await unconfirmed.Content.ReadAsStringAsync()).ShouldContain("Tick the box to confirm the erasure.");
        }

        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(1);
        using var confirmed = await PostEraseAsync(browser, ann, Token(page), ("EraseForm.Confirm", "true"));

        confirmed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await confirmed.Content.ReadAsStringAsync();
        html.ShouldContain("<h1>Customer erased</h1>");
        html.ShouldContain("1 profile(s), 2 identities, 1 events");
        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(0);
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(0);
    }

    private static Task<HttpResponseMessage> PostEraseAsync(BrowserClient browser, Guid customer, string token, params (string Name, string Value)[] fields)
    {
        var form = new List<KeyValuePair<string, string>> { new("__RequestVerificationToken", token), new("_handler", "erase") };
        form.AddRange(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));
        return browser.Http.PostAsync(Url($"/customers/{customer}"), new FormUrlEncodedContent(form));
    }

    private static string Token(string html)
    {
        var match = FormToken().Match(html[html.IndexOf("value=\"erase\"", StringComparison.Ordinal)..]);
        match.Success.ShouldBeTrue("no antiforgery token in the erase form");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [Fact]
    public async Task Another_workspaces_admin_cannot_erase_a_customer()
    {
        var (ws, writer) = await app.IngestWorkspaceAsync();
        (await writer.PostAsync(Url("/v1/identify"), Json("""{"userId":"u-1","traits":{"email":"ann@example.com"}}"""))).EnsureSuccessStatusCode();
        var ann = await app.QueryAsync(ws, db => db.Customers.Select(c => c.Id).SingleAsync());
        var other = await app.CreateWorkspaceAsync();
        var outsider = app.ApiClient((await app.CreateApiKeyAsync(other, Roles.Admin)).Key);

        (await outsider.DeleteAsync(Url($"/api/customers/{ann}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await app.QueryAsync(ws, db => db.Customers.CountAsync())).ShouldBe(1);
        (await app.QueryAsync(ws, db => db.Events.CountAsync())).ShouldBe(1);
    }
}

public sealed class ErasureTests_on_sqlite(SqliteAppFixture app) : ErasureTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ErasureTests_on_postgres(PostgresAppFixture app) : ErasureTests(app), IClassFixture<PostgresAppFixture>;
