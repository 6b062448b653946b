using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Obsess.Data;
using Obsess.Features.Feedback;
using Obsess.Features.Texts;

namespace Obsess.Features.Surveys;

/// <summary>A new response ready to store: the response row, its feedback rows and its open-text answers.</summary>
public sealed record NewResponse(SurveyResponse Response, IReadOnlyList<FeedbackRecord> Feedback, IReadOnlyList<CustomerText> Texts);

public enum ResponseWrite
{
    Stored,

    /// <summary>The survey was closed (by hand, by its close date or by a full quota) when the answers arrived.</summary>
    Closed,
}

/// <summary>
/// Stores new survey responses with group commit: each request hands over its rows and waits; one loop writes
/// everything that has arrived since its last commit in one transaction (bulk rows: on PostgreSQL one round trip
/// of INSERT … unnest for the three tables, on SQLite a prepared INSERT) and answers every waiting request only
/// after that commit, so an answer that got its 201 is durably stored. Under load the cost of a commit (a WAL flush) is shared by the whole group; a lone answer
/// is written at once. In the same transaction it reads the surveys' state, so no answer is stored for a closed
/// survey, and it counts a quota exactly (answers are admitted in arrival order until the quota is full, and the
/// survey closes then; on PostgreSQL a transaction lock per survey makes the count exact across app nodes too). If a group fails, its responses are written one by one, so one bad row cannot fail others.
/// Continued responses and personal links take <see cref="SurveyResponder"/>'s per-request path.
/// <para>
/// SQLite has one writer at a time, so it gets one loop. PostgreSQL commits concurrent transactions together, so it
/// may get several (<c>Obsess:Surveys:WriterLanes</c>, default <see cref="DefaultPostgresLanes"/>): while one waits
/// for its commit, the next group is written. Fewer loops make bigger groups, which cost less CPU per answer: on
/// the 2-core benchmark machine one loop took 2,276 answers/s from 16 connections where two took 1,636
/// (docs/benchmarks.md); more may pay where commits are slow (network storage). A survey with a quota always goes
/// to the same loop (by its id), so its count stays exact on this node.
/// </para>
/// </summary>
public sealed class SurveyResponseWriter : IAsyncDisposable
{
    /// <summary>At most this many responses per transaction (a few thousand rows).</summary>
    public const int MaxGroup = 256;

    public const int DefaultPostgresLanes = 1;

    private readonly IServiceScopeFactory _scopes;
    private readonly SurveyCache _cache;
    private readonly TimeProvider _clock;
    private readonly ILogger<SurveyResponseWriter> _log;
    private readonly Channel<Pending>[] _lanes;
    private readonly Task?[] _loops;
    private readonly Lock _gate = new();
    private int _next;

