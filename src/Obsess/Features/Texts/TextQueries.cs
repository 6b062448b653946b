using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Texts;

/// <summary>Which texts a list or an insight covers. Every part is optional.</summary>
public sealed record TextFilter
{
    public Guid? CustomerId { get; init; }

    public string? Kind { get; init; }

    public string? Channel { get; init; }

    public string? Source { get; init; }

    /// <summary>An RFM segment's display name (the customer's current segment).</summary>
    public string? Segment { get; init; }

    /// <summary>Inclusive start of the period (UTC).</summary>
    public DateTime? From { get; init; }

    /// <summary>Exclusive end of the period (UTC).</summary>
    public DateTime? To { get; init; }

    public string? Sentiment { get; init; }

    public string? Intent { get; init; }

    public int? Theme { get; init; }

    /// <summary>Only texts with a churn threat or urgency at or above <see cref="TextQueries.UrgentAt"/>.</summary>
    public bool Urgent { get; init; }
}

/// <summary>The filter as query-string parameters, validated into a <see cref="TextFilter"/>.</summary>
public sealed record TextFilterQuery(Guid? CustomerId, string? Kind, string? Channel, string? Source, string? Segment, DateOnly? From, DateOnly? To, string? Sentiment, string? Intent, int? Theme, bool? Urgent)
{
    public static readonly IReadOnlyList<string> SentimentLabels = ["positive", "negative", "neutral", "mixed"];

    public static readonly IReadOnlyList<string> IntentNames =
        [.. Enum.GetValues<Analytics.Text.Intent>().Select(TextAnalysisService.IntentName)];

    public TextFilter Parse(Dictionary<string, string[]> errors)
    {
        if (Kind is not null && !TextKinds.All.Contains(Kind))
        {
            errors["kind"] = [$"Kind must be one of: {string.Join(", ", TextKinds.All)}."];
        }

        if (Segment is not null && !CustomersApi.SegmentNames.Contains(Segment))
        {
            errors["segment"] = [$"Segment must be one of: {string.Join(", ", CustomersApi.SegmentNames)}."];
        }

        if (Sentiment is not null && !SentimentLabels.Contains(Sentiment))
        {
            errors["sentiment"] = [$"Sentiment must be one of: {string.Join(", ", SentimentLabels)}."];
        }

        if (Intent is not null && !IntentNames.Contains(Intent))
        {
            errors["intent"] = [$"Intent must be one of: {string.Join(", ", IntentNames)}."];
        }

        if (From is { } f && To is { } t && t < f)
        {
            errors["to"] = ["'to' must not be before 'from'."];
        }

        if (Channel is { Length: > 32 })
        {
            errors["channel"] = ["Channel must be at most 32 characters."];
        }

        if (Source is { Length: > 64 })
        {
            errors["source"] = ["Source must be at most 64 characters."];
        }

        return new TextFilter
        {
            CustomerId = CustomerId,
            Kind = Kind,
            Channel = Channel,
            Source = Source,
            Segment = Segment,
            From = From?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            To = To?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            Sentiment = Sentiment,
            Intent = Intent,
            Theme = Theme,
            Urgent = Urgent ?? false,
        };
    }
}

public sealed record TextItem(
    Guid Id,
    Guid? CustomerId,
    string? CustomerName,
    string Kind,
    string? Channel,
    string Source,
    string Body,
    DateTime OccurredAt,
    bool Analyzed,
    string? Language,
    double? SentimentScore,
    string? SentimentLabel,
    IReadOnlyDictionary<string, double> Emotions,
    string? TopEmotion,
    IReadOnlyList<string> Intents,
    bool ChurnThreat,
    double? Urgency,
    int? ThemeId,
    string? ThemeName);

public sealed record SentimentMonth(string Month, int Texts, double? MeanScore, int Positive, int Neutral, int Negative, int Mixed);

public sealed record EmotionShare(string Emotion, int Texts, double Share);

public sealed record ThemeMonth(string Month, int Texts);

public sealed record ThemeSummary(int Id, string Name, IReadOnlyList<string> KeyPhrases, int Texts, double? MeanSentiment, IReadOnlyList<TextItem> Examples, IReadOnlyList<ThemeMonth> Trend, int Change);

