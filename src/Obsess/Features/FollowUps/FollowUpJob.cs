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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        WorkspaceJobs.RepeatAsync(FirstDelay, Interval, clock, RunOnceAsync, log, stoppingToken);

    /// <summary>One pass over every workspace; returns the number of tasks opened.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var opened = 0;
        await WorkspaceJobs.ForEachAsync(services, "followups", "Follow-ups", log, async (scope, ws, token) =>
        {
            var n = await scope.GetRequiredService<FollowUpService>().OpenTasksAsync(token).ConfigureAwait(false);
            opened += n;
            if (n > 0)
            {
                log.LogInformation("Follow-ups for workspace {Workspace}: {Opened} tasks opened", ws, n);
            }
        }, ct).ConfigureAwait(false);
        return opened;
    }
}
