using Microsoft.AspNetCore.Http.HttpResults;

namespace Obsess.Features.Customers;

internal static class CustomersApi
{
    public static void MapCustomersApi(this RouteGroupBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("/", SearchAsync).WithName("SearchCustomers")
            .WithSummary("Searches customers by name, e-mail, phone or external id; most recently seen first.");
        customers.MapGet("/{id:guid}", GetAsync).WithName("GetCustomer")
            .WithSummary("The 360° profile: identities, traits, computed basics and a paginated, filterable timeline.");
    }

    private static async Task<Results<Ok<PagedList<CustomerListItem>>, ValidationProblem>> SearchAsync(
        CustomerQueries queries, string? query, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = PagingErrors(page, pageSize);
        if (query is { Length: > 200 })
        {
            errors["query"] = ["Query must be at most 200 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.SearchAsync(query, page ?? 1, pageSize ?? 25, ct).ConfigureAwait(false));
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
