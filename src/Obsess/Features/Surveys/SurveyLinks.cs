using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Surveys;

public sealed record CreateLinkRequest(Guid? CustomerId, string? Touchpoint, string? Channel, int? ExpiresInDays, string? Agent = null, string? Product = null);

/// <summary>
/// A new personal link. <see cref="Path"/> (relative to the app's address) carries the secret; it is shown once and
/// only its hash is stored. <see cref="Url"/> is the full address when the caller knows the app's base address.
/// </summary>
public sealed record CreatedSurveyLink(Guid Id, Guid SurveyId, Guid CustomerId, string Touchpoint, string Path, DateTime ExpiresAt, string? Url = null);

public sealed record LinkResult(CreatedSurveyLink? Link, Dictionary<string, string[]> Errors, string? Conflict = null);

/// <summary>
/// Personal links: tied to one customer and one touchpoint, time-limited and single-use. Triggers that send survey
/// invitations (e-mail, webhooks) create them through <see cref="CreateAsync"/>.
/// </summary>
public static class SurveyLinks
{
    public const int DefaultExpiryDays = 30;
    public const int MaxExpiryDays = 365;

    /// <summary>A personal link for one customer and touchpoint; the shape a trigger (e-mail, webhook) calls.</summary>
    /// <param name="db">Acting in the survey's workspace.</param>
    public static Task<LinkResult> CreateAsync(
        ObsessDb db, Survey survey, Guid customerId, string touchpoint, TimeProvider clock,
        string? channel = null, int? expiresInDays = null, string? agent = null, string? product = null, CancellationToken ct = default) =>
        CreateAsync(db, survey, new CreateLinkRequest(customerId, touchpoint, channel, expiresInDays, agent, product), clock, ct);

    /// <param name="db">Acting in the survey's workspace.</param>
    public static async Task<LinkResult> CreateAsync(
        ObsessDb db, Survey survey, CreateLinkRequest request, TimeProvider clock, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        var touchpoint = request.Touchpoint?.Trim() ?? "";
        if (!SurveyValidation.IsTag(touchpoint, SurveyValidation.MaxTouchpointLength))
        {
            errors["touchpoint"] = [$"Give the touchpoint: 1 to {SurveyValidation.MaxTouchpointLength} lower-case letters, digits, '_' or '-', e.g. support_resolved."];
        }

        var channel = string.IsNullOrWhiteSpace(request.Channel) ? survey.DefaultChannel : request.Channel.Trim();
        if (channel is not null && !SurveyValidation.IsTag(channel, SurveyValidation.MaxChannelLength))
        {
            errors["channel"] = [$"A channel is 1 to {SurveyValidation.MaxChannelLength} lower-case letters, digits, '_' or '-', e.g. email."];
        }

        if (request.ExpiresInDays is < 1 or > MaxExpiryDays)
        {
            errors["expiresInDays"] = [$"A link expires after 1 to {MaxExpiryDays} days (default {DefaultExpiryDays})."];
        }

        if (request.Agent is { Length: > 200 })
        {
            errors["agent"] = ["The agent may be at most 200 characters."];
        }

        if (request.Product is { Length: > 200 })
        {
            errors["product"] = ["The product may be at most 200 characters."];
        }

        Guid? customerId = null;
        if (request.CustomerId is not { } cid)
        {
            errors["customerId"] = ["Give the id of the customer the link is for."];
        }
        else
        {
            // A merged-away profile's links belong to the profile it was merged into.
            var customer = await db.Customers.AsNoTracking().Where(c => c.Id == cid)
                .Select(c => new { c.Id, c.MergedIntoId }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            customerId = customer?.MergedIntoId ?? customer?.Id;
            if (customerId is null)
            {
                errors["customerId"] = ["No customer with this id in this workspace."];
            }
        }

        if (errors.Count > 0)
        {
            return new LinkResult(null, errors);
        }

        if (survey.Status == SurveyStatuses.Closed)
        {
            return new LinkResult(null, errors, "The survey is closed; a link to it could not be answered.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var id = Guid.CreateVersion7();
        var key = SurveyTokens.NewLinkKey(id);
        var link = new SurveyLink
        {
            WorkspaceId = survey.WorkspaceId,
            Id = id,
            SurveyId = survey.Id,
            CustomerId = customerId,
            Touchpoint = touchpoint,
            Channel = channel,
            Agent = string.IsNullOrWhiteSpace(request.Agent) ? null : request.Agent.Trim(),
            Product = string.IsNullOrWhiteSpace(request.Product) ? null : request.Product.Trim(),
            SecretHash = SurveyTokens.HashOf(key),
            CreatedAt = now,
            ExpiresAt = now.AddDays(request.ExpiresInDays ?? DefaultExpiryDays),
        };
        db.Add(link);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new LinkResult(
            new CreatedSurveyLink(id, survey.Id, customerId!.Value, touchpoint, $"{SurveyService.PublicPath(survey.Token)}?k={key}", link.ExpiresAt),
            errors);
    }

    /// <summary>The link a key names, if the key is genuine (its hash matches); expiry and use are the caller's to judge.</summary>
    public static async Task<SurveyLink?> FindAsync(ObsessDb db, Survey survey, string? key, CancellationToken ct = default)
    {
        if (!SurveyTokens.TryReadLinkId(key, out var id))
        {
            return null;
        }

        var link = await db.Set<SurveyLink>().FirstOrDefaultAsync(l => l.Id == id && l.SurveyId == survey.Id, ct).ConfigureAwait(false);
        return link is not null && SurveyTokens.Verify(key, link.SecretHash) ? link : null;
    }
}
