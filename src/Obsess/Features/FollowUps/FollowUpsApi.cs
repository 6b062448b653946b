using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Obsess.Data;
using Obsess.Features.Accounts;

namespace Obsess.Features.FollowUps;

/// <summary>The services a follow-up endpoint may use.</summary>
internal sealed record FollowUpServices(FollowUpTasks Tasks, FollowUpService Loop, FollowUpReports Reports);

/// <summary>
/// /api/followups: agents and up work the tasks (list, read, take, close with an outcome); managers and admins
/// also set the rules and teams.
/// </summary>
internal static class FollowUpsApi
{
    public static void MapFollowUpsApi(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/followups").WithTags("Follow-ups").RequireAuthorization(Policies.Agent);
        tasks.MapGet("/", ListAsync).WithName("ListFollowUps")
            .WithSummary("Follow-up tasks, open ones first by due time; filter by mine, team, status (open, closed) and overdue.");
        tasks.MapGet("/{id:guid}", GetAsync).WithName("GetFollowUp")
            .WithSummary("One task with its customer's context (contact, health, churn risk, recent orders) and the feedback that opened it.");
        tasks.MapPost("/{id:guid}/assign", AssignAsync).WithName("AssignFollowUp")
            .WithSummary("Gives an open task an owner. Agents take tasks for themselves; managers assign anyone (or null to unassign).");
        tasks.MapPost("/{id:guid}/close", CloseAsync).WithName("CloseFollowUp")
            .WithSummary("Closes an open task; the outcome (resolved, contacted, no_answer, wrong_contact, not_needed) and a note are required.");
        tasks.MapGet("/report", ReportAsync).WithName("FollowUpReport")
            .WithSummary("Loop-closure rate, median and 90th-percentile hours to close, overdue tasks, and retention of customers followed up vs. not.");

        var rules = api.MapGroup("/followups/rules").WithTags("Follow-ups").RequireAuthorization(Policies.Manager);
        rules.MapGet("/", async (FollowUpService loop, CancellationToken ct) => TypedResults.Ok(await loop.RulesAsync(ct).ConfigureAwait(false)))
            .WithName("ListFollowUpRules").WithSummary("The workspace's follow-up rules (the defaults are created on first use).");
        rules.MapPost("/", CreateRuleAsync).WithName("CreateFollowUpRule").WithSummary("Adds a rule: a score at or below a threshold, or a churn-threat comment.");
        rules.MapPut("/{id:guid}", UpdateRuleAsync).WithName("UpdateFollowUpRule").WithSummary("Changes a rule.");
        rules.MapDelete("/{id:guid}", DeleteRuleAsync).WithName("DeleteFollowUpRule").WithSummary("Deletes a rule; tasks it opened stay.");

        var teams = api.MapGroup("/followups/teams").WithTags("Follow-ups").RequireAuthorization(Policies.Manager);
        teams.MapGet("/", async (FollowUpService loop, CancellationToken ct) => TypedResults.Ok(await loop.TeamsAsync(ct).ConfigureAwait(false)))
            .WithName("ListFollowUpTeams").WithSummary("Teams and their members in rotation order.");
        teams.MapPost("/", CreateTeamAsync).WithName("CreateFollowUpTeam").WithSummary("Adds a team; new tasks of its rules go round its active members in turn.");
        teams.MapPut("/{id:guid}", UpdateTeamAsync).WithName("UpdateFollowUpTeam").WithSummary("Renames a team or replaces its members (the rotation starts again).");
        teams.MapDelete("/{id:guid}", DeleteTeamAsync).WithName("DeleteFollowUpTeam").WithSummary("Deletes a team; its rules and tasks stay, without a team.");
    }

