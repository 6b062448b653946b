using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.FollowUps;

/// <summary>
/// Opens follow-up tasks for matching feedback every minute. On PostgreSQL a per-workspace advisory lock lets one
/// node at a time work a workspace. Its state is the tasks themselves (one per response, under a unique key), so a
/// run repeated, interrupted or run on two nodes at once opens each task once.
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
                if (!await AdvisoryLock.TryAcquireAsync(db, $"followups:{ws}", ct).ConfigureAwait(false))
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
                    await AdvisoryLock.ReleaseAsync(db, $"followups:{ws}").ConfigureAwait(false);
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
