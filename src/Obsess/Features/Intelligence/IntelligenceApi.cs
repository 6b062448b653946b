using Microsoft.AspNetCore.Http.HttpResults;

namespace Obsess.Features.Intelligence;

internal static class IntelligenceApi
{
    public static void MapIntelligenceApi(this RouteGroupBuilder api) =>
        api.MapGet("/insights", async Task<Results<Ok<Insights>, ValidationProblem>> (InsightsQueries queries, int? atRisk, CancellationToken ct) =>
            {
                if (atRisk is < 1 or > 100)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["atRisk"] = ["atRisk must be between 1 and 100."] });
                }

                return TypedResults.Ok(await queries.GetAsync(atRisk ?? 10, ct).ConfigureAwait(false));
            })
            .WithName("GetInsights")
            .WithSummary("Lifetime value distribution, the high-value customers at risk and why, and the latest model runs with their backtest figures.")
            .WithTags("Customer intelligence");
}