    private static Guid? CallerUser(ClaimsPrincipal caller) =>
        caller.FindFirstValue(ObsessClaims.Kind) == "user" && Guid.TryParse(caller.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    internal static bool IsManager(ClaimsPrincipal caller) => caller.IsInRole(Roles.Admin) || caller.IsInRole(Roles.Manager);

    private static async Task<Results<Ok<TaskPage>, ValidationProblem>> ListAsync(
        [AsParameters] FollowUpServices s, ClaimsPrincipal caller, bool? mine, Guid? team, string? status, bool? overdue, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var user = CallerUser(caller);
        if (mine == true && user is null)
        {
            errors["mine"] = ["Only a signed-in user has tasks of their own; an API key owns none."];
        }

        if (status is not null and not (TaskStatuses.Open or TaskStatuses.Closed))
        {
            errors["status"] = ["Status must be open or closed."];
        }

        if (page is < 1)
        {
            errors["page"] = ["Page starts at 1."];
        }

        if (pageSize is < 1 or > 200)
        {
            errors["pageSize"] = ["Page size must be between 1 and 200."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await s.Tasks.ListAsync(new TaskFilter(mine == true, team, status, overdue == true), user, page ?? 1, pageSize ?? 50, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<TaskDetail>, NotFound>> GetAsync(Guid id, [AsParameters] FollowUpServices s, CancellationToken ct) =>
        await s.Tasks.GetAsync(id, ct).ConfigureAwait(false) is { } detail ? TypedResults.Ok(detail) : TypedResults.NotFound();

    private static async Task<Results<Ok<TaskDetail>, NotFound, ValidationProblem, ProblemHttpResult>> AssignAsync(
        Guid id, AssignRequest request, [AsParameters] FollowUpServices s, ClaimsPrincipal caller, CancellationToken ct)
    {
        var (result, errors) = await s.Tasks.AssignAsync(id, request.UserId, CallerUser(caller), IsManager(caller), Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return result switch
        {
            TaskChange.NotFound => TypedResults.NotFound(),
            TaskChange.AlreadyClosed => Closed(),
            TaskChange.Invalid => TypedResults.ValidationProblem(errors),
            _ => TypedResults.Ok((await s.Tasks.GetAsync(id, ct).ConfigureAwait(false))!),
        };
    }

    private static async Task<Results<Ok<TaskDetail>, NotFound, ValidationProblem, ProblemHttpResult>> CloseAsync(
        Guid id, CloseRequest request, [AsParameters] FollowUpServices s, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = FollowUpTasks.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return await s.Tasks.CloseAsync(id, request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) switch
        {
            TaskChange.NotFound => TypedResults.NotFound(),
            TaskChange.AlreadyClosed => Closed(),
            _ => TypedResults.Ok((await s.Tasks.GetAsync(id, ct).ConfigureAwait(false))!),
        };
    }

    private static ProblemHttpResult Closed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The task is closed", detail: "A closed task keeps its outcome; it cannot be assigned or closed again.");

    private static async Task<Results<Ok<LoopReport>, ValidationProblem>> ReportAsync([AsParameters] FollowUpServices s, int? days, CancellationToken ct)
    {
        if (days is < 1 or > 730)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = ["days must be between 1 and 730."] });
        }

        return TypedResults.Ok(await s.Reports.GetAsync(days ?? 90, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Created<RuleView>, ValidationProblem>> CreateRuleAsync(RuleRequest request, FollowUpService loop, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = await loop.ValidateAsync(request, ct).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var rule = await loop.CreateRuleAsync(request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/followups/rules/{rule.Id}", rule);
    }

    private static async Task<Results<Ok<RuleView>, NotFound, ValidationProblem>> UpdateRuleAsync(Guid id, RuleRequest request, FollowUpService loop, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = await loop.ValidateAsync(request, ct).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return await loop.UpdateRuleAsync(id, request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) is { } rule ? TypedResults.Ok(rule) : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> DeleteRuleAsync(Guid id, FollowUpService loop, ClaimsPrincipal caller, CancellationToken ct) =>
        await loop.DeleteRuleAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Created<TeamView>, ValidationProblem>> CreateTeamAsync(TeamRequest request, FollowUpService loop, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = await loop.ValidateAsync(request, null, ct).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var team = await loop.SaveTeamAsync(null, request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/followups/teams/{team.Id}", team);
    }

    private static async Task<Results<Ok<TeamView>, NotFound, ValidationProblem>> UpdateTeamAsync(Guid id, TeamRequest request, FollowUpService loop, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (!await loop.TeamExistsAsync(id, ct).ConfigureAwait(false))
        {
            return TypedResults.NotFound();
        }

        var errors = await loop.ValidateAsync(request, id, ct).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await loop.SaveTeamAsync(id, request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false));
    }

    private static async Task<Results<NoContent, NotFound>> DeleteTeamAsync(Guid id, FollowUpService loop, ClaimsPrincipal caller, CancellationToken ct) =>
        await loop.DeleteTeamAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) ? TypedResults.NoContent() : TypedResults.NotFound();
}
