using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Invitations;

/// <summary>
/// Every minute, per workspace: record invitations for new orders and events, then send those that are due. Its
/// state is in the database (each trigger's watermark, each invitation's status and next attempt), and on PostgreSQL a
/// per-workspace advisory lock lets one node at a time work a workspace, so any number of nodes can run it.
/// </summary>
internal sealed class InvitationJob(IServiceProvider services, ILogger<InvitationJob> log, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(25);
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

    /// <summary>One pass over every workspace: (invitations recorded, invitations sent).</summary>
    internal async Task<(int Recorded, int Sent)> RunOnceAsync(CancellationToken ct)
    {
        List<Guid> workspaces;
        await using (var scope = services.CreateAsyncScope())
        {
            workspaces = await scope.ServiceProvider.GetRequiredService<ObsessDb>().Workspaces.Select(w => w.Id).ToListAsync(ct).ConfigureAwait(false);
        }

        var (recorded, sent) = (0, 0);
        foreach (var ws in workspaces)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(ws);
                var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
                if (!await AdvisoryLock.TryAcquireAsync(db, $"invitations:{ws}", ct).ConfigureAwait(false))
                {
                    continue;
                }

                try
                {
                    var invitations = scope.ServiceProvider.GetRequiredService<InvitationService>();
                    recorded += await invitations.ScheduleAsync(ct).ConfigureAwait(false);
                    sent += await invitations.SendDueAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    await AdvisoryLock.ReleaseAsync(db, $"invitations:{ws}").ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One workspace's failure must not stop the others; it is retried at the next round.
                log.LogError(e, "Invitations for workspace {Workspace} failed", ws);
            }
        }

        return (recorded, sent);
    }
}
