using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Texts;

/// <summary>
/// One customer text sent through the API. The customer is named by id or by an identity the hub knows (e-mail, phone,
/// or a source's user id); a text whose person is unknown is stored without a customer (the hub does not create
/// customers from texts).
/// </summary>
public sealed record NewTextRequest
{
    public Guid? CustomerId { get; init; }

    public string? Email { get; init; }

    public string? Phone { get; init; }

    public string? UserId { get; init; }

    /// <summary>The system that sent it (zendesk, intercom, call-centre…); with <see cref="ExternalId"/> it makes re-sending idempotent.</summary>
    public string? Source { get; init; }

    public string? ExternalId { get; init; }

    /// <summary>survey_comment, review, chat, email, call or note.</summary>
    public string? Kind { get; init; }

    public string? Channel { get; init; }

    public string? Body { get; init; }

    public DateTime? OccurredAt { get; init; }
}

public sealed record StoredText(int Index, Guid Id, Guid? CustomerId, bool Duplicate);

public sealed record StoreTextsResponse(IReadOnlyList<StoredText> Texts);

internal static class TextsApi
{
    public const int MaxBatch = 1_000;

    public static void MapTextsApi(this RouteGroupBuilder api)
    {
        var texts = api.MapGroup("/texts").WithTags("Texts");
        texts.MapGet("/", ListAsync).WithName("ListTexts")
            .WithSummary("Customer texts with what the text engine found (sentiment, emotions, intents, urgency, theme); filters: customerId, kind, channel, source, segment, from, to, sentiment, intent, theme, urgent.");
        texts.MapGet("/insights", InsightsAsync).WithName("TextInsights")
            .WithSummary("Sentiment over time, emotion mix, top themes with examples and trend, and the texts with churn threats or high urgency; same filters as the list.");
        texts.MapGet("/{id:guid}", GetAsync).WithName("GetText").WithSummary("One text and its analysis.");
        texts.MapPost("/", StoreAsync).WithName("StoreTexts")
            .WithSummary("Stores up to 1,000 customer texts (chat and e-mail messages, call transcripts, notes…; agent or above). All or nothing: any invalid item → 400 naming [i].field. Texts are analysed in the background within seconds.")
            .RequireAuthorization(Accounts.Policies.Agent);
    }

