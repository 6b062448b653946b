using Microsoft.AspNetCore.Http.HttpResults;

namespace Obsess.Features.Dashboard;

internal static class DashboardApi
{
    public static void MapDashboardApi(this RouteGroupBuilder api) =>
        api.MapGet("/dashboard/overview", async Task<Results<Ok<Overview>, ValidationProblem>> (DashboardQueries queries, int? months, CancellationToken ct) =>
            {
                if (months is < 1 or > 120)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["months"] = ["Months must be between 1 and 120."] });
                }

                return TypedResults.Ok(await queries.OverviewAsync(months ?? 24, ct).ConfigureAwait(false));
            })
            .WithName("GetOverview")
            .WithSummary("Customers, active in the last 30 days, revenue by month and new vs returning buyers by month.")
            .WithTags("Dashboard");
}
