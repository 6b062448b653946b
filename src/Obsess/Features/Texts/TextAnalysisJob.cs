using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Analytics.Text;
using Obsess.Data;

namespace Obsess.Features.Texts;

/// <summary>What one pass of the analysis did.</summary>
public sealed record TextAnalysisPass(int Analyzed, int Themed, int WorkspacesRefitted);

/// <summary>
/// Analyses stored texts: every text waiting for analysis (new, or analysed by an older engine version) gets language,
/// sentiment, emotions, intents and urgency; then each workspace's texts are grouped into themes — refitted when the
/// collection has grown by a fifth (or a week has passed), and otherwise new texts join the stored themes.
/// </summary>
public sealed class TextAnalysisService(ObsessDb db, TextEngine engine, TimeProvider clock, ILogger<TextAnalysisService> log)
{
    public const int BatchSize = 250;

    /// <summary>A theme refit uses at most this many of the latest texts; every text is then assigned to the fitted themes.</summary>
    public const int ThemeSample = 5_000;

    /// <summary>Too few texts make no themes worth showing.</summary>
    public const int MinTextsForThemes = 20;

    /// <summary>A text that matched no theme (it shares no term with the fitted collection).</summary>
    public const int NoTheme = -1;

    /// <summary>The least time between two refits of a workspace's themes, unless its collection doubled.</summary>
    public static readonly TimeSpan RefitInterval = TimeSpan.FromMinutes(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Analyses every waiting text (all workspaces), then updates themes. Returns what it did.</summary>
    public async Task<TextAnalysisPass> RunAsync(CancellationToken ct = default)
    {
        var analyzer = await engine.GetAsync(ct).ConfigureAwait(false);
        if (analyzer is null)
        {
            return new TextAnalysisPass(0, 0, 0);
        }

        await ResetOutdatedAsync(analyzer.Version, ct).ConfigureAwait(false);
        var analyzed = 0;
        while (true)
        {
            var n = await AnalyzeBatchAsync(analyzer, ct).ConfigureAwait(false);
            analyzed += n;
            if (n < BatchSize)
            {
                break;
            }
        }

        // Themes change only when texts were analysed; after a start, or when a pass left texts unthemed, look anyway.
        if (analyzed == 0 && !engine.ThemesMayBePending)
        {
            return new TextAnalysisPass(0, 0, 0);
        }

        var themed = 0;
        var refitted = 0;
        var workspaces = await db.Texts.IgnoreQueryFilters().Where(t => t.ThemeId == null && t.AnalysisVersion != null)
            .Select(t => t.WorkspaceId).Distinct().ToListAsync(ct).ConfigureAwait(false);
        foreach (var ws in workspaces)
        {
            var (n, refit) = await ThemeWorkspaceAsync(ws, analyzer.Rules.Lexicon.Words, ct).ConfigureAwait(false);
            themed += n;
            refitted += refit ? 1 : 0;
        }

        engine.ThemesMayBePending = await db.Texts.IgnoreQueryFilters().AnyAsync(t => t.ThemeId == null && t.AnalysisVersion != null, ct).ConfigureAwait(false);
        return new TextAnalysisPass(analyzed, themed, refitted);
    }

    /// <summary>Once per engine version and process: texts analysed by another version go back in the queue (their old results stay visible meanwhile).</summary>
    private async Task ResetOutdatedAsync(string version, CancellationToken ct)
    {
        if (engine.RequeuedFor == version)
        {
            return;
        }

        var reset = await db.Texts.IgnoreQueryFilters().Where(t => t.AnalysisVersion != null && t.AnalysisVersion != version)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.AnalysisVersion, (string?)null), ct).ConfigureAwait(false);
        if (reset > 0)
        {
            log.LogInformation("Text engine changed to {Version}: {Count} texts queued for re-analysis", version, reset);
        }

