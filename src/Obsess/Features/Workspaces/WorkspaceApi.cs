using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;

namespace Obsess.Features.Workspaces;

public sealed record WorkspaceSettings(Guid Id, string Slug, string Name, string DefaultRegion, string Currency, int ChurnWindowDays);

public sealed record UpdateWorkspaceRequest(string? Name, string? DefaultRegion, string? Currency, int? ChurnWindowDays);

/// <summary>The current workspace's settings: everyone reads them, admins change them.</summary>
public static partial class WorkspaceSettingsService
{
    public static async Task<WorkspaceSettings> GetAsync(ObsessDb db, CancellationToken ct = default) =>
        await db.Workspaces.AsNoTracking().Where(w => w.Id == db.CurrentWorkspaceId)
            .Select(w => new WorkspaceSettings(w.Id, w.Slug, w.Name, w.DefaultRegion, w.Currency, w.ChurnWindowDays))
            .FirstAsync(ct).ConfigureAwait(false);

    public static Dictionary<string, string[]> Validate(UpdateWorkspaceRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if (r.Name is not null && (r.Name.Trim().Length == 0 || r.Name.Length > 200))
        {
            errors["name"] = ["Name must be 1 to 200 characters."];
        }

        if (r.DefaultRegion is not null && !Region().IsMatch(r.DefaultRegion))
        {
            errors["defaultRegion"] = ["Default region must be an ISO 3166 two-letter code such as US or DE."];
        }

        if (r.Currency is not null && !Currency().IsMatch(r.Currency))
        {
            errors["currency"] = ["Currency must be an ISO 4217 three-letter code such as USD or EUR."];
        }

        if (r.ChurnWindowDays is < 7 or > 3650)
        {
            errors["churnWindowDays"] = ["The churn window must be between 7 and 3,650 days."];
        }

        return errors;
    }

    public static async Task<WorkspaceSettings> UpdateAsync(ObsessDb db, UpdateWorkspaceRequest r, string actor, TimeProvider clock, CancellationToken ct = default)
    {
        var w = await db.Workspaces.FirstAsync(x => x.Id == db.CurrentWorkspaceId, ct).ConfigureAwait(false);
        var before = $"{w.Name}|{w.DefaultRegion}|{w.Currency}|{w.ChurnWindowDays}";
        w.Name = r.Name?.Trim() ?? w.Name;
        w.DefaultRegion = r.DefaultRegion ?? w.DefaultRegion;
        w.Currency = r.Currency ?? w.Currency;
        w.ChurnWindowDays = r.ChurnWindowDays ?? w.ChurnWindowDays;
        Audit.Audit.Record(db, w.Id, actor, "workspace.updated", $"workspace:{w.Id}", $"{before} → {w.Name}|{w.DefaultRegion}|{w.Currency}|{w.ChurnWindowDays}", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new WorkspaceSettings(w.Id, w.Slug, w.Name, w.DefaultRegion, w.Currency, w.ChurnWindowDays);
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex Region();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex Currency();
}

internal static class WorkspaceApi
{
    public static void MapWorkspaceApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workspace").WithTags("Workspace");
        group.MapGet("/", async (ObsessDb db, CancellationToken ct) => TypedResults.Ok(await WorkspaceSettingsService.GetAsync(db, ct).ConfigureAwait(false)))
            .WithName("GetWorkspace").WithSummary("The current workspace's settings.");
        group.MapPut("/", async Task<Results<Ok<WorkspaceSettings>, ValidationProblem>> (UpdateWorkspaceRequest request, ObsessDb db, ClaimsPrincipal caller, TimeProvider clock, CancellationToken ct) =>
            {
                var errors = WorkspaceSettingsService.Validate(request);
                return errors.Count > 0
                    ? TypedResults.ValidationProblem(errors)
                    : TypedResults.Ok(await WorkspaceSettingsService.UpdateAsync(db, request, Audit.Audit.ActorOf(caller), clock, ct).ConfigureAwait(false));
            })
            .RequireAuthorization(Policies.Admin)
            .WithName("UpdateWorkspace").WithSummary("Changes the workspace's name, default phone region, currency or churn window (admin).");
    }
}
