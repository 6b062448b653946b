using Microsoft.EntityFrameworkCore;

namespace Obsess.Data;

/// <summary>
/// The loop the background jobs share: a pass after a first delay and then at an interval, and a pass that works
/// each workspace in its own service scope (acting in that workspace) under a per-workspace advisory lock, so any
/// number of app nodes can run the job and one node at a time works a workspace. A workspace's failure is logged and
/// retried at the next pass; it does not stop the others.
/// </summary>
public static class WorkspaceJobs
{
    /// <summary>Runs <paramref name="pass"/> after <paramref name="firstDelay"/>, then every <paramref name="interval"/>, until stopped.</summary>
    public static async Task RepeatAsync(TimeSpan firstDelay, TimeSpan interval, TimeProvider clock, Func<CancellationToken, Task> pass, ILogger log, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(firstDelay, clock, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await pass(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Retried at the next pass; one bad pass must not stop the job (or the host).
                    log.LogError(e, "Background pass failed");
                }

                await Task.Delay(interval, clock, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Calls <paramref name="work"/> for every workspace that this node can lock as <c>{lockName}:{workspace}</c>, with
    /// the scope's services acting in that workspace. <paramref name="what"/> names the job in the error log.
    /// </summary>
    public static async Task ForEachAsync(IServiceProvider services, string lockName, string what, ILogger log, Func<IServiceProvider, Guid, CancellationToken, Task> work, CancellationToken ct)
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
                if (!await AdvisoryLock.TryAcquireAsync(db, $"{lockName}:{ws}", ct).ConfigureAwait(false))
                {
                    continue;
                }

                try
                {
                    await work(scope.ServiceProvider, ws, ct).ConfigureAwait(false);
                }
                finally
                {
                    await AdvisoryLock.ReleaseAsync(db, $"{lockName}:{ws}").ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "{What} for workspace {Workspace} failed", what, ws);
            }
        }
    }
}
