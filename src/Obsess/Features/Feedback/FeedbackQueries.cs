using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Analytics.Feedback;
using Obsess.Data;

namespace Obsess.Features.Feedback;

/// <summary>Which feedback records a figure is computed over. Dates are UTC days; <see cref="To"/> is inclusive.</summary>
public sealed record FeedbackFilter
{
    public Guid? SurveyId { get; init; }

    public DateOnly? From { get; init; }

    public DateOnly? To { get; init; }

    public string? Channel { get; init; }

    public string? Touchpoint { get; init; }

    /// <summary>The customer's RFM segment (customer_scores.rfm_segment).</summary>
    public string? Segment { get; init; }

    public string? Agent { get; init; }

    public string? Product { get; init; }

    /// <summary>survey or review.</summary>
    public string? Kind { get; init; }
}

/// <summary>The dimensions a breakdown can group by.</summary>
public static class FeedbackDimensions
{
    public static readonly IReadOnlyList<string> All = ["channel", "touchpoint", "segment", "agent", "product"];
}

public sealed record NpsView(double? Score, double[]? Ci95, long Promoters, long Passives, long Detractors, long Responses, string? Warning);

public sealed record CsatView(double? Score, double[]? Ci95, long Satisfied, long Responses, string? Warning);

/// <summary>CES: the mean on 1–7 with its interval, and the share of answers of 5 or more with its interval.</summary>
public sealed record CesView(double? Score, double[]? Ci95, double? ShareAtLeast5, double[]? ShareCi95, long Responses, string? Warning);

/// <summary>Star ratings (reviews), rescaled to 1–5 stars: the mean with its interval, and the share of 4 stars or more.</summary>
public sealed record RatingView(double? Score, double[]? Ci95, double? ShareAtLeast4, long Responses, string? Warning);

public sealed record ScoreSet(NpsView Nps, CsatView Csat, CesView Ces, RatingView Rating);

public sealed record TrendPoint(string Period, DateOnly Start, ScoreSet Scores);

public sealed record Trend(IReadOnlyList<TrendPoint> Weeks, IReadOnlyList<TrendPoint> Months);

public sealed record BreakdownRow(string Key, ScoreSet Scores);

public sealed record Breakdown(string Dimension, IReadOnlyList<BreakdownRow> Rows);

/// <summary>How many people answered: survey responses (distinct response ids) plus reviews, and the feedback records behind them.</summary>
public sealed record ResponseCounts(long Responses, long SurveyResponses, long Reviews, long Records);

/// <summary>The metrics, with <see cref="ResponseRates"/> over the personal links the same filter selects (see <see cref="FeedbackQueries.ResponseRatesAsync"/>).</summary>
public sealed record FeedbackMetricsResult(ScoreSet Scores, ResponseCounts Counts, Trend Trend, Breakdown? Breakdown, ResponseRates ResponseRates);

public sealed record ScoreBucket(double Score, long Count);

public sealed record ChoiceCount(string Choice, long Count);

/// <summary>One question's answers: the distribution of its scores, its choices, and how many left text.</summary>
public sealed record QuestionResult(string QuestionId, string Metric, long Answers, IReadOnlyList<ScoreBucket> Distribution, IReadOnlyList<ChoiceCount> Choices, object? Score);

public sealed record Verbatim(
    Guid FeedbackId,
    DateTime OccurredAt,
    string Kind,
    string Source,
    Guid? SurveyId,
    string? QuestionId,
    string Metric,
    double? Score,
    double? ScaleMax,
    string Text,
    string? SentimentLabel,
    double? SentimentScore,
    string? TopEmotion,
    Guid? CustomerId,
    string? CustomerName,
    string? CustomerEmail);

public sealed record LabelCount(string Label, long Count);

/// <summary>What the text engine found in the comments: <see cref="Analysed"/> of <see cref="Comments"/> have been analysed so far.</summary>
public sealed record CommentInsights(long Comments, long Analysed, IReadOnlyList<LabelCount> Sentiment, IReadOnlyList<LabelCount> Emotions, IReadOnlyList<LabelCount> Themes);

