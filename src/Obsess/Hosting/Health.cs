using Microsoft.AspNetCore.Http.HttpResults;
using Obsess.Data;

namespace Obsess.Hosting;

public sealed record HealthStatus(string Status, string Database, int SchemaVersion);

internal static class Health
{
    public static void MapHealth(this IEndpointRouteBuilder app) =>
        app.MapGet("/healthz", CheckAsync)
            .WithName("Health")
            .WithSummary("Ready when the app and its database answer and the schema is up to date.")
            .WithTags("Platform")
            .AllowAnonymous();

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> CheckAsync(ObsessDb db, CancellationToken ct)
    {
        try
        {
            var version = await Migrator.CurrentVersionAsync(db, ct).ConfigureAwait(false);
            var latest = Migrator.LatestVersion(db.IsSqlite);
            var engine = db.IsSqlite ? "sqlite" : "postgresql";
            return version == latest
                ? TypedResults.Ok(new HealthStatus("ready", engine, version))
                : TypedResults.Problem(statusCode: 503, title: "Not ready", detail: $"The schema is at version {version}; this build expects {latest}.");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            return TypedResults.Problem(statusCode: 503, title: "Database unavailable", detail: e.Message);
        }
    }
}