    public SurveyResponseWriter(IServiceScopeFactory scopes, Storage storage, IConfiguration config, SurveyCache cache, TimeProvider clock, ILogger<SurveyResponseWriter> log)
    {
        (_scopes, _cache, _clock, _log) = (scopes, cache, clock, log);
        var lanes = storage.IsPostgres ? Math.Clamp(config.GetValue("Obsess:Surveys:WriterLanes", DefaultPostgresLanes), 1, 16) : 1;
        _lanes = [.. Enumerable.Range(0, lanes)
            .Select(_ => Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true }))];
        _loops = new Task?[_lanes.Length];
    }

    /// <summary>Stores the response; completes after the commit.</summary>
    /// <param name="quota">Whether the survey has a response quota (its answers are then counted in one loop).</param>
    public Task<ResponseWrite> WriteAsync(NewResponse response, bool quota = true)
    {
        var pending = new Pending(response, new TaskCompletionSource<ResponseWrite>(TaskCreationOptions.RunContinuationsAsynchronously));
        var lane = _lanes.Length == 1 ? 0
            : quota ? (int)((uint)response.Response.SurveyId.GetHashCode() % (uint)_lanes.Length)
            : (int)((uint)Interlocked.Increment(ref _next) % (uint)_lanes.Length);
        lock (_gate)
        {
            _loops[lane] ??= Task.Run(() => LoopAsync(_lanes[lane].Reader));
        }

        if (!_lanes[lane].Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SurveyResponseWriter), "The application is stopping.");
        }

        return pending.Done.Task;
    }

    private async Task LoopAsync(ChannelReader<Pending> queue)
    {
        var group = new List<Pending>(MaxGroup);
        while (await queue.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < MaxGroup && queue.TryRead(out var next))
            {
                group.Add(next);
            }

            await WriteGroupAsync(group).ConfigureAwait(false);
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        try
        {
            var outcomes = await WriteOnceAsync(group).ConfigureAwait(false);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Done.TrySetResult(outcomes[i]);
            }
        }
        catch (Exception e) when (group.Count > 1)
        {
            _log.LogWarning(e, "Writing a group of {Count} survey responses failed; writing them one by one.", group.Count);
            foreach (var pending in group)
            {
                try
                {
                    pending.Done.TrySetResult((await WriteOnceAsync([pending]).ConfigureAwait(false))[0]);
                }
                catch (Exception one)
                {
                    pending.Done.TrySetException(one);
                }
            }
        }
        catch (Exception e)
        {
            group[0].Done.TrySetException(e);
        }
    }

    private async Task<ResponseWrite[]> WriteOnceAsync(IReadOnlyList<Pending> group)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
        await using var tx = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
        var now = _clock.GetUtcNow().UtcDateTime;

        // The surveys' state now, inside the transaction (the group may span workspaces: each row carries its own).
        var ids = group.Select(p => p.Response.Response.SurveyId).Distinct().ToList();
        var surveys = await db.Set<Survey>().IgnoreQueryFilters().Where(s => ids.Contains(s.Id)).ToListAsync().ConfigureAwait(false);
        var room = new Dictionary<Guid, int>();
        var outcomes = new ResponseWrite[group.Count];
        var kept = new List<NewResponse>(group.Count);
        for (var i = 0; i < group.Count; i++)
        {
            var r = group[i].Response.Response;
            var survey = surveys.FirstOrDefault(s => s.Id == r.SurveyId && s.WorkspaceId == r.WorkspaceId);
            if (survey?.TakesAnswersAt(now) != true)
            {
                outcomes[i] = ResponseWrite.Closed;
                continue;
            }

            if (r.Status == ResponseStatuses.Complete && survey.ResponseQuota is { } quota)
            {
                if (!room.TryGetValue(survey.Id, out var left))
                {
                    // Other app nodes count the same quota: on PostgreSQL they take turns per survey until commit.
                    if (!db.IsSqlite)
                    {
                        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({"survey-quota:" + survey.Id}))").ConfigureAwait(false);
                    }

                    var complete = await db.Set<SurveyResponse>().IgnoreQueryFilters()
                        .CountAsync(x => x.WorkspaceId == survey.WorkspaceId && x.SurveyId == survey.Id && x.Status == ResponseStatuses.Complete)
                        .ConfigureAwait(false);
                    left = quota - complete;
                }

                if (left <= 0)
                {
                    room[survey.Id] = 0;
                    outcomes[i] = ResponseWrite.Closed;
                    continue;
                }

                room[survey.Id] = left - 1;
            }

            outcomes[i] = ResponseWrite.Stored;
            kept.Add(group[i].Response);
        }

        await BulkWriter.InsertTablesAsync(
            db.Database.GetDbConnection(),
            tx.GetDbTransaction(),
            [
                EntityColumns.RowsOf(db.Model, kept.Select(k => k.Response).ToList()),
                EntityColumns.RowsOf(db.Model, kept.SelectMany(k => k.Texts).ToList()),
                EntityColumns.RowsOf(db.Model, kept.SelectMany(k => k.Feedback).ToList()),
            ]).ConfigureAwait(false);

        // A live survey whose close date passed or whose quota just filled closes now, as SurveyService would.
        var closing = surveys.Where(s => s.Status == SurveyStatuses.Live
            && (s.ClosesAt is { } at && at <= now || room.TryGetValue(s.Id, out var left) && left <= 0)).ToList();
        foreach (var survey in closing)
        {
            var reason = survey.ClosesAt is { } c && c <= now ? "close date reached" : "response quota reached";
            SurveyService.MarkClosed(survey, now);
            Audit.Audit.Record(db, survey.WorkspaceId, "system", "survey.close", $"survey:{survey.Id}", reason, _clock);
        }

        if (closing.Count > 0)
        {
            await db.SaveChangesAsync().ConfigureAwait(false);
        }

        await tx.CommitAsync().ConfigureAwait(false);
        foreach (var survey in closing)
        {
            _cache.Forget(survey.Token);
        }

        return outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        // Answers already handed over are written before the application stops.
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        Task?[] loops;
        lock (_gate)
        {
            loops = [.. _loops];
        }

        foreach (var loop in loops.OfType<Task>())
        {
            await loop.ConfigureAwait(false);
        }
    }

    private sealed record Pending(NewResponse Response, TaskCompletionSource<ResponseWrite> Done);
}
