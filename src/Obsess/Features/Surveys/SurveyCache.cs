using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Surveys;

/// <summary>A published survey as the public answer path needs it: an untracked copy and its parsed questions.</summary>
public sealed record CachedSurvey(Survey Survey, SurveyDefinition Definition, DateTime LoadedAt);

/// <summary>
/// Published surveys by public token, kept for a couple of seconds so that a busy survey (a campaign, the widget on
/// a large site) does not read and parse its definition on every answer. A live survey's questions cannot change,
/// so only its state may be stale: this node forgets a survey at once when it is changed here, another node within
/// <see cref="Fresh"/>, and the response writer checks the state in the database in the transaction that stores
/// the answers, so no answer is stored for a survey that is closed. Unknown tokens and drafts are not kept.
/// </summary>
public sealed class SurveyCache(TimeProvider clock)
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, CachedSurvey> _surveys = new(StringComparer.Ordinal);

    /// <summary>The live or closed survey behind a token, from memory while fresh, else from the database.</summary>
    public async Task<CachedSurvey?> FindAsync(ObsessDb db, CurrentWorkspace workspace, string? token, CancellationToken ct)
    {
        if (!SurveyTokens.TryReadWorkspace(token, out var ws))
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (_surveys.TryGetValue(token!, out var cached) && now - cached.LoadedAt < Fresh)
        {
            return cached;
        }

        workspace.Use(ws);
        var survey = await db.Set<Survey>().AsNoTracking().FirstOrDefaultAsync(s => s.Token == token, ct).ConfigureAwait(false);
        if (survey is null || survey.Status == SurveyStatuses.Draft)
        {
            _surveys.TryRemove(token!, out _);
            return null;
        }

        cached = new CachedSurvey(survey, SurveyDefinition.FromJson(survey.Definition), now);
        _surveys[token!] = cached;
        return cached;
    }

    /// <summary>Drops a survey whose state changed, so the next answer reads it again.</summary>
    public void Forget(string token) => _surveys.TryRemove(token, out _);
}