    private static async Task<Results<Ok<PagedList<TextItem>>, ValidationProblem>> ListAsync(
        TextQueries queries, [AsParameters] TextFilterQuery filter, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = CustomersApi.PagingErrors(page, pageSize);
        var parsed = filter.Parse(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.ListAsync(parsed, page ?? 1, pageSize ?? 25, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<TextInsights>, ValidationProblem>> InsightsAsync(TextQueries queries, [AsParameters] TextFilterQuery filter, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var parsed = filter.Parse(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.InsightsAsync(parsed, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<TextItem>, NotFound>> GetAsync(TextQueries queries, Guid id, CancellationToken ct) =>
        await queries.GetAsync(id, ct).ConfigureAwait(false) is { } item ? TypedResults.Ok(item) : TypedResults.NotFound();

    private static async Task<Results<Ok<StoreTextsResponse>, ValidationProblem>> StoreAsync(
        ObsessDb db, TimeProvider clock, List<NewTextRequest>? texts, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (texts is null || texts.Count == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [""] = ["Send a JSON array of 1 to 1,000 texts."] });
        }

        if (texts.Count > MaxBatch)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [""] = [$"At most {MaxBatch:N0} texts per call; this one has {texts.Count:N0}."] });
        }

        var ws = db.CurrentWorkspaceId;
        var region = await db.Workspaces.Where(w => w.Id == ws).Select(w => w.DefaultRegion).FirstAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = new List<(int Index, CustomerText Text, IdentityKey? Identity)>();
        for (var i = 0; i < texts.Count; i++)
        {
            var t = texts[i];
            void Error(string field, string message) => errors[$"[{i}].{field}"] = [message];
            var body = t.Body?.Trim();
            if (string.IsNullOrEmpty(body))
            {
                Error("body", "Body is required.");
            }
            else if (body.Length > CustomerText.MaxBodyLength)
            {
                Error("body", $"Body must be at most {CustomerText.MaxBodyLength:N0} characters; it has {body.Length:N0}.");
            }

            if (t.Kind is null || !TextKinds.All.Contains(t.Kind))
            {
                Error("kind", $"Kind must be one of: {string.Join(", ", TextKinds.All)}.");
            }

            if (string.IsNullOrWhiteSpace(t.Source) || t.Source.Length > 64)
            {
                Error("source", "Source is required (at most 64 characters).");
            }

            if (t.ExternalId is { Length: > 128 })
            {
                Error("externalId", "External id must be at most 128 characters.");
            }

            if (t.Channel is { Length: > 32 })
            {
                Error("channel", "Channel must be at most 32 characters.");
            }

            if (t.OccurredAt is { } at && (at.Kind == DateTimeKind.Unspecified || at.ToUniversalTime() > now.AddDays(1)))
            {
                Error("occurredAt", "occurredAt needs a time zone (e.g. 2026-05-01T10:00:00Z) and must not be in the future.");
            }

            IdentityKey? identity = null;
            if (t.CustomerId is null)
            {
                if (t.Email is not null)
                {
                    identity = IdentityNormalizer.Email(t.Email) is { } e ? new IdentityKey(IdentityKinds.Email, "", e) : null;
                    if (identity is null)
                    {
                        Error("email", "Not a usable e-mail address.");
                    }
                }
                else if (t.Phone is not null)
                {
                    identity = IdentityNormalizer.Phone(t.Phone, region) is { } p ? new IdentityKey(IdentityKinds.Phone, "", p) : null;
                    if (identity is null)
                    {
                        Error("phone", "Not a usable phone number.");
                    }
                }
                else if (t.UserId is not null)
                {
                    identity = !IdentityNormalizer.IsBogus(t.UserId) && t.UserId.Trim().Length <= 320 ? new IdentityKey(IdentityKinds.External, t.Source?.Trim() ?? "", t.UserId.Trim()) : null;
                    if (identity is null)
                    {
                        Error("userId", "Not a usable user id.");
                    }
                }
            }

            if (body is not null && errors.Count == 0)
            {
                rows.Add((i, new CustomerText
                {
                    WorkspaceId = ws,
                    Id = Guid.CreateVersion7(),
                    CustomerId = t.CustomerId,
                    Kind = t.Kind!,
                    Channel = t.Channel?.Trim(),
                    Source = t.Source!.Trim(),
                    ExternalId = t.ExternalId?.Trim(),
                    Body = body,
                    OccurredAt = t.OccurredAt?.ToUniversalTime() ?? now,
                    CreatedAt = now,
                }, identity));
            }
        }

        var duplicates = rows.Where(r => r.Text.ExternalId is not null).GroupBy(r => (r.Text.Source, r.Text.ExternalId)).Where(g => g.Count() > 1);
        foreach (var g in duplicates)
        {
            errors[$"[{g.Skip(1).First().Index}].externalId"] = [$"The same source and external id as item {g.First().Index}."];
        }

        // Customers: by id (resolved through merges to the survivor) or by a known identity.
        var ids = rows.Where(r => r.Text.CustomerId is not null).Select(r => r.Text.CustomerId!.Value).Distinct().ToList();
        var known = await db.Customers.Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.MergedIntoId }).ToDictionaryAsync(c => c.Id, c => c.MergedIntoId, ct).ConfigureAwait(false);
        foreach (var r in rows.Where(r => r.Text.CustomerId is { } id && !known.ContainsKey(id)))
        {
            errors[$"[{r.Index}].customerId"] = ["No such customer in this workspace."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var values = rows.Where(r => r.Identity is not null).Select(r => r.Identity!.Value).Distinct().ToList();
        var holders = await db.Identities.Where(i => values.Contains(i.Value)).Select(i => new { i.Kind, i.Source, i.Value, i.CustomerId }).ToListAsync(ct).ConfigureAwait(false);
        // Texts already stored under the same source and external id (one query for the batch).
        var externalIds = rows.Where(r => r.Text.ExternalId is not null).Select(r => r.Text.ExternalId!).Distinct().ToList();
        var existing = (await db.Texts.Where(x => x.ExternalId != null && externalIds.Contains(x.ExternalId))
                .Select(x => new { x.Source, x.ExternalId, x.Id, x.CustomerId }).ToListAsync(ct).ConfigureAwait(false))
            .ToDictionary(x => (x.Source, x.ExternalId!), x => (x.Id, x.CustomerId));
        var stored = new List<StoredText>();
        foreach (var (index, text, identity) in rows)
        {
            if (identity is not null)
            {
                text.CustomerId = holders.FirstOrDefault(h => h.Kind == identity.Kind && h.Source == identity.Source && h.Value == identity.Value)?.CustomerId;
            }

            // Identities always name a live profile (merges move them); only an id given outright may have been merged away.
            if (text.CustomerId is { } cid && known.GetValueOrDefault(cid) is not null)
            {
                text.CustomerId = await SurvivorAsync(db, cid, ct).ConfigureAwait(false);
            }

            if (text.ExternalId is not null && existing.TryGetValue((text.Source, text.ExternalId), out var earlier))
            {
                stored.Add(new StoredText(index, earlier.Id, earlier.CustomerId, Duplicate: true));
                continue;
            }

            db.Texts.Add(text);
            stored.Add(new StoredText(index, text.Id, text.CustomerId, Duplicate: false));
        }

        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // A concurrent retry stored the same (source, external id) first: nothing of this call was written; the
            // client retries and gets the stored ids back.
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [""] = ["Some of these texts were stored by a concurrent request; send the call again."] });
        }

        return TypedResults.Ok(new StoreTextsResponse(stored));
    }

    /// <summary>A merged-away customer's texts belong to the profile it was merged into.</summary>
    private static async Task<Guid> SurvivorAsync(ObsessDb db, Guid id, CancellationToken ct)
    {
        for (var hops = 0; hops < 16; hops++)
        {
            var next = await db.Customers.Where(c => c.Id == id).Select(c => c.MergedIntoId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (next is null)
            {
                return id;
            }

            id = next.Value;
        }

        return id;
    }
}