/// <summary>
/// One survey's results. <see cref="Responses"/> counts responses with at least one answer in feedback;
/// <see cref="Complete"/> and <see cref="Partial"/> come from the survey's responses (null when the survey itself is gone).
/// <see cref="ResponseRate"/> is over the survey's personal links (<see cref="FeedbackQueries.ResponseRatesAsync"/>).
/// </summary>
public sealed record SurveyResults(
    Guid SurveyId,
    string? Name,
    long Responses,
    long? Complete,
    long? Partial,
    long Records,
    NpsView Nps,
    CsatView Csat,
    CesView Ces,
    RatingView Rating,
    IReadOnlyList<QuestionResult> Questions,
    IReadOnlyList<Verbatim> Verbatims,
    ResponseRateView ResponseRate);

public sealed record SurveyFilterOption(Guid Id, string Name);

public sealed record FilterOptions(IReadOnlyList<SurveyFilterOption> Surveys, IReadOnlyList<string> Channels, IReadOnlyList<string> Touchpoints);

public sealed record ComparedSide(string Label, ScoreSet Scores);

public sealed record FeedbackComparisonResult(ComparedSide First, ComparedSide Second, Comparison Nps, Comparison Csat, Comparison Ces);

/// <summary>
/// Every figure read from feedback: counts are grouped by score in the database (one row per metric and score, per day
/// or per group), and the statistics are computed from those counts. Everything is scoped to the current workspace by
/// the context's query filter.
/// </summary>
public sealed partial class FeedbackQueries(ObsessDb db)
{
    public const int MaxVerbatims = 100;

    private static readonly string[] Scored = [FeedbackMetrics.Nps, FeedbackMetrics.Csat, FeedbackMetrics.Ces, FeedbackMetrics.Rating];

    /// <summary>The feedback records a filter selects.</summary>
    public IQueryable<FeedbackRecord> Select(FeedbackFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var q = db.Feedback.AsNoTracking();
        if (filter.SurveyId is { } survey)
        {
            q = q.Where(f => f.SurveyId == survey);
        }

        if (filter.From is { } from)
        {
            var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            q = q.Where(f => f.OccurredAt >= start);
        }

        if (filter.To is { } to)
        {
            var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            q = q.Where(f => f.OccurredAt < end);
        }

        if (filter.Channel is { } channel)
        {
            q = q.Where(f => f.Channel == channel);
        }

        if (filter.Touchpoint is { } touchpoint)
        {
            q = q.Where(f => f.Touchpoint == touchpoint);
        }

        if (filter.Agent is { } agent)
        {
            q = q.Where(f => f.Agent == agent);
        }

        if (filter.Product is { } product)
        {
            q = q.Where(f => f.Product == product);
        }

        if (filter.Kind is { } kind)
        {
            q = q.Where(f => f.Kind == kind);
        }

        if (filter.Segment is { } segment)
        {
            q = q.Where(f => db.Scores.Any(s => s.CustomerId == f.CustomerId && s.RfmSegment == segment));
        }

        return q;
    }

    /// <summary>
    /// Scores, the weekly and monthly trend and the breakdown come from one scan: counts grouped by day, breakdown key,
    /// metric and score in the database (at most days × groups × metrics × scores rows), folded here.
    /// </summary>
    public async Task<FeedbackMetricsResult> MetricsAsync(FeedbackFilter filter, string? breakdownBy, CancellationToken ct = default)
    {
        var q = Select(filter);
        var counts = await CountsAsync(q, ct).ConfigureAwait(false);
        var rows = await Keyed(q.Where(f => f.Score != null && Scored.Contains(f.Metric)), breakdownBy ?? "channel")
            .GroupBy(k => new { k.Year, k.Month, k.Day, k.Key, k.Metric, k.Score, k.ScaleMax })
            .Select(g => new { g.Key.Year, g.Key.Month, g.Key.Day, g.Key.Key, g.Key.Metric, g.Key.Score, g.Key.ScaleMax, Count = g.LongCount() })
            .ToListAsync(ct).ConfigureAwait(false);
        var all = new Counts();
        var weeks = new SortedDictionary<DateOnly, Counts>();
        var months = new SortedDictionary<DateOnly, Counts>();
        var groups = new Dictionary<string, Counts>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            var day = new DateOnly(r.Year, r.Month, r.Day);
            var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
            all.Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
            Bucket(weeks, monday).Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
            Bucket(months, new DateOnly(r.Year, r.Month, 1)).Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
            var key = r.Key ?? "(none)";
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = new Counts();
            }

