using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Intelligence;

/// <summary>
/// Keeps every workspace's scores fresh: shortly after start, and then every few minutes it recomputes a workspace
/// whose customers changed since its last run (after an import or new events) or whose last run is a day old.
/// "Changed" is the later of the newest customer update and the newest stored event: ingestion does not rewrite a
/// customer whose profile an event leaves as it was (see <see cref="Ingestion.CustomerWrites"/>), so new events
/// are read from the events' own ids, which are time-ordered (UUIDv7, RFC 9562 §5.7: the first 48 bits are the
/// Unix time in milliseconds) — the newest is one step down the primary key.
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
            var lastUpdate = await db.Customers.MaxAsync(c => (DateTime?)c.UpdatedAt, token).ConfigureAwait(false);
            var newestEvent = await db.Events.OrderByDescending(e => e.Id).Select(e => (Guid?)e.Id).FirstOrDefaultAsync(token).ConfigureAwait(false);
            var lastChange = Later(lastUpdate, newestEvent is { } id ? Version7Time(id) : null);
            var due = lastChange is not null && (lastRun is null || lastChange > lastRun || clock.GetUtcNow().UtcDateTime - lastRun > MaxAge);
            if (!due)
            {
                return;
            }

            var result = await scope.GetRequiredService<ScoresService>().RecomputeAsync(token).ConfigureAwait(false);
            log.LogInformation("Scores for workspace {Workspace}: {Scored} of {Customers} customers in {Seconds:0.0} s", ws, result.Scored, result.Customers, result.Elapsed.TotalSeconds);
        }, ct);

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>When a version-7 UUID was made (its first 48 bits, big-endian, are Unix milliseconds); null for any other version.</summary>
    internal static DateTime? Version7Time(Guid id)
    {
        if (id.Version != 7)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return DateTime.UnixEpoch.AddMilliseconds(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
    }
}
