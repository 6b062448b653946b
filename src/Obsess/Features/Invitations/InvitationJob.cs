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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        WorkspaceJobs.RepeatAsync(FirstDelay, Interval, clock, RunOnceAsync, log, stoppingToken);

    /// <summary>One pass over every workspace: (invitations recorded, invitations sent).</summary>
    internal async Task<(int Recorded, int Sent)> RunOnceAsync(CancellationToken ct)
    {
        var (recorded, sent) = (0, 0);
        await WorkspaceJobs.ForEachAsync(services, "invitations", "Invitations", log, async (scope, _, token) =>
        {
            var invitations = scope.GetRequiredService<InvitationService>();
            recorded += await invitations.ScheduleAsync(token).ConfigureAwait(false);
            sent += await invitations.SendDueAsync(token).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        return (recorded, sent);
    }
}