            group.Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
        }

        var trend = new Trend(
            [.. weeks.Select(w => new TrendPoint(IsoWeek(w.Key), w.Key, w.Value.View()))],
            [.. months.Select(m => new TrendPoint(m.Key.ToString("yyyy-MM", CultureInfo.InvariantCulture), m.Key, m.Value.View()))]);
        var breakdown = breakdownBy is null
            ? null
            : new Breakdown(breakdownBy, [.. groups.OrderByDescending(g => g.Value.Total).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => new BreakdownRow(g.Key, g.Value.View()))]);
        return new FeedbackMetricsResult(all.View(), counts, trend, breakdown, await ResponseRatesAsync(filter, ct).ConfigureAwait(false));
    }

    public async Task<ScoreSet> ScoresAsync(FeedbackFilter filter, CancellationToken ct = default) =>
        await ScoresAsync(Select(filter), ct).ConfigureAwait(false);

    public async Task<FeedbackComparisonResult> CompareAsync(FeedbackFilter first, string firstLabel, FeedbackFilter second, string secondLabel, bool overTime, CancellationToken ct = default)
    {
        var a = await ScoreCountsAsync(Select(first), ct).ConfigureAwait(false);
        var b = await ScoreCountsAsync(Select(second), ct).ConfigureAwait(false);
        var groups = new ComparedGroups(firstLabel, secondLabel, overTime);
        return new FeedbackComparisonResult(
            new ComparedSide(firstLabel, a.View()),
            new ComparedSide(secondLabel, b.View()),
            FeedbackComparison.Nps(a.Nps(), b.Nps(), groups),
            FeedbackComparison.Csat(a.Csat(), b.Csat(), groups),
            FeedbackComparison.Ces(a.Ces(), b.Ces(), groups));
    }

    private async Task<ScoreSet> ScoresAsync(IQueryable<FeedbackRecord> q, CancellationToken ct) =>
        (await ScoreCountsAsync(q, ct).ConfigureAwait(false)).View();

    private static async Task<Counts> ScoreCountsAsync(IQueryable<FeedbackRecord> q, CancellationToken ct)
    {
        var rows = await q.Where(f => f.Score != null && Scored.Contains(f.Metric))
            .GroupBy(f => new { f.Metric, f.Score, f.ScaleMax })
            .Select(g => new { g.Key.Metric, g.Key.Score, g.Key.ScaleMax, Count = g.LongCount() })
            .ToListAsync(ct).ConfigureAwait(false);
        var counts = new Counts();
        foreach (var r in rows)
        {
            counts.Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
        }

        return counts;
    }

    private static async Task<ResponseCounts> CountsAsync(IQueryable<FeedbackRecord> q, CancellationToken ct)
    {
        var survey = await q.Where(f => f.ResponseId != null).Select(f => f.ResponseId).Distinct().LongCountAsync(ct).ConfigureAwait(false);
        var reviews = await q.LongCountAsync(f => f.Kind == FeedbackKinds.Review, ct).ConfigureAwait(false);
        var records = await q.LongCountAsync(ct).ConfigureAwait(false);
        return new ResponseCounts(survey + reviews, survey, reviews, records);
    }

    private static string IsoWeek(DateOnly monday)
    {
        var date = monday.ToDateTime(TimeOnly.MinValue);
        return $"{ISOWeek.GetYear(date)}-W{ISOWeek.GetWeekOfYear(date):00}";
    }

    private static Counts Bucket(SortedDictionary<DateOnly, Counts> buckets, DateOnly key)
    {
        if (!buckets.TryGetValue(key, out var counts))
        {
            buckets[key] = counts = new Counts();
        }

        return counts;
    }

    private sealed class KeyedScore
    {
        public int Year { get; init; }

        public int Month { get; init; }

        public int Day { get; init; }

        public string? Key { get; init; }

        public required string Metric { get; init; }

        public double? Score { get; init; }

        public double? ScaleMax { get; init; }
    }

    /// <summary>Each scored record with its UTC day and its value of the breakdown dimension (segment: the customer's RFM segment).</summary>
    private IQueryable<KeyedScore> Keyed(IQueryable<FeedbackRecord> q, string dimension) => dimension switch
    {
        "channel" => q.Select(f => new KeyedScore { Year = f.OccurredAt.Year, Month = f.OccurredAt.Month, Day = f.OccurredAt.Day, Key = f.Channel, Metric = f.Metric, Score = f.Score, ScaleMax = f.ScaleMax }),
        "touchpoint" => q.Select(f => new KeyedScore { Year = f.OccurredAt.Year, Month = f.OccurredAt.Month, Day = f.OccurredAt.Day, Key = f.Touchpoint, Metric = f.Metric, Score = f.Score, ScaleMax = f.ScaleMax }),
        "agent" => q.Select(f => new KeyedScore { Year = f.OccurredAt.Year, Month = f.OccurredAt.Month, Day = f.OccurredAt.Day, Key = f.Agent, Metric = f.Metric, Score = f.Score, ScaleMax = f.ScaleMax }),
        "product" => q.Select(f => new KeyedScore { Year = f.OccurredAt.Year, Month = f.OccurredAt.Month, Day = f.OccurredAt.Day, Key = f.Product, Metric = f.Metric, Score = f.Score, ScaleMax = f.ScaleMax }),
        "segment" =>
            from f in q
            join s in db.Scores on f.CustomerId equals (Guid?)s.CustomerId into scored
            from s in scored.DefaultIfEmpty()
            select new KeyedScore { Year = f.OccurredAt.Year, Month = f.OccurredAt.Month, Day = f.OccurredAt.Day, Key = s == null ? null : s.RfmSegment, Metric = f.Metric, Score = f.Score, ScaleMax = f.ScaleMax },
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Unknown breakdown dimension."),
    };

    /// <summary>What the filter controls offer: the workspace's surveys by name (and any other survey id feedback names), channels and touchpoints seen in feedback.</summary>
    public async Task<FilterOptions> FilterOptionsAsync(CancellationToken ct = default)
    {
        var surveys = await db.Feedback.AsNoTracking().Where(f => f.SurveyId != null)
            .GroupBy(f => f.SurveyId).Select(g => new { Id = g.Key!.Value, Name = g.Max(f => f.Source) })
            .Take(500).ToListAsync(ct).ConfigureAwait(false);
        var channels = await db.Feedback.AsNoTracking().Where(f => f.Channel != null).Select(f => f.Channel!).Distinct().Take(200).ToListAsync(ct).ConfigureAwait(false);
        var touchpoints = await db.Feedback.AsNoTracking().Where(f => f.Touchpoint != null).Select(f => f.Touchpoint!).Distinct().Take(200).ToListAsync(ct).ConfigureAwait(false);
        var names = await db.Set<Surveys.Survey>().AsNoTracking().OrderByDescending(s => s.CreatedAt).Take(500)
            .Select(s => new { s.Id, s.Name }).ToDictionaryAsync(s => s.Id, s => s.Name, ct).ConfigureAwait(false);
        var options = names.Select(n => new SurveyFilterOption(n.Key, n.Value))
            .Concat(surveys.Where(s => !names.ContainsKey(s.Id)).Select(s => new SurveyFilterOption(s.Id, SurveyLabel(s.Id, s.Name))));
        return new FilterOptions(
            [.. options.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)],
            [.. channels.Order(StringComparer.OrdinalIgnoreCase)],
            [.. touchpoints.Order(StringComparer.OrdinalIgnoreCase)]);
    }

    /// <summary>
    /// A survey that is no longer in the surveys table: its answers carry a stable source ("survey:" + its id) rather than
    /// its name, so it is shown as "Survey" and the id's first eight digits (any other source as it is).
    /// </summary>
    internal static string SurveyLabel(Guid id, string? source) =>
        source is null || source.StartsWith("survey:", StringComparison.Ordinal) ? $"Survey {id.ToString("N")[..8]}" : source;

    /// <summary>The latest comments (feedback with a text), newest first, with what the text engine found and who wrote them.</summary>
    public async Task<IReadOnlyList<Verbatim>> VerbatimsAsync(FeedbackFilter filter, int take, CancellationToken ct = default)
    {
        take = Math.Clamp(take, 1, MaxVerbatims);
        var rows = await (
                from f in Select(filter)
                join t in db.Texts on f.TextId equals (Guid?)t.Id
                join c in db.Customers on f.CustomerId equals (Guid?)c.Id into customers
                from c in customers.DefaultIfEmpty()
                orderby f.OccurredAt descending, f.Id descending
                select new Verbatim(f.Id, f.OccurredAt, f.Kind, f.Source, f.SurveyId, f.QuestionId, f.Metric, f.Score, f.ScaleMax, t.Body,
                    t.SentimentLabel, t.SentimentScore, t.TopEmotion, f.CustomerId, c == null ? null : c.Name, c == null ? null : c.Email))
            .Take(take).ToListAsync(ct).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Sentiment, top emotions and themes of the comments the filter selects, counted in the database.</summary>
    public async Task<CommentInsights> CommentInsightsAsync(FeedbackFilter filter, CancellationToken ct = default)
    {
        var texts = from f in Select(filter) join t in db.Texts on f.TextId equals (Guid?)t.Id select t;
        var comments = await texts.LongCountAsync(ct).ConfigureAwait(false);
        var analysed = await texts.LongCountAsync(t => t.AnalysisVersion != null, ct).ConfigureAwait(false);
        var sentiment = await texts.Where(t => t.SentimentLabel != null).GroupBy(t => t.SentimentLabel)
            .Select(g => new { Label = g.Key!, Count = g.LongCount() }).ToListAsync(ct).ConfigureAwait(false);
        var emotions = await texts.Where(t => t.TopEmotion != null).GroupBy(t => t.TopEmotion)
            .Select(g => new { Label = g.Key!, Count = g.LongCount() }).ToListAsync(ct).ConfigureAwait(false);
        var themeCounts = await texts.Where(t => t.ThemeId >= 0).GroupBy(t => t.ThemeId)
            .Select(g => new { Id = g.Key!.Value, Count = g.LongCount() })
            .OrderByDescending(g => g.Count).Take(10).ToListAsync(ct).ConfigureAwait(false);
        var ids = themeCounts.Select(t => t.Id).ToList();
        var names = await db.TextThemes.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        return new CommentInsights(
            comments,
            analysed,
            [.. sentiment.OrderByDescending(s => s.Count).ThenBy(s => s.Label, StringComparer.Ordinal).Select(s => new LabelCount(s.Label, s.Count))],
            [.. emotions.OrderByDescending(s => s.Count).ThenBy(s => s.Label, StringComparer.Ordinal).Select(s => new LabelCount(s.Label, s.Count))],
            [.. themeCounts.Select(t => new LabelCount(names.GetValueOrDefault(t.Id, $"Theme {t.Id}"), t.Count))]);
    }

    /// <summary>A survey's results, or null when there is no such survey and no feedback names it.</summary>
    public async Task<SurveyResults?> SurveyResultsAsync(Guid surveyId, int verbatims = 20, CancellationToken ct = default)
    {
        var filter = new FeedbackFilter { SurveyId = surveyId };
        var q = Select(filter);
        var records = await q.LongCountAsync(ct).ConfigureAwait(false);
        var survey = await db.Set<Surveys.Survey>().AsNoTracking().Where(s => s.Id == surveyId).Select(s => new { s.Name }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (records == 0 && survey is null)
        {
            return null;
        }

        long? complete = null, partial = null;
        if (survey is not null)
        {
            var statuses = await db.Set<Surveys.SurveyResponse>().AsNoTracking().Where(r => r.SurveyId == surveyId)
                .GroupBy(r => r.Status).Select(g => new { Status = g.Key, Count = g.LongCount() }).ToListAsync(ct).ConfigureAwait(false);
            complete = statuses.Where(x => x.Status == Surveys.ResponseStatuses.Complete).Sum(x => x.Count);
            partial = statuses.Where(x => x.Status == Surveys.ResponseStatuses.Partial).Sum(x => x.Count);
        }

        var responses = await q.Where(f => f.ResponseId != null).Select(f => f.ResponseId).Distinct().LongCountAsync(ct).ConfigureAwait(false);
        var scoreRows = await q.Where(f => f.Score != null)
            .GroupBy(f => new { f.QuestionId, f.Metric, f.Score, f.ScaleMax })
            .Select(g => new { g.Key.QuestionId, g.Key.Metric, g.Key.Score, g.Key.ScaleMax, Count = g.LongCount() })
            .ToListAsync(ct).ConfigureAwait(false);
        var choiceRows = await q.Where(f => f.Choices != null)
            .GroupBy(f => new { f.QuestionId, f.Metric, f.Choices })
            .Select(g => new { g.Key.QuestionId, g.Key.Metric, g.Key.Choices, Count = g.LongCount() })
            .ToListAsync(ct).ConfigureAwait(false);
        var answerRows = await q.GroupBy(f => new { f.QuestionId, f.Metric })
            .Select(g => new { g.Key.QuestionId, g.Key.Metric, Count = g.LongCount() })
            .ToListAsync(ct).ConfigureAwait(false);

        var all = new Counts();
        foreach (var r in scoreRows)
        {
            all.Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
        }

        var questions = new List<QuestionResult>();
        foreach (var a in answerRows.OrderBy(a => a.QuestionId, StringComparer.Ordinal).ThenBy(a => a.Metric, StringComparer.Ordinal))
        {
            var mine = scoreRows.Where(r => r.QuestionId == a.QuestionId && r.Metric == a.Metric).ToList();
            var distribution = mine.OrderBy(r => r.Score).Select(r => new ScoreBucket(r.Score!.Value, r.Count)).ToList();
            var choices = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var c in choiceRows.Where(r => r.QuestionId == a.QuestionId && r.Metric == a.Metric))
            {
                foreach (var choice in ParseChoices(c.Choices!))
                {
                    choices[choice] = choices.GetValueOrDefault(choice) + c.Count;
                }
            }

            var q1 = new Counts();
            foreach (var r in mine)
            {
                q1.Add(r.Metric, r.Score!.Value, r.ScaleMax, r.Count);
            }

            var set = q1.View();
            object? score = a.Metric switch
            {
                FeedbackMetrics.Nps => set.Nps,
                FeedbackMetrics.Csat => set.Csat,
                FeedbackMetrics.Ces => set.Ces,
                FeedbackMetrics.Rating => set.Rating,
                _ => null,
            };
            questions.Add(new QuestionResult(a.QuestionId ?? "", a.Metric, a.Count, distribution,
                [.. choices.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => new ChoiceCount(c.Key, c.Value))], score));
        }

        var view = all.View();
        return new SurveyResults(surveyId, survey?.Name, responses, complete, partial, records, view.Nps, view.Csat, view.Ces, view.Rating, questions,
            await VerbatimsAsync(filter, verbatims, ct).ConfigureAwait(false), (await ResponseRatesAsync(filter, ct).ConfigureAwait(false)).Overall);
    }

    /// <summary>The stored JSON array of chosen option ids; anything else counts as one choice named by its text.</summary>
    internal static IEnumerable<string> ParseChoices(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                return [.. doc.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).Distinct(StringComparer.Ordinal)];
            }
        }
        catch (JsonException)
        {
            // Fall through: a bare value.
        }

        return [json];
    }

    /// <summary>Score counts per metric, from which every statistic is computed.</summary>
    internal sealed class Counts
    {
        private readonly Dictionary<double, long> _nps = [];
        private readonly Dictionary<double, long> _csat = [];
        private readonly Dictionary<double, long> _ces = [];
        private readonly Dictionary<double, long> _rating = [];

        public long Total { get; private set; }

        public void Add(string metric, double score, double? scaleMax, long count)
        {
            var target = metric switch
            {
                FeedbackMetrics.Nps => _nps,
                FeedbackMetrics.Csat => _csat,
                FeedbackMetrics.Ces => _ces,
                FeedbackMetrics.Rating => _rating,
                _ => null,
            };
            if (target is null)
            {
                return;
            }

            if (metric == FeedbackMetrics.Rating)
            {
                // Ratings on other scales (1–10, 1–100) are rescaled to stars out of 5 so they can be averaged together.
                var max = scaleMax is > 0 ? scaleMax.Value : 5;
                score = score * 5 / max;
            }

            target[score] = target.GetValueOrDefault(score) + count;
            Total += count;
        }

        private static IEnumerable<ScoreCount> Of(Dictionary<double, long> d) => d.Select(kv => new ScoreCount(kv.Key, kv.Value));

        public NpsResult Nps() => FeedbackScores.Nps(Of(_nps));

        public ShareResult Csat() => FeedbackScores.Csat(Of(_csat));

        public MeanResult Ces() => FeedbackScores.Ces(Of(_ces));

        public MeanResult Rating() => FeedbackScores.Mean(Of(_rating), threshold: 4);

        public ScoreSet View()
        {
            var nps = Nps();
            var csat = Csat();
            var ces = Ces();
            var rating = Rating();
            return new ScoreSet(
                new NpsView(nps.Score, Ci(nps.Ci95), nps.Promoters, nps.Passives, nps.Detractors, nps.Responses, nps.Warning),
                new CsatView(csat.Score, Ci(csat.Ci95), csat.Hits, csat.Responses, csat.Warning),
                new CesView(ces.Mean, Ci(ces.Ci95), ces.Share.Score, Ci(ces.Share.Ci95), ces.Responses, ces.Warning),
                new RatingView(rating.Mean, Ci(rating.Ci95), rating.Share.Score, rating.Responses, rating.Warning));
        }

        private static double[]? Ci(Interval? i) => i is null ? null : [i.Low, i.High];
    }
}
