using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.FollowUps;

/// <summary>
/// A PostgreSQL session advisory lock per (job, workspace), so that of several app nodes only one works a workspace
/// at a time. SQLite is single-node; its write lock serialises writers anyway. Held on the context's connection,
/// which stays open until <see cref="ReleaseAsync"/>.
/// </summary>
internal static class WorkspaceLock
{
    public static async Task<bool> TryAcquireAsync(ObsessDb db, string job, Guid ws, CancellationToken ct)
    {
        if (db.IsSqlite)
        {
            return true;
        }

        await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
        var key = $"{job}:{ws}";
        return await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock(hashtext({key})) AS \"Value\"").SingleAsync(ct).ConfigureAwait(false);
    }

    public static async Task ReleaseAsync(ObsessDb db, string job, Guid ws)
    {
        if (!db.IsSqlite)
        {
            var key = $"{job}:{ws}";
            await db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock(hashtext({key})) AS \"Value\"").SingleAsync().ConfigureAwait(false);
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Opens follow-up tasks for matching feedback every minute. Its state is the tasks themselves (one per response,
/// under a unique key), so a run repeated, interrupted or run on two nodes at once opens each task once.
/// </summary>
internal sealed class FollowUpJob(IServiceProvider services, ILogger<FollowUpJob> log, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

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

    /// <summary>One pass over every workspace; returns the number of tasks opened.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<Guid> workspaces;
        await using (var scope = services.CreateAsyncScope())
        {
            workspaces = await scope.ServiceProvider.GetRequiredService<ObsessDb>().Workspaces.Select(w => w.Id).ToListAsync(ct).ConfigureAwait(false);
        }

        var opened = 0;
        foreach (var ws in workspaces)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(ws);
                var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
                if (!await WorkspaceLock.TryAcquireAsync(db, "followups", ws, ct).ConfigureAwait(false))
                {
                    continue;
                }

                try
                {
                    var n = await scope.ServiceProvider.GetRequiredService<FollowUpService>().OpenTasksAsync(ct).ConfigureAwait(false);
                    opened += n;
                    if (n > 0)
                    {
                        log.LogInformation("Follow-ups for workspace {Workspace}: {Opened} tasks opened", ws, n);
                    }
                }
                finally
                {
                    await WorkspaceLock.ReleaseAsync(db, "followups", ws).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One workspace's failure must not stop the others; it is retried at the next round.
                log.LogError(e, "Follow-ups for workspace {Workspace} failed", ws);
            }
        }

        return opened;
    }
}