public sealed record TextInsights(
    TextEngineStatus Engine,
    int Texts,
    int Analyzed,
    int Waiting,
    int OtherLanguage,
    double? MeanSentiment,
    IReadOnlyList<SentimentMonth> SentimentByMonth,
    IReadOnlyList<EmotionShare> Emotions,
    IReadOnlyList<ThemeSummary> Themes,
    IReadOnlyList<TextItem> NeedsAttention,
    IReadOnlyList<string> Channels,
    IReadOnlyList<string> Sources);

/// <summary>Reads texts and their analysis: lists, one customer's texts, and the workspace's text insights.</summary>
public sealed class TextQueries(ObsessDb db, TextEngine engine, TimeProvider clock)
{
    /// <summary>Urgency at or above this marks a text as needing attention.</summary>
    public const double UrgentAt = 0.6;

    public const int MaxPageSize = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IQueryable<CustomerText> Filtered(TextFilter f)
    {
        var q = db.Texts.AsNoTracking();
        if (f.CustomerId is { } c)
        {
            q = q.Where(t => t.CustomerId == c);
        }

        if (f.Kind is { } k)
        {
            q = q.Where(t => t.Kind == k);
        }

        if (f.Channel is { } ch)
        {
            q = q.Where(t => t.Channel == ch);
        }

        if (f.Source is { } s)
        {
            q = q.Where(t => t.Source == s);
        }

        if (f.Segment is { } seg)
        {
            q = q.Where(t => db.Scores.Any(sc => sc.CustomerId == t.CustomerId && sc.RfmSegment == seg));
        }

        if (f.From is { } from)
        {
            q = q.Where(t => t.OccurredAt >= from);
        }

        if (f.To is { } to)
        {
            q = q.Where(t => t.OccurredAt < to);
        }

        if (f.Sentiment is { } label)
        {
            q = q.Where(t => t.SentimentLabel == label);
        }

        if (f.Intent is { } intent)
        {
            var quoted = $"\"{intent}\"";
            q = q.Where(t => t.Intents != null && t.Intents.Contains(quoted));
        }

        if (f.Theme is { } theme)
        {
            q = q.Where(t => t.ThemeId == theme);
        }

        if (f.Urgent)
        {
            q = q.Where(t => t.ChurnThreat || t.Urgency >= UrgentAt);
        }

        return q;
    }

    public async Task<PagedList<TextItem>> ListAsync(TextFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var q = Filtered(filter);
        var total = await q.CountAsync(ct).ConfigureAwait(false);
        var rows = await q.OrderByDescending(t => t.OccurredAt).ThenByDescending(t => t.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct).ConfigureAwait(false);
        return new PagedList<TextItem>(await ItemsAsync(rows, ct).ConfigureAwait(false), page, pageSize, total);
    }

