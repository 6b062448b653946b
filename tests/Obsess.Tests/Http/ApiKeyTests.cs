using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Customers;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Bearer API keys, the role matrix, and the API's validation problems.</summary>
public abstract class ApiKeyTests(ObsessAppFixture app)
{
    [Fact]
    public async Task Me_describes_the_calling_key_its_role_and_workspace()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Agent);
        using var client = app.ApiClient(key.Key);

        var me = await client.GetFromJsonAsync<MeResponse>(Url("/api/me"));

        me.ShouldNotBeNull();
        (me.Kind, me.Id, me.Role, me.WorkspaceId).ShouldBe(("key", key.Id, Roles.Agent, ws));
    }

    [Fact]
    public async Task A_key_reads_the_customers_of_its_workspace()
    {
        var ws = await app.DemoWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var page = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url("/api/customers?pageSize=10"));

        page.ShouldNotBeNull();
        page.Total.ShouldBe(ObsessAppFixture.DemoCustomers);
        page.Items.Count.ShouldBe(10);
        page.Items.Select(c => c.LastSeenAt).ShouldBeInOrder(SortDirection.Descending);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_with_401()
    {
        var ws = await app.CreateWorkspaceAsync();
        var admin = await app.CreateApiKeyAsync(ws, Roles.Admin);
        var doomed = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(doomed.Key);
        using var adminClient = app.ApiClient(admin.Key);
        (await client.GetAsync(Url("/api/customers"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var revoke = await adminClient.DeleteAsync(Url($"/api/keys/{doomed.Id}"));
        revoke.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var after = await client.GetAsync(Url("/api/customers"));
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized);
        var keys = await adminClient.GetFromJsonAsync<List<ApiKeySummary>>(Url("/api/keys"));
        keys!.Single(k => k.Id == doomed.Id).RevokedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_key_of_another_workspaces_id_with_a_valid_secret_shape_is_refused()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Admin);
        var forged = ApiKeySecrets.NewKey(Guid.CreateVersion7());
        var tampered = key.Key[..^4] + (key.Key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        using var a = app.ApiClient(forged);
        using var b = app.ApiClient(tampered);
        (await a.GetAsync(Url("/api/me"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await b.GetAsync(Url("/api/me"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_ingest_key_is_refused_by_the_read_api_with_403()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Ingest);
        using var client = app.ApiClient(key.Key);

        using var customers = await client.GetAsync(Url("/api/customers"));
        await ProblemAssert.IsProblemAsync(customers, HttpStatusCode.Forbidden);
        (await client.GetAsync(Url("/api/dashboard/overview"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(Roles.Viewer, HttpStatusCode.Forbidden)]
    [InlineData(Roles.Agent, HttpStatusCode.Forbidden)]
    [InlineData(Roles.Manager, HttpStatusCode.Forbidden)]
    [InlineData(Roles.Admin, HttpStatusCode.OK)]
    public async Task Every_role_reads_customers_but_only_admins_manage_keys_and_users(string role, HttpStatusCode adminOnly)
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, role);
        using var client = app.ApiClient(key.Key);

        (await client.GetAsync(Url("/api/customers"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync(Url("/api/dashboard/overview"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync(Url("/api/keys"))).StatusCode.ShouldBe(adminOnly);
        (await client.GetAsync(Url("/api/users"))).StatusCode.ShouldBe(adminOnly);
        using var create = await client.PostAsJsonAsync(Url("/api/keys"), new CreateApiKeyRequest("made by " + role, Roles.Viewer));
        create.StatusCode.ShouldBe(adminOnly == HttpStatusCode.OK ? HttpStatusCode.Created : HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Creating_a_user_with_a_bad_email_and_a_short_password_is_a_validation_problem_naming_both()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Admin);
        using var client = app.ApiClient(key.Key);

        using var response = await client.PostAsJsonAsync(Url("/api/users"), new CreateUserRequest("not-an-email", "Someone", Roles.Viewer, "short"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["email", "password"]);
        (await client.GetFromJsonAsync<List<UserSummary>>(Url("/api/users")))!.ShouldBeEmpty();
    }

    [Fact]
    public async Task Creating_an_api_key_with_an_unknown_role_names_the_role_field()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Admin);
        using var client = app.ApiClient(key.Key);

        using var response = await client.PostAsJsonAsync(Url("/api/keys"), new CreateApiKeyRequest("root", "superuser"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["role"]);
    }

    [Fact]
    public async Task A_created_key_is_shown_once_and_works_immediately()
    {
        var ws = await app.CreateWorkspaceAsync();
        var admin = await app.CreateApiKeyAsync(ws, Roles.Admin);
        using var client = app.ApiClient(admin.Key);

        using var response = await client.PostAsJsonAsync(Url("/api/keys"), new CreateApiKeyRequest("reporting", Roles.Viewer));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<CreatedApiKey>();

        using var fresh = app.ApiClient(created!.Key);
        (await fresh.GetFromJsonAsync<MeResponse>(Url("/api/me")))!.Role.ShouldBe(Roles.Viewer);
        var listed = await client.GetStringAsync(Url("/api/keys"));
        listed.ShouldNotContain(created.Key);
        JsonDocument.Parse(listed).RootElement.EnumerateArray().Count().ShouldBe(2);
    }
}

public sealed class ApiKeyTests_on_sqlite(SqliteAppFixture app) : ApiKeyTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ApiKeyTests_on_postgres(PostgresAppFixture app) : ApiKeyTests(app), IClassFixture<PostgresAppFixture>;
