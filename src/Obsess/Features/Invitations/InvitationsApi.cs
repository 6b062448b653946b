using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obsess.Features.Accounts;

namespace Obsess.Features.Invitations;

/// <summary>/api/invitations: managers set triggers and see what was sent or skipped; admins set the delivery secrets.</summary>
internal static class InvitationsApi
{
    private static readonly string[] Statuses = [InvitationStatuses.Scheduled, InvitationStatuses.Sent, InvitationStatuses.Skipped, InvitationStatuses.Failed];

    public static void MapInvitationsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/invitations").WithTags("Invitations").RequireAuthorization(Policies.Manager);
        group.MapGet("/", ListAsync).WithName("ListInvitations")
            .WithSummary("Invitations, latest due first: scheduled, sent, skipped (with the reason) or failed (with the last error).");
        group.MapGet("/triggers", async (InvitationService s, CancellationToken ct) => TypedResults.Ok(await s.TriggersAsync(ct).ConfigureAwait(false)))
            .WithName("ListInvitationTriggers").WithSummary("The workspace's invitation triggers.");
        group.MapPost("/triggers", CreateAsync).WithName("CreateInvitationTrigger")
            .WithSummary("After each order (or each tracked event of a name), invite the customer to a survey after a delay, sampled, within a recontact limit.");
        group.MapPut("/triggers/{id:guid}", UpdateAsync).WithName("UpdateInvitationTrigger").WithSummary("Changes a trigger.");
        group.MapDelete("/triggers/{id:guid}", DeleteAsync).WithName("DeleteInvitationTrigger").WithSummary("Deletes a trigger and its invitation history.");

        var settings = api.MapGroup("/invitations/settings").WithTags("Invitations").RequireAuthorization(Policies.Admin);
        settings.MapGet("/", async (InvitationService s, CancellationToken ct) => TypedResults.Ok(await s.SettingsAsync(ct).ConfigureAwait(false)))
            .WithName("GetDeliverySettings").WithSummary("SMTP and webhook settings; the password and secret only say whether they are set.");
        settings.MapPut("/", UpdateSettingsAsync).WithName("UpdateDeliverySettings")
            .WithSummary("Sets SMTP (host, port, STARTTLS, sender, user, password) and the webhook (URL, signing secret). Null keeps a value, \"\" clears it. Secrets are stored protected.");
    }

    private static async Task<Results<Ok<InvitationPage>, ValidationProblem>> ListAsync(InvitationService s, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !Statuses.Contains(status))
        {
            errors["status"] = [$"Status must be one of: {string.Join(", ", Statuses)}."];
        }

        if (page is < 1)
        {
            errors["page"] = ["Page starts at 1."];
        }

        if (pageSize is < 1 or > 200)
        {
            errors["pageSize"] = ["Page size must be between 1 and 200."];
        }

        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(await s.InvitationsAsync(status, page ?? 1, pageSize ?? 50, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Created<TriggerView>, ValidationProblem>> CreateAsync(TriggerRequest request, InvitationService s, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = await s.ValidateAsync(request, ct).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var trigger = await s.CreateTriggerAsync(request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/invitations/triggers/{trigger.Id}", trigger);
    }

    private static async Task<Results<Ok<TriggerView>, NotFound, ValidationProblem>> UpdateAsync(Guid id, TriggerRequest request, InvitationService s, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = await s.ValidateAsync(request, ct).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return await s.UpdateTriggerAsync(id, request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) is { } t ? TypedResults.Ok(t) : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(Guid id, InvitationService s, ClaimsPrincipal caller, CancellationToken ct) =>
        await s.DeleteTriggerAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<DeliverySettingsView>, ValidationProblem>> UpdateSettingsAsync(DeliverySettingsRequest request, InvitationService s, ClaimsPrincipal caller, CancellationToken ct)
    {
        var errors = InvitationService.Validate(request);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(await s.UpdateSettingsAsync(request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false));
    }
}