    public async Task<TextItem?> GetAsync(Guid id, CancellationToken ct = default)
    {
        var row = await db.Texts.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct).ConfigureAwait(false);
        return row is null ? null : (await ItemsAsync([row], ct).ConfigureAwait(false))[0];
    }

    public async Task<TextInsights> InsightsAsync(TextFilter filter, CancellationToken ct = default)
    {
        var q = Filtered(filter);
        var counts = await q.GroupBy(_ => 1).Select(g => new
        {
            Texts = g.Count(),
            Analyzed = g.Count(t => t.AnalysisVersion != null),
            Other = g.Count(t => t.AnalysisVersion != null && t.SentimentScore == null),
            Mean = g.Average(t => t.SentimentScore),
        }).FirstOrDefaultAsync(ct).ConfigureAwait(false);

        var (byMonth, months) = await SentimentByMonthAsync(q, filter, ct).ConfigureAwait(false);

        var emotionCounts = await q.Where(t => t.TopEmotion != null).GroupBy(t => t.TopEmotion!)
            .Select(g => new { Emotion = g.Key, Texts = g.Count() }).ToListAsync(ct).ConfigureAwait(false);
        var emotionTotal = emotionCounts.Sum(e => e.Texts);
        var emotions = emotionCounts.OrderByDescending(e => e.Texts).ThenBy(e => e.Emotion, StringComparer.Ordinal)
            .Select(e => new EmotionShare(e.Emotion, e.Texts, Math.Round(e.Texts / (double)emotionTotal, 4))).ToList();

        var themes = await ThemesAsync(q, months, ct).ConfigureAwait(false);

        var attention = await q.Where(t => t.ChurnThreat || t.Urgency >= UrgentAt)
            .OrderByDescending(t => t.ChurnThreat).ThenByDescending(t => t.Urgency).ThenByDescending(t => t.OccurredAt).Take(20)
            .ToListAsync(ct).ConfigureAwait(false);

        var (channels, sources) = await ChannelsAndSourcesAsync(ct).ConfigureAwait(false);
        return new TextInsights(
            engine.Status,
            counts?.Texts ?? 0,
            counts?.Analyzed ?? 0,
            (counts?.Texts ?? 0) - (counts?.Analyzed ?? 0),
            counts?.Other ?? 0,
            counts?.Mean is { } m ? Math.Round(m, 3) : null,
            byMonth,
            emotions,
            themes,
            await ItemsAsync(attention, ct).ConfigureAwait(false),
            channels,
            sources);
    }

    /// <summary>Mean sentiment and sentiment by month (the filter's period, else the last twelve months), without the rest of the insights.</summary>
    public async Task<(double? Mean, IReadOnlyList<SentimentMonth> ByMonth)> SentimentAsync(TextFilter filter, CancellationToken ct = default)
    {
        var q = Filtered(filter);
        var mean = await q.AverageAsync(t => t.SentimentScore, ct).ConfigureAwait(false);
        var (byMonth, _) = await SentimentByMonthAsync(q, filter, ct).ConfigureAwait(false);
        return (mean is { } m ? Math.Round(m, 3) : null, byMonth);
    }

    private async Task<(List<SentimentMonth> ByMonth, List<DateTime> Months)> SentimentByMonthAsync(IQueryable<CustomerText> q, TextFilter filter, CancellationToken ct)
    {
        // Months: the filter's period, else the last twelve months up to now.
        var now = clock.GetUtcNow().UtcDateTime;
        var end = filter.To ?? now;
        var start = filter.From ?? new DateTime(end.Year, end.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-11);
        var inPeriod = q.Where(t => t.OccurredAt >= start && t.OccurredAt < end);
        var monthly = await inPeriod.Where(t => t.SentimentScore != null)
            .GroupBy(t => new { t.OccurredAt.Year, t.OccurredAt.Month })
            .Select(g => new
            {
                g.Key.Year,
                g.Key.Month,
                Texts = g.Count(),
                Mean = g.Average(t => t.SentimentScore),
                Positive = g.Count(t => t.SentimentLabel == "positive"),
                Neutral = g.Count(t => t.SentimentLabel == "neutral"),
                Negative = g.Count(t => t.SentimentLabel == "negative"),
                Mixed = g.Count(t => t.SentimentLabel == "mixed"),
            }).ToListAsync(ct).ConfigureAwait(false);
        var months = Months(start, end);
        var byMonth = months.Select(m =>
        {
            var r = monthly.FirstOrDefault(x => x.Year == m.Year && x.Month == m.Month);
            return new SentimentMonth(m.ToString("yyyy-MM"), r?.Texts ?? 0, r?.Mean is { } mean ? Math.Round(mean, 3) : null, r?.Positive ?? 0, r?.Neutral ?? 0, r?.Negative ?? 0, r?.Mixed ?? 0);
        }).ToList();

        return (byMonth, months);
    }

    /// <summary>The workspace's text channels and sources, for filter choices.</summary>
    public async Task<(IReadOnlyList<string> Channels, IReadOnlyList<string> Sources)> ChannelsAndSourcesAsync(CancellationToken ct = default)
    {
        var channels = await db.Texts.AsNoTracking().Where(t => t.Channel != null).Select(t => t.Channel!).Distinct().OrderBy(c => c).Take(50).ToListAsync(ct).ConfigureAwait(false);
        var sources = await db.Texts.AsNoTracking().Select(t => t.Source).Distinct().OrderBy(c => c).Take(50).ToListAsync(ct).ConfigureAwait(false);
        return (channels, sources);
    }

    private async Task<List<ThemeSummary>> ThemesAsync(IQueryable<CustomerText> q, List<DateTime> months, CancellationToken ct)
    {
        var defined = await db.TextThemes.AsNoTracking().ToListAsync(ct).ConfigureAwait(false);
        if (defined.Count == 0)
        {
            return [];
        }

        var sizes = await q.Where(t => t.ThemeId >= 0).GroupBy(t => t.ThemeId!.Value)
            .Select(g => new { Theme = g.Key, Texts = g.Count(), Mean = g.Average(t => t.SentimentScore) }).ToListAsync(ct).ConfigureAwait(false);
        var first = months[0];
        var trend = await q.Where(t => t.ThemeId >= 0 && t.OccurredAt >= first)
            .GroupBy(t => new { Theme = t.ThemeId!.Value, t.OccurredAt.Year, t.OccurredAt.Month })
            .Select(g => new { g.Key.Theme, g.Key.Year, g.Key.Month, Texts = g.Count() }).ToListAsync(ct).ConfigureAwait(false);
        var top = sizes.OrderByDescending(s => s.Texts).ThenBy(s => s.Theme).Take(8).ToList();
        var result = new List<ThemeSummary>();
        foreach (var s in top)
        {
            var theme = defined.FirstOrDefault(d => d.Id == s.Theme);
            if (theme is null)
            {
                continue;
            }

            var exampleIds = JsonSerializer.Deserialize<List<Guid>>(theme.Examples, Json) ?? [];
            var examples = await q.Where(t => t.ThemeId == s.Theme)
                .OrderByDescending(t => exampleIds.Contains(t.Id)).ThenByDescending(t => t.OccurredAt).Take(3).ToListAsync(ct).ConfigureAwait(false);
            var series = months.Select(m => new ThemeMonth(m.ToString("yyyy-MM"), trend.FirstOrDefault(x => x.Theme == s.Theme && x.Year == m.Year && x.Month == m.Month)?.Texts ?? 0)).ToList();
            // Change: the last three months against the three before them.
            var recent = series.TakeLast(3).Sum(x => x.Texts);
            var before = series.SkipLast(3).TakeLast(3).Sum(x => x.Texts);
            result.Add(new ThemeSummary(
                theme.Id,
                theme.Name,
                JsonSerializer.Deserialize<List<string>>(theme.KeyPhrases, Json) ?? [],
                s.Texts,
                s.Mean is { } mean ? Math.Round(mean, 3) : null,
                await ItemsAsync(examples, ct).ConfigureAwait(false),
                series,
                recent - before));
        }

        return result;
    }

    private static List<DateTime> Months(DateTime start, DateTime end)
    {
        var list = new List<DateTime>();
        var m = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        while (m < end && list.Count < 120)
        {
            list.Add(m);
            m = m.AddMonths(1);
        }

        return list.Count == 0 ? [new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc)] : list;
    }

    private async Task<List<TextItem>> ItemsAsync(List<CustomerText> rows, CancellationToken ct)
    {
        var customerIds = rows.Where(r => r.CustomerId is not null).Select(r => r.CustomerId!.Value).Distinct().ToList();
        var names = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id)).Select(c => new { c.Id, Name = c.Name ?? c.Email })
            .ToDictionaryAsync(c => c.Id, c => c.Name, ct).ConfigureAwait(false);
        var themeIds = rows.Where(r => r.ThemeId >= 0).Select(r => r.ThemeId!.Value).Distinct().ToList();
        var themes = await db.TextThemes.AsNoTracking().Where(t => themeIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        return rows.Select(r => new TextItem(
            r.Id,
            r.CustomerId,
            r.CustomerId is { } c ? names.GetValueOrDefault(c) : null,
            r.Kind,
            r.Channel,
            r.Source,
            r.Body,
            r.OccurredAt,
            r.AnalysisVersion is not null || r.AnalyzedAt is not null,
            r.Language,
            r.SentimentScore,
            r.SentimentLabel,
            r.Emotions is null ? new Dictionary<string, double>() : JsonSerializer.Deserialize<Dictionary<string, double>>(r.Emotions, Json) ?? [],
            r.TopEmotion,
            r.Intents is null ? [] : JsonSerializer.Deserialize<List<string>>(r.Intents, Json) ?? [],
            r.ChurnThreat,
            r.Urgency,
            r.ThemeId is >= 0 ? r.ThemeId : null,
            r.ThemeId is { } t && themes.TryGetValue(t, out var name) ? name : null)).ToList();
    }
}
