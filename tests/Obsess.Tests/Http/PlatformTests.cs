using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Workspaces;
using Obsess.Hosting;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Health, the OpenAPI document, and how the API answers errors: always Problem Details.</summary>
public abstract class PlatformTests(ObsessAppFixture app)
{
    [Fact]
    public async Task Healthz_reports_ready_with_the_latest_schema()
    {
        using var client = app.ApiClient();
        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("status").GetString().ShouldBe("ready");
        body.RootElement.GetProperty("database").GetString().ShouldBe(app.Engine);
        body.RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(Migrator.LatestVersion(app.Storage.IsPostgres is false));
    }

    [Fact]
    public async Task OpenApi_document_is_json_listing_the_customer_endpoints()
    {
        using var client = app.ApiClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = doc.RootElement.GetProperty("paths");
        paths.TryGetProperty("/api/customers", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/customers/{id}", out _).ShouldBeTrue();
        doc.RootElement.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Api_without_credentials_answers_401_problem_details()
    {
        using var client = app.ApiClient();
        using var response = await client.GetAsync(new Uri("/api/customers", UriKind.Relative));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Api_with_a_garbage_bearer_token_answers_401()
    {
        using var client = app.ApiClient("obs_not-a-key");
        using var response = await client.GetAsync(new Uri("/api/customers", UriKind.Relative));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unknown_api_path_answers_404_problem_details()
    {
        var key = await app.CreateApiKeyAsync(await app.CreateWorkspaceAsync(), "viewer");
        using var client = app.ApiClient(key.Key);
        using var response = await client.GetAsync(new Uri("/api/nothing", UriKind.Relative));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Customer_search_with_page_size_zero_is_a_validation_problem_naming_pageSize()
    {
        var key = await app.CreateApiKeyAsync(await app.CreateWorkspaceAsync(), "viewer");
        using var client = app.ApiClient(key.Key);
        using var response = await client.GetAsync(new Uri("/api/customers?pageSize=0", UriKind.Relative));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        ProblemAssert.ErrorFields(problem).ShouldBe(["pageSize"]);
    }

    [Fact]
    public async Task Customer_search_with_a_non_numeric_page_is_a_400_problem_not_a_stack_trace()
    {
        var key = await app.CreateApiKeyAsync(await app.CreateWorkspaceAsync(), "viewer");
        using var client = app.ApiClient(key.Key);
        using var response = await client.GetAsync(new Uri("/api/customers?page=abc", UriKind.Relative));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        problem.RootElement.GetRawText().ShouldNotContain("   at ");
        problem.RootElement.GetRawText().ShouldNotContain("Exception");
    }

    [Fact]
    public async Task Api_docs_serve_the_swagger_ui_for_the_openapi_document()
    {
        using var client = app.ApiClient();
        using var response = await client.GetAsync(new Uri("/api/docs/index.html", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        (await response.Content.ReadAsStringAsync()).ShouldContain("swagger-ui");
    }

    [Fact]
    public async Task Pages_carry_the_security_headers()
    {
        using var client = app.ApiClient();
        using var response = await client.GetAsync(new Uri("/login", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
    }

    [Fact]
    public async Task Initializing_an_initialized_install_again_creates_nothing()
    {
        var again = await ObsessApp.InitializeAsync(app.App.Services);

        again.CreatedAdmin.ShouldBeFalse();
        again.GeneratedPassword.ShouldBeNull();
        again.Workspace.Slug.ShouldBe(Bootstrap.DefaultSlug);
        var defaults = await app.QueryAsync(again.Workspace.Id, db => db.Users.CountAsync());
        defaults.ShouldBe(1);
    }
}

public sealed class PlatformTests_on_sqlite(SqliteAppFixture app) : PlatformTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class PlatformTests_on_postgres(PostgresAppFixture app) : PlatformTests(app), IClassFixture<PostgresAppFixture>;
