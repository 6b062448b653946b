using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Intelligence;

/// <summary>
/// Keeps every workspace's scores fresh: shortly after start, and then every few minutes it recomputes a workspace
/// whose customers changed since its last run (after an import or new events) or whose last run is a day old.
/// State lives in the database (the last run's time), so any number of app nodes can run the job; on PostgreSQL a
/// session advisory lock per workspace makes sure only one of them computes it at a time.
/// </summary>
internal sealed class ScoresJob(IServiceProvider services, ILogger<ScoresJob> log, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxAge = TimeSpan.FromDays(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        WorkspaceJobs.RepeatAsync(FirstDelay, Interval, clock, RunOnceAsync, log, stoppingToken);

    internal Task RunOnceAsync(CancellationToken ct) =>
        WorkspaceJobs.ForEachAsync(services, "scores", "Scores", log, async (scope, ws, token) =>
        {
            var db = scope.GetRequiredService<ObsessDb>();
            var lastRun = await db.ModelRuns.Where(r => r.Kind == "clv").MaxAsync(r => (DateTime?)r.At, token).ConfigureAwait(false);
            var lastChange = await db.Customers.MaxAsync(c => (DateTime?)c.UpdatedAt, token).ConfigureAwait(false);
            var due = lastChange is not null && (lastRun is null || lastChange > lastRun || clock.GetUtcNow().UtcDateTime - lastRun > MaxAge);
            if (!due)
            {
                return;
            }

            var result = await scope.GetRequiredService<ScoresService>().RecomputeAsync(token).ConfigureAwait(false);
            log.LogInformation("Scores for workspace {Workspace}: {Scored} of {Customers} customers in {Seconds:0.0} s", ws, result.Scored, result.Customers, result.Elapsed.TotalSeconds);
        }, ct);
}