        engine.RequeuedFor = version;
    }

    private async Task<int> AnalyzeBatchAsync(TextAnalyzer analyzer, CancellationToken ct)
    {
        // Newest first, so texts that just arrived are not stuck behind a re-analysis of old ones.
        var batch = await db.Texts.IgnoreQueryFilters().AsNoTracking().Where(t => t.AnalysisVersion == null)
            .OrderByDescending(t => t.CreatedAt).Take(BatchSize).ToListAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var text in batch)
        {
            Apply(text, analyzer.Analyze(text.Body), now);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await TextWrites.SetAnalysisAsync(db, batch, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return batch.Count;
    }

    internal static void Apply(CustomerText text, TextAnalysis a, DateTime now)
    {
        text.AnalysisVersion = a.Version;
        text.AnalyzedAt = now;
        text.Language = a.Language.Code;
        text.SentimentScore = a.Sentiment is { } s ? Math.Round(s.Score, 4) : null;
        text.SentimentLabel = a.Sentiment?.Label.ToString().ToLowerInvariant();
        text.Emotions = a.Emotions.Count == 0 ? null : JsonSerializer.Serialize(a.Emotions.ToDictionary(e => e.Key, e => Math.Round(e.Value, 4)), Json);
        text.TopEmotion = a.TopEmotion;
        text.Intents = JsonSerializer.Serialize(a.Intents.Select(IntentName), Json);
        text.ChurnThreat = a.Intents.Contains(Intent.ChurnThreat);
        text.Urgency = Math.Round(a.Urgency, 4);
        // A changed text (re-analysis) keeps its theme; a new one is themed in the next step.
    }

    /// <summary>snake_case intent names, as the API and UI show them.</summary>
    public static string IntentName(Intent intent) => ObsessDb.ToSnakeCase(intent.ToString());

    private async Task<(int Themed, bool Refit)> ThemeWorkspaceAsync(Guid ws, IReadOnlySet<string> ignored, CancellationToken ct)
    {
        var texts = db.Texts.IgnoreQueryFilters().Where(t => t.WorkspaceId == ws && t.AnalysisVersion != null);
        var stored = await db.TextThemeModels.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.WorkspaceId == ws, ct).ConfigureAwait(false);
        var total = await texts.CountAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        // Refit when the collection grew by a fifth (at least 50 texts) — but at most every RefitInterval unless it
        // doubled, so a flood of answers does not refit every few seconds (each refit re-themes every text) — or weekly.
        var due = stored is null
            || now - stored.ComputedAt > TimeSpan.FromDays(7)
            || (total >= Math.Max(stored.Texts * 1.2, stored.Texts + 50) && (now - stored.ComputedAt >= RefitInterval || total >= 2 * stored.Texts));
        if (due && total >= MinTextsForThemes)
        {
            var themed = await RefitAsync(ws, stored, total, ignored, now, ct).ConfigureAwait(false);
            if (themed >= 0)
            {
                return (themed, true);
            }
        }

        if (stored is null)
        {
            return (0, false);
        }

        var model = ThemeModel.FromJson(stored.Model, ignored);
        var pending = await texts.Where(t => t.ThemeId == null).Select(t => new { t.Id, t.Body }).Take(5_000).ToListAsync(ct).ConfigureAwait(false);
        var assigned = pending.Select(t => (t.Id, Theme(model, t.Body))).ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await TextWrites.SetThemesAsync(db, ws, assigned, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (assigned.Count, false);
    }

    private static int Theme(ThemeModel model, string body) => model.Assign(body) is var id and >= 0 ? id : NoTheme;

    /// <summary>Fits themes on the latest texts and assigns every text of the workspace; -1 when there was nothing to cluster.</summary>
    private async Task<int> RefitAsync(Guid ws, TextThemeModel? stored, int total, IReadOnlySet<string> ignored, DateTime now, CancellationToken ct)
    {
        var texts = db.Texts.IgnoreQueryFilters().Where(t => t.WorkspaceId == ws && t.AnalysisVersion != null);
        // Texts in other languages would make their own "themes" of untranslated words.
        var sample = await texts.Where(t => t.Language == "en" || t.Language == "und")
            .OrderByDescending(t => t.OccurredAt).ThenBy(t => t.Id).Take(ThemeSample)
            .Select(t => new { t.Id, t.Body }).ToListAsync(ct).ConfigureAwait(false);
        if (sample.Count < MinTextsForThemes)
        {
            return -1;
        }

        // The clustering depends on the order of its input; ids made in the same millisecond order randomly, so fit
        // on the texts in a fixed order, and the same texts always give the same themes.
        sample = [.. sample.OrderBy(s => s.Body, StringComparer.Ordinal).ThenBy(s => s.Id)];

        ThemeModel model;
        try
        {
            model = ThemeClusterer.Fit(sample.Select(s => s.Body).ToList(), new ThemeOptions { Seed = 17, IgnoredWords = ignored });
        }
        catch (ArgumentException e)
        {
            log.LogInformation("No themes for workspace {Workspace}: {Reason}", ws, e.Message);
            return -1;
        }

        var idOf = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var s in sample)
        {
            idOf.TryAdd(s.Body, s.Id);
        }

        // Every text of the workspace moves to the new themes. Worked out before the transaction, so the write lock
        // (SQLite has one) is held only for the writes; texts that arrive meanwhile are themed by the next pass.
        var assigned = new List<(Guid Id, int Theme)>(total);
        await foreach (var t in texts.Select(t => new { t.Id, t.Body }).AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
        {
            assigned.Add((t.Id, Theme(model, t.Body)));
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await db.TextThemes.IgnoreQueryFilters().Where(t => t.WorkspaceId == ws).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        foreach (var theme in model.Themes)
        {
            db.TextThemes.Add(new TextTheme
            {
                WorkspaceId = ws,
                Id = theme.Id,
                Name = theme.Name.Length > 200 ? theme.Name[..200] : theme.Name,
                KeyPhrases = JsonSerializer.Serialize(theme.KeyPhrases, Json),
                Examples = JsonSerializer.Serialize(theme.Examples.Select(e => idOf[e]), Json),
                Size = theme.Size,
                ComputedAt = now,
            });
        }

        if (stored is null)
        {
            db.TextThemeModels.Add(new TextThemeModel { WorkspaceId = ws, Model = model.ToJson(), Texts = total, ComputedAt = now });
        }
        else
        {
            db.Attach(stored);
            stored.Model = model.ToJson();
            stored.Texts = total;
            stored.ComputedAt = now;
        }

        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        await TextWrites.SetThemesAsync(db, ws, assigned, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        var themed = assigned.Count;
        log.LogInformation("Themes for workspace {Workspace}: {Themes} themes fitted on {Sample} texts, {Themed} texts assigned", ws, model.Themes.Count, sample.Count, themed);
        return themed;
    }
}

/// <summary>
/// Runs <see cref="TextAnalysisService"/> every few seconds, so a text is analysed within moments of arriving. State is
/// the texts themselves (waiting = no analysis version), so any number of nodes can run it; on PostgreSQL a session
/// advisory lock lets one node work at a time.
/// </summary>
internal sealed class TextAnalysisJob(IServiceProvider services, ILogger<TextAnalysisJob> log, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        WorkspaceJobs.RepeatAsync(TimeSpan.Zero, Interval, clock, PassAsync, log, stoppingToken);

    private async Task PassAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
        if (!await AdvisoryLock.TryAcquireAsync(db, "texts", ct).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var pass = await scope.ServiceProvider.GetRequiredService<TextAnalysisService>().RunAsync(ct).ConfigureAwait(false);
            if (pass.Analyzed > 0 || pass.WorkspacesRefitted > 0)
            {
                log.LogInformation("Texts analysed: {Analyzed}; themed: {Themed}; theme refits: {Refits}", pass.Analyzed, pass.Themed, pass.WorkspacesRefitted);
            }
        }
        finally
        {
            await AdvisoryLock.ReleaseAsync(db, "texts").ConfigureAwait(false);
        }
    }
}
