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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(FirstDelay, clock, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Interval, clock, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task RunOnceAsync(CancellationToken ct)
    {
        List<Guid> workspaces;
        await using (var scope = services.CreateAsyncScope())
        {
            workspaces = await scope.ServiceProvider.GetRequiredService<ObsessDb>().Workspaces.Select(w => w.Id).ToListAsync(ct).ConfigureAwait(false);
        }

        foreach (var ws in workspaces)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(ws);
                var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
                var lastRun = await db.ModelRuns.Where(r => r.Kind == "clv").MaxAsync(r => (DateTime?)r.At, ct).ConfigureAwait(false);
                var lastChange = await db.Customers.MaxAsync(c => (DateTime?)c.UpdatedAt, ct).ConfigureAwait(false);
                var due = lastChange is not null && (lastRun is null || lastChange > lastRun || clock.GetUtcNow().UtcDateTime - lastRun > MaxAge);
                if (!due || !await AdvisoryLock.TryAcquireAsync(db, $"scores:{ws}", ct).ConfigureAwait(false))
                {
                    continue;
                }

                ScoresResult result;
                try
                {
                    result = await scope.ServiceProvider.GetRequiredService<ScoresService>().RecomputeAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    await AdvisoryLock.ReleaseAsync(db, $"scores:{ws}").ConfigureAwait(false);
                }

                log.LogInformation("Scores for workspace {Workspace}: {Scored} of {Customers} customers in {Seconds:0.0} s", ws, result.Scored, result.Customers, result.Elapsed.TotalSeconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One workspace's failure must not stop the others; it is retried at the next round.
                log.LogError(e, "Scores for workspace {Workspace} failed", ws);
            }
        }
    }
}
