using System.Net;
using System.Net.Http.Json;
using Obsess.Features.Accounts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Managing users through /api/users (admin only).</summary>
public abstract class UsersApiTests(ObsessAppFixture app)
{
    [Fact]
    public async Task An_admin_creates_a_user_once_and_a_second_user_with_the_same_email_conflicts()
    {
        var ws = await app.CreateWorkspaceAsync();
        var admin = await app.CreateApiKeyAsync(ws, Roles.Admin);
        using var client = app.ApiClient(admin.Key);
        var email = $"New.Person.{Guid.NewGuid():N}@Example.com";

        using var created = await client.PostAsJsonAsync(Url("/api/users"), new CreateUserRequest(email, "New Person", Roles.Agent, "a long enough password"));
        using var duplicate = await client.PostAsJsonAsync(Url("/api/users"), new CreateUserRequest(email.ToUpperInvariant(), "Twin", Roles.Viewer, "another long password"));

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var user = await created.Content.ReadFromJsonAsync<UserSummary>();
        (user!.Email, user.Role, user.Disabled).ShouldBe((email.ToLowerInvariant(), Roles.Agent, false));
        created.Headers.Location!.OriginalString.ShouldBe($"/api/users/{user.Id}");
        await ProblemAssert.IsProblemAsync(duplicate, HttpStatusCode.Conflict);
        (await client.GetFromJsonAsync<List<UserSummary>>(Url("/api/users")))!.Select(u => u.Id).ShouldBe([user.Id]);
    }

    [Fact]
    public async Task The_last_active_admin_can_be_neither_demoted_nor_disabled()
    {
        var ws = await app.CreateWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Admin);
        var onlyAdmin = await app.CreateUserAsync(ws, Roles.Admin);
        using var client = app.ApiClient(key.Key);

        using var demote = await client.PatchAsJsonAsync(Url($"/api/users/{onlyAdmin.Id}"), new UpdateUserRequest(Roles.Viewer, null));
        using var disable = await client.PatchAsJsonAsync(Url($"/api/users/{onlyAdmin.Id}"), new UpdateUserRequest(null, true));

        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(demote, HttpStatusCode.BadRequest)).ShouldBe(["role"]);
        ProblemAssert.ErrorFields(await ProblemAssert.IsProblemAsync(disable, HttpStatusCode.BadRequest)).ShouldBe(["disabled"]);
        var stored = (await client.GetFromJsonAsync<List<UserSummary>>(Url("/api/users")))!.Single();
        (stored.Role, stored.Disabled).ShouldBe((Roles.Admin, false));
    }

    [Fact]
    public async Task Updating_a_user_of_another_workspace_is_not_found()
    {
        var other = await app.CreateUserAsync(await app.CreateWorkspaceAsync(), Roles.Viewer);
        var key = await app.CreateApiKeyAsync(await app.CreateWorkspaceAsync(), Roles.Admin);
        using var client = app.ApiClient(key.Key);

        using var response = await client.PatchAsJsonAsync(Url($"/api/users/{other.Id}"), new UpdateUserRequest(null, true));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var stillActive = await app.QueryAsync(other.WorkspaceId, db => Task.FromResult(db.Users.Single(u => u.Id == other.Id).Disabled));
        stillActive.ShouldBeFalse();
    }
}

public sealed class UsersApiTests_on_sqlite(SqliteAppFixture app) : UsersApiTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class UsersApiTests_on_postgres(PostgresAppFixture app) : UsersApiTests(app), IClassFixture<PostgresAppFixture>;
