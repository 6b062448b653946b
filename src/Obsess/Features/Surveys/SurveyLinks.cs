using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
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
/// Personal links: tied to one customer and one touchpoint, signed, time-limited and single-use. Triggers that send
/// survey invitations (e-mail, webhooks) create them through <see cref="CreateAsync"/>.
/// <para>
/// The URL's key is signed with the workspace's link key (<see cref="SurveyTokens.SignLink"/>, <see cref="SigningKeys"/>)
/// over the link id, survey, customer, touchpoint and expiry, and <see cref="FindAsync"/> checks the signature in
/// constant time before it looks the link up, so a forged or altered link costs no query on survey_links. The random
/// part of the key still has to match the stored SHA-256 hash (of the whole signed key, so a signed link cannot be
/// presented in the older unsigned form), and use and expiry are still judged from the stored row.
/// </para>
/// <para>
/// Links made before schema version 8 carry only the unsigned key (link id and 24 random bytes). They stay valid
/// until they expire (at most <see cref="MaxExpiryDays"/> days after they were sent), because they are already in
/// customers' inboxes and their 192 random bits make them as unguessable as before; only they are looked up
/// without a signature check.
/// </para>
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
        var expiresAt = now.AddDays(request.ExpiresInDays ?? DefaultExpiryDays);
        var hmacKey = await Keys(db).KeyAsync(db, survey.WorkspaceId, SigningKeys.SurveyLinks, ct).ConfigureAwait(false);
        var key = SurveyTokens.SignLink(hmacKey, survey.WorkspaceId, survey.Id, SurveyTokens.NewLinkKey(id), customerId!.Value, touchpoint, expiresAt);
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
            ExpiresAt = expiresAt,
        };
        db.Add(link);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new LinkResult(
            new CreatedSurveyLink(id, survey.Id, customerId!.Value, touchpoint, $"{SurveyService.PublicPath(survey.Token)}?k={key}", link.ExpiresAt),
            errors);
    }

    /// <summary>
    /// The link a key names, if the key is genuine: a signed key's signature must be right (checked before any query on
    /// the links), and the key must match the stored hash. Expiry and use are the caller's to judge from the row.
    /// </summary>
    public static async Task<SurveyLink?> FindAsync(ObsessDb db, Survey survey, string? key, CancellationToken ct = default)
    {
        Guid id;
        if (SurveyTokens.TryReadSignedLink(key, out var signed))
        {
            var hmacKey = await Keys(db).KeyAsync(db, survey.WorkspaceId, SigningKeys.SurveyLinks, ct).ConfigureAwait(false);
            if (!SurveyTokens.VerifyLink(hmacKey, survey.WorkspaceId, survey.Id, signed))
            {
                return null;
            }

            id = signed.LinkId;
        }
        else if (!SurveyTokens.TryReadLinkId(key, out id))
        {
            // Neither signed nor an unsigned key from before version 8 (see the class remarks).
            return null;
        }

        var link = await db.Set<SurveyLink>().FirstOrDefaultAsync(l => l.Id == id && l.SurveyId == survey.Id, ct).ConfigureAwait(false);
        return link is not null && SurveyTokens.Verify(key, link.SecretHash) ? link : null;
    }

    // The context's application services give the singleton key cache, so callers keep passing just the context.
    private static SigningKeys Keys(ObsessDb db) => db.GetService<SigningKeys>();
}
