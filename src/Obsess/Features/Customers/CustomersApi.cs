using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Obsess.Features.Customers;

public sealed record SplitRequest(Guid? MergeId);

public sealed record ConsentRequest(Dictionary<string, bool>? Purposes);

public sealed record SplitResponse(Guid RestoredCustomerId);

internal static class CustomersApi
{
    /// <summary>The RFM segments' display names, as stored on each customer's score.</summary>
    public static readonly IReadOnlyList<string> SegmentNames =
        [.. Enum.GetValues<Analytics.Segments.RfmSegment>().Select(Analytics.Segments.Rfm.DisplayName)];

    public static void MapCustomersApi(this RouteGroupBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("/", SearchAsync).WithName("SearchCustomers")
            .WithSummary("Searches customers by name, e-mail, phone or external id; sort=recent (default), value (12-month CLV), risk (churn probability) or value-at-risk; segment= an RFM segment; health=good|average|poor.");
        customers.MapGet("/{id:guid}", GetAsync).WithName("GetCustomer")
            .WithSummary("The 360° profile: identities, traits, computed basics and a paginated, filterable timeline.");
        customers.MapPut("/{id:guid}/consent", SetConsentAsync).WithName("SetCustomerConsent")
            .WithSummary("Records the customer's consent per purpose (agent or above), e.g. {\"purposes\": {\"marketing_email\": false}}.")
            .RequireAuthorization(Accounts.Policies.Agent);
        customers.MapGet("/{id:guid}/merges", MergesAsync).WithName("GetCustomerMerges")
            .WithSummary("The customer's merge history: which profiles were merged into it (or it into which), why, and what moved.");
        customers.MapPost("/{id:guid}/split", SplitAsync).WithName("SplitCustomer")
            .WithSummary("Undoes a recorded merge (admin): the merged profile comes back with its identities, orders and events.")
            .RequireAuthorization(Accounts.Policies.Admin);
        customers.MapDelete("/{id:guid}", EraseAsync).WithName("EraseCustomer")
            .WithSummary("Erases the customer (admin; GDPR Art. 17): the profile and every profile merged into it, with their identities, events, orders, scores, merges, texts, feedback, survey responses and links, follow-up tasks and invitations, in one transaction. Answers with the counts; the audit log keeps only those. Data sent again later makes a new profile.")
            .RequireAuthorization(Accounts.Policies.Admin);
    }

    private static async Task<Results<Ok<ErasureResult>, NotFound>> EraseAsync(Guid id, CustomerErasure erasure, System.Security.Claims.ClaimsPrincipal caller, CancellationToken ct) =>
        await erasure.EraseAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false) is { } erased ? TypedResults.Ok(erased) : TypedResults.NotFound();

    private static async Task<Results<Ok<PagedList<CustomerListItem>>, ValidationProblem>> SearchAsync(
        CustomerQueries queries, string? query, int? page, int? pageSize, string? sort, string? segment, string? health, CancellationToken ct)
    {
        var errors = PagingErrors(page, pageSize);
        CustomerSort order = CustomerSort.Recent;
        if (sort is not null && (!Enum.TryParse(sort.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out order) || !Enum.IsDefined(order) || char.IsDigit(sort[0])))
        {
            errors["sort"] = ["Sort must be recent, value, risk or value-at-risk."];
        }

        if (query is { Length: > 200 })
        {
            errors["query"] = ["Query must be at most 200 characters."];
        }

        if (segment is not null && !SegmentNames.Contains(segment))
        {
            errors["segment"] = [$"Segment must be one of: {string.Join(", ", SegmentNames)}."];
        }

        if (health is not null and not "good" and not "average" and not "poor")
        {
            errors["health"] = ["Health must be good, average or poor."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.SearchAsync(query, page ?? 1, pageSize ?? 25, order, new CustomerFilter(segment, health), ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<CustomerProfile>, NotFound, ValidationProblem>> GetAsync(
        Guid id, CustomerQueries queries, string? kind, string? source, string? channel, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = PagingErrors(page, pageSize);
        if (kind is not null and not "order" and not "event")
        {
            errors["kind"] = ["Kind must be 'order' or 'event'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var profile = await queries.GetAsync(id, new TimelineFilter(kind, source, channel, page ?? 1, pageSize ?? 25), ct).ConfigureAwait(false);
        return profile is null ? TypedResults.NotFound() : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<IReadOnlyDictionary<string, ConsentState>>, NotFound, ValidationProblem>> SetConsentAsync(
        Guid id, ConsentRequest request, Data.ObsessDb db, TimeProvider clock, System.Security.Claims.ClaimsPrincipal caller, CancellationToken ct)
    {
        if (request.Purposes is not { Count: > 0 } purposes)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["purposes"] = ["Give at least one purpose, e.g. {\"marketing_email\": true}."] });
        }

        var bad = purposes.Keys.Where(p => !Consent.IsPurpose(p)).ToList();
        if (bad.Count > 0)
        {
            return TypedResults.ValidationProblem(bad.ToDictionary(p => $"purposes.{p}", _ => new[] { "A purpose is 1 to 64 lower-case letters, digits or _." }));
        }

        // Read and written under the workspace's lock, as ingestion and merges change the same customer's consent.
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await Data.AdvisoryLock.LockCustomersAsync(db, ct).ConfigureAwait(false);
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Id == id && c.MergedIntoId == null, ct).ConfigureAwait(false);
        if (customer is null)
        {
            return TypedResults.NotFound();
        }

        var actor = Audit.Audit.ActorOf(caller);
        var now = clock.GetUtcNow().UtcDateTime;
        customer.Consent = Consent.Apply(customer.Consent, purposes, now, actor);
        customer.UpdatedAt = now;
        Audit.Audit.Record(db, customer.WorkspaceId, actor, "customer.consent", $"customer:{customer.Id}", string.Join(", ", purposes.Select(p => $"{p.Key}={p.Value}")), clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(Consent.Read(customer.Consent));
    }

    private static async Task<Results<Ok<List<MergeView>>, NotFound>> MergesAsync(Guid id, MergeService merges, CancellationToken ct) =>
        await merges.HistoryAsync(id, ct).ConfigureAwait(false) is { } list ? TypedResults.Ok(list) : TypedResults.NotFound();

    private static async Task<Results<Ok<SplitResponse>, NotFound, ProblemHttpResult>> SplitAsync(
        Guid id, SplitRequest? request, MergeService merges, System.Security.Claims.ClaimsPrincipal caller, CancellationToken ct)
    {
        var result = await merges.SplitAsync(id, request?.MergeId, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            SplitOutcome.Split => TypedResults.Ok(new SplitResponse(result.RestoredCustomerId!.Value)),
            SplitOutcome.NotFound when result.Detail is null => TypedResults.NotFound(),
            SplitOutcome.NotFound => TypedResults.Problem(statusCode: 404, title: "No such merge", detail: "This customer has no merge with that id."),
            _ => TypedResults.Problem(statusCode: 409, title: "Nothing to split", detail: result.Detail),
        };
    }

    internal static Dictionary<string, string[]> PagingErrors(int? page, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1)
        {
            errors["page"] = ["Page must be 1 or more."];
        }

        if (pageSize is < 1 or > CustomerQueries.MaxPageSize)
        {
            errors["pageSize"] = [$"Page size must be between 1 and {CustomerQueries.MaxPageSize}."];
        }

        return errors;
    }
}
