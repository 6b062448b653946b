using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obsess.Features.Audit;

namespace Obsess.Features.Accounts;

public sealed record CreateUserRequest(string? Email, string? Name, string? Role, string? Password);

public sealed record UpdateUserRequest(string? Role, bool? Disabled);

public sealed record MeResponse(string Kind, Guid Id, string Name, string? Email, string Role, Guid WorkspaceId);

internal static class UsersApi
{
    public static void MapMeApi(this RouteGroupBuilder api) =>
        api.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new MeResponse(
                user.FindFirstValue(Data.ObsessClaims.Kind) ?? "user",
                Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
                user.FindFirstValue(ClaimTypes.Name) ?? "",
                user.FindFirstValue(ClaimTypes.Email),
                user.FindFirstValue(ClaimTypes.Role) ?? "",
                Guid.Parse(user.FindFirstValue(Data.ObsessClaims.Workspace)!))))
            .WithName("GetMe").WithSummary("Who is calling: the signed-in user or the API key, its role and workspace.").WithTags("Accounts");

    public static void MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Accounts").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListAsync).WithName("ListUsers").WithSummary("Users of the workspace (admin).");
        users.MapPost("/", CreateAsync).WithName("CreateUser").WithSummary("Adds a user with a role (admin).");
        users.MapPatch("/{id:guid}", UpdateAsync).WithName("UpdateUser").WithSummary("Changes a user's role or disables the account (admin).");
    }

    private static async Task<Ok<List<UserSummary>>> ListAsync(UserService service, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(ct).ConfigureAwait(false));

    private static async Task<Results<Created<UserSummary>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, UserService service, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = UserService.Validate(request.Email, request.Name, request.Role, request.Password);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var created = await service.CreateAsync(request.Email!, request.Name!, request.Role!, request.Password!, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return created is null
            ? TypedResults.Problem(statusCode: 409, title: "E-mail already in use", detail: "A user with this e-mail already exists in the workspace.", extensions: new Dictionary<string, object?> { ["field"] = "email" })
            : TypedResults.Created($"/api/users/{created.Id}", created);
    }

    private static async Task<Results<Ok<UserSummary>, NotFound, ValidationProblem>> UpdateAsync(
        Guid id, UpdateUserRequest request, UserService service, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (request.Role is not null && !Roles.IsUserRole(request.Role))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"Role must be one of: {string.Join(", ", Roles.UserRoles)}."] });
        }

        if ((request.Role is not null && request.Role != Roles.Admin || request.Disabled == true) && await service.IsLastAdminAsync(id, ct).ConfigureAwait(false))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [request.Role is not null ? "role" : "disabled"] = ["The workspace must keep at least one active admin."] });
        }

        var updated = await service.UpdateAsync(id, request.Role, request.Disabled, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return updated is null ? TypedResults.NotFound() : TypedResults.Ok(updated);
    }
}
