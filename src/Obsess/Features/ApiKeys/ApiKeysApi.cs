using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obsess.Features.Accounts;

namespace Obsess.Features.ApiKeys;

public sealed record CreateApiKeyRequest(string? Name, string? Role);

internal static class ApiKeysApi
{
    public static void MapApiKeysApi(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys").WithTags("API keys").RequireAuthorization(Policies.Admin);
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("API keys of the workspace, without their secrets (admin).");
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Creates an API key; the response is the only time the key is shown (admin).");
        keys.MapDelete("/{id:guid}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revokes an API key (admin).");
    }

    private static async Task<Ok<List<ApiKeySummary>>> ListAsync(ApiKeyService service, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(ct).ConfigureAwait(false));

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem>> CreateAsync(
        CreateApiKeyRequest request, ApiKeyService service, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = ApiKeyService.Validate(request.Name, request.Role);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var created = await service.CreateAsync(request.Name!, request.Role!, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/keys/{created.Id}", created);
    }

    private static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid id, ApiKeyService service, ClaimsPrincipal caller, CancellationToken ct) =>
        await service.RevokeAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) ? TypedResults.NoContent() : TypedResults.NotFound();
}
