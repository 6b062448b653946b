using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Obsess.Analytics.Churn;
using Obsess.Analytics.Clv;
using Obsess.Analytics.Segments;
using Obsess.Data;

namespace Obsess.Features.Intelligence;

public sealed record ScoresResult(int Customers, int Scored, string? ClvSkipped, string? ChurnSkipped, double? ChurnRocAuc, TimeSpan Elapsed);

/// <summary>
/// Recomputes every customer's predicted value and churn risk in the current workspace from its own history:
/// BG/NBD for purchases and P(alive), Gamma-Gamma for spend (Fader, Hardie &amp; Lee 2005), a discounted 12-month CLV,
/// and a churn classifier trained on the workspace's past (label: no purchase within the workspace's churn window
/// after a cut-off one window ago), cross-validated so its figures can be shown next to its scores.
/// </summary>
public sealed class ScoresService(ObsessDb db, TimeProvider clock)
{
    /// <summary>A model needs this many customers with purchases before its figures mean anything.</summary>
    public const int MinimumCustomers = 50;

    private const double WeeksPerMonth = 52.1775 / 12;

    // 10 % a year, as a monthly rate: (1.10)^(1/12) − 1.
    private static readonly double MonthlyDiscount = Math.Pow(1.10, 1.0 / 12) - 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new FiniteOrNull() } };

    /// <summary>
    /// A fit at the edge of its space (a tiny or degenerate workspace) can give infinite standard errors, and a
    /// missing health measure is NaN: stored JSON says null for those, which every reader understands.
    /// </summary>
    private sealed class FiniteOrNull : System.Text.Json.Serialization.JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    internal sealed record OrderRow(Guid CustomerId, DateTime OrderedAt, decimal Amount, string Channel);

    internal sealed record EventRow(Guid CustomerId, string Name, DateTime OccurredAt);

    public async Task<ScoresResult> RecomputeAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var ws = db.CurrentWorkspaceId;
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var settings = await db.Workspaces.Where(w => w.Id == ws).Select(w => new { w.ChurnWindowDays, w.HealthConfig }).FirstAsync(ct).ConfigureAwait(false);
        var window = settings.ChurnWindowDays;
        var people = await db.Customers.AsNoTracking().Where(c => c.MergedIntoId == null).Select(c => new { c.Id, c.LastSeenAt }).ToListAsync(ct).ConfigureAwait(false);
        var customers = people.Select(p => p.Id).ToList();
        var lastSeen = people.ToDictionary(p => p.Id, p => p.LastSeenAt);
        var orders = await db.Orders.AsNoTracking().Select(o => new OrderRow(o.CustomerId, o.OrderedAt, o.Amount, o.Channel)).ToListAsync(ct).ConfigureAwait(false);
        var since = now.AddDays(-window - 180);
        var events = await db.Events.AsNoTracking()
            .Where(e => e.OccurredAt >= since && (e.Name == "Ticket opened" || e.Name == "Email opened" || e.Type == "page"))
            .Select(e => new EventRow(e.CustomerId, e.Name, e.OccurredAt)).ToListAsync(ct).ConfigureAwait(false);

        // Mean sentiment of what each customer wrote in the last 90 days (texts the text engine scored; texts in other
        // languages are not scored, so they do not count).
        var moodSince = now.AddDays(-90);
        var sentiment = await db.Texts.AsNoTracking().Where(t => t.CustomerId != null && t.SentimentScore != null && t.OccurredAt >= moodSince)
            .GroupBy(t => t.CustomerId!.Value).Select(g => new { g.Key, Mean = g.Average(t => t.SentimentScore!.Value) })
            .ToDictionaryAsync(g => g.Key, g => g.Mean, ct).ConfigureAwait(false);

        var byCustomer = orders.GroupBy(o => o.CustomerId).ToDictionary(g => g.Key, g => g.OrderBy(o => o.OrderedAt).ToList());
        var scores = customers.ToDictionary(id => id, id =>
        {
            var mine = byCustomer.GetValueOrDefault(id) ?? [];
            return new Score { CustomerId = id, Orders = mine.Count, Historic = (double)mine.Sum(o => o.Amount) };
        });

        var (clvSkipped, clvSummary) = Lifetime(orders, today, scores);
        var (churnSkipped, churnSummary, auc) = Churn(byCustomer, events, window, now, scores);
        var segmentsSummary = Segments(orders, byCustomer, events, lastSeen, sentiment, window, now, HealthConfig.Read(settings.HealthConfig).ToScore(), scores);
        await SaveAsync(ws, now, scores.Values, watch, [("clv", clvSummary), ("churn", churnSummary), ("segments", segmentsSummary)], ct).ConfigureAwait(false);
        return new ScoresResult(customers.Count, scores.Values.Count(s => s.Clv12m is not null || s.Churn is not null), clvSkipped, churnSkipped, auc, watch.Elapsed);
    }

    private sealed class Score
    {
        public Guid CustomerId { get; init; }

        public int Orders { get; init; }

        public double Historic { get; init; }

        public double? Alive { get; set; }

        public double? Purchases12m { get; set; }

        public double? Spend { get; set; }

        public double? Clv12m { get; set; }

        public double? Churn { get; set; }

        public string? Reasons { get; set; }

        public byte R { get; set; }

        public byte F { get; set; }

        public byte M { get; set; }

        public string? Segment { get; set; }

        public double? Health { get; set; }

        public string? Band { get; set; }

        public string? HealthDetail { get; set; }
    }

    /// <summary>
    /// RFM segments and the health score for every customer, and the workspace-wide views the Insights page shows:
    /// the R×F grid, monthly cohort retention and the monthly churn rate (PRODUCT.md's contract-free definition).
    /// </summary>
    private static DateTime LastActivity(List<OrderRow> orders, DateTime lastEvent, DateTime lastSeen)
    {
        var last = orders.Count > 0 ? orders[^1].OrderedAt : DateTime.MinValue;
        last = lastEvent > last ? lastEvent : last;
        return last == DateTime.MinValue ? lastSeen : last;
    }

    private static string Segments(
        List<OrderRow> orders,
        Dictionary<Guid, List<OrderRow>> byCustomer,
        List<EventRow> events,
        Dictionary<Guid, DateTime> lastSeen,
        Dictionary<Guid, double> sentiment,
        int window,
        DateTime now,
        HealthScore health,
        Dictionary<Guid, Score> scores)
    {
        var ids = scores.Keys.ToArray();
        var recency = new double[ids.Length];
        var frequency = new int[ids.Length];
        var monetary = new double[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var mine = byCustomer.GetValueOrDefault(ids[i]);
            frequency[i] = mine?.Count ?? 0;
            recency[i] = mine is null ? 0 : (now - mine[^1].OrderedAt).TotalDays;
            monetary[i] = scores[ids[i]].Historic;
        }

        var rfm = Rfm.Score(recency, frequency, monetary);
        var tickets = events.Where(e => e.Name == "Ticket opened" && e.OccurredAt >= now.AddDays(-90)).GroupBy(e => e.CustomerId).ToDictionary(g => g.Key, g => g.Count());

        // Activity is something the customer did: a purchase, a visit, a ticket. Opening a newsletter is too passive to
        // count, or a customer who left long ago but still opens the odd e-mail would look healthy.
        var lastActive = events.Where(e => e.Name != "Email opened").GroupBy(e => e.CustomerId).ToDictionary(g => g.Key, g => g.Max(e => e.OccurredAt));
        for (var i = 0; i < ids.Length; i++)
        {
            var score = scores[ids[i]];
            score.R = rfm.Recency[i];
            score.F = rfm.Frequency[i];
            score.M = rfm.Monetary[i];
            score.Segment = Rfm.DisplayName(rfm.Segments[i]);
            var mine = byCustomer.GetValueOrDefault(ids[i]) ?? [];
            var recent = mine.Count(o => o.OrderedAt >= now.AddDays(-90));
            var previous = mine.Count(o => o.OrderedAt >= now.AddDays(-180) && o.OrderedAt < now.AddDays(-90));
            var result = health.Evaluate(new Dictionary<string, double>
            {
                // The churn model's view when it ran: BG/NBD calls every one-time buyer certainly alive (x = 0 gives
                // P(alive) = 1, Fader, Hardie & Lee 2005), which would make long-gone single buyers look healthy.
                [HealthScore.ProbabilityAlive] = score.Churn is { } risk ? 1 - risk : score.Alive ?? double.NaN,
                [HealthScore.DaysSinceLastActivity] = Math.Max(0, (now - LastActivity(mine, lastActive.GetValueOrDefault(ids[i]), lastSeen[ids[i]])).TotalDays),
                // −1 (buying stopped) … +1 (buying started). A buyer with nothing in the last half-year has lapsed (−1);
                // someone who never bought has no trend at all.
                [HealthScore.PurchaseFrequencyTrend] = mine.Count == 0 ? double.NaN : recent + previous == 0 ? -1 : (recent - previous) / (double)(recent + previous),
                [HealthScore.SupportTickets90Days] = tickets.GetValueOrDefault(ids[i]),
                [HealthScore.Sentiment] = sentiment.TryGetValue(ids[i], out var mood) ? mood : double.NaN,
            });
            score.Health = result.Score is { } h ? Math.Round(h, 1) : null;
            score.Band = result.Score is null ? null : result.Band.ToString().ToLowerInvariant();
            score.HealthDetail = JsonSerializer.Serialize(result.Contributions.Select(c => new { c.Name, c.Value, c.Score, c.AppliedWeight, c.Points }), Json);
        }

        var today = DateOnly.FromDateTime(now);
        var buyers = orders.Where(o => scores.ContainsKey(o.CustomerId)).ToList();
        var customerColumn = buyers.Select(o => o.CustomerId).ToArray();
        var dateColumn = buyers.Select(o => DateOnly.FromDateTime(o.OrderedAt)).ToArray();
        var cohorts = CohortRetention.Compute<Guid>(customerColumn, dateColumn, today, maxOffset: 12);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var churn = buyers.Count == 0 ? [] : ChurnRate.ByPeriod<Guid>(customerColumn, dateColumn, window, thisMonth.AddMonths(-12), thisMonth, PeriodLength.Month);

        return JsonSerializer.Serialize(new
        {
            model = "segments",
            rfm = new
            {
                grid = Enumerable.Range(1, 5).Select(r => Enumerable.Range(1, 5).Select(f => new { r, f, customers = rfm.Grid.Count(r, f), revenue = Math.Round(rfm.Grid.RevenueAt(r, f), 2) })).SelectMany(x => x),
                segments = Enum.GetValues<RfmSegment>().Select(seg => new { segment = Rfm.DisplayName(seg), customers = rfm.CountOf(seg) }),
            },
            health = new
            {
                good = scores.Values.Count(s => s.Band == "good"),
                average = scores.Values.Count(s => s.Band == "average"),
                poor = scores.Values.Count(s => s.Band == "poor"),
            },
            cohorts = cohorts.Cohorts.TakeLast(18).Select(c => new { month = c.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), size = c.Size, retention = c.Retention, lastPartial = c.LastOffsetPartial }),
            churnRate = new
            {
                windowDays = window,
                months = churn.Select(p => new { month = p.Start.ToString("yyyy-MM", CultureInfo.InvariantCulture), atStart = p.AtStart, lost = p.Lost, rate = p.Rate, acquired = p.Acquired, returned = p.Returned }),
            },
        }, Json);
    }

    private static (string? Skipped, string Summary) Lifetime(List<OrderRow> orders, DateOnly today, Dictionary<Guid, Score> scores)
    {
        var transactions = orders.Where(o => scores.ContainsKey(o.CustomerId))
            .Select(o => new Transaction { CustomerId = o.CustomerId.ToString("N"), Date = DateOnly.FromDateTime(o.OrderedAt), Amount = (double)o.Amount })
            .ToList();
        // A customer whose first purchase is today has no age yet (T = 0): the models have nothing to say about them.
        var summaries = TransactionSummary.Build(transactions, today, PeriodUnit.Week).Where(s => s.T > 0).ToList();
        if (summaries.Count < MinimumCustomers || summaries.Count(s => s.Frequency > 0) < 10)
        {
            var why = $"Lifetime value needs at least {MinimumCustomers} customers with purchases and 10 repeat buyers; this workspace has {summaries.Count}.";
            return (why, JsonSerializer.Serialize(new { model = "bgnbd/gammagamma", skipped = why }, Json));
        }

        var (x, tx, T, m) = TransactionSummary.Columns(summaries);
        var fit = BgNbd.Fit(x, tx, T);
        var spend = GammaGamma.Fit(x, m);
        var clv = LifetimeValue.Discounted(fit.Parameters, spend.Parameters, x, tx, T, m, periods: 12, periodLength: WeeksPerMonth, discountRate: MonthlyDiscount);
        for (var i = 0; i < summaries.Count; i++)
        {
            var score = scores[Guid.ParseExact(summaries[i].CustomerId, "N")];
            score.Alive = fit.Parameters.ProbabilityAlive(x[i], tx[i], T[i]);
            score.Purchases12m = fit.Parameters.ConditionalExpectedPurchases(52.1775, x[i], tx[i], T[i]);
            score.Spend = spend.Parameters.ConditionalExpectedAverageSpend(x[i], m[i]);
            score.Clv12m = clv[i];
        }

        // A backtest: fit on all but the last 26 weeks and compare predicted with actual repeat purchases in them.
        object? backtest = null;
        var calibrationEnd = today.AddDays(-26 * 7);
        var split = TransactionSummary.Build(transactions, calibrationEnd, PeriodUnit.Week, today).Where(s => s.T > 0).ToList();
        if (split.Count >= MinimumCustomers)
        {
            var (bx, btx, bT, _) = TransactionSummary.Columns(split);
            var report = HoldoutCheck.Compare(BgNbd.Fit(bx, btx, bT).Parameters, split);
            backtest = new { holdoutWeeks = 26, customers = report.Customers, actualRepeatPurchases = report.ActualTotal, predictedRepeatPurchases = report.PredictedTotal, meanAbsoluteError = report.MeanAbsoluteError };
        }

        return (null, JsonSerializer.Serialize(new
        {
            model = "bgnbd/gammagamma",
            customers = summaries.Count,
            parameters = fit.Parameters.ToDictionary(),
            standardErrors = fit.StandardErrors,
            logLikelihood = fit.LogLikelihood,
            spend = spend.Parameters.ToDictionary(),
            clv = new { months = 12, annualDiscountRate = 0.10 },
            backtest,
        }, Json));
    }

    private static readonly string[] Features =
        ["days_since_last_order", "orders", "revenue", "average_order", "tenure_days", "orders_last_90_days", "store_share", "tickets_last_180_days", "email_opens_last_90_days", "web_visits_last_90_days"];

    /// <summary>What was known about a customer at <paramref name="asOf"/>: only orders and events before it.</summary>
    private static string[] FeaturesAt(List<OrderRow> mine, ILookup<Guid, EventRow> events, Guid id, DateTime asOf)
    {
        var before = mine.Where(o => o.OrderedAt < asOf).ToList();
        var revenue = before.Sum(o => o.Amount);
        var theirs = events[id].Where(e => e.OccurredAt < asOf).ToList();
        // Rounded as a person would read them in a reason ("tenure_days = 50", not 49.9108).
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        static string Days(TimeSpan t) => Math.Floor(t.TotalDays).ToString(CultureInfo.InvariantCulture);
        return
        [
            Days(asOf - before[^1].OrderedAt),
            F(before.Count),
            F((double)revenue),
            F(Math.Round((double)revenue / before.Count, 2)),
            Days(asOf - before[0].OrderedAt),
            F(before.Count(o => o.OrderedAt >= asOf.AddDays(-90))),
            F(Math.Round(before.Count(o => o.Channel == "store") / (double)before.Count, 2)),
            F(theirs.Count(e => e.Name == "Ticket opened" && e.OccurredAt >= asOf.AddDays(-180))),
            F(theirs.Count(e => e.Name == "Email opened" && e.OccurredAt >= asOf.AddDays(-90))),
            F(theirs.Count(e => e.Name != "Ticket opened" && e.Name != "Email opened" && e.OccurredAt >= asOf.AddDays(-90))),
        ];
    }

    private static (string? Skipped, string Summary, double? Auc) Churn(
        Dictionary<Guid, List<OrderRow>> orders, List<EventRow> eventRows, int window, DateTime now, Dictionary<Guid, Score> scores)
    {
        var events = eventRows.ToLookup(e => e.CustomerId);
        var cutoff = now.AddDays(-window);
        var header = Features.Append("churned").ToArray();
        var training = new List<string[]>();
        foreach (var (id, mine) in orders.Where(o => scores.ContainsKey(o.Key)))
        {
            if (mine[0].OrderedAt >= cutoff)
            {
                continue;
            }

            var churned = !mine.Any(o => o.OrderedAt >= cutoff && o.OrderedAt < now);
            training.Add([.. FeaturesAt(mine, events, id, cutoff), churned ? "yes" : "no"]);
        }

        var positives = training.Count(r => r[^1] == "yes");
        if (training.Count < MinimumCustomers * 2 || positives < 20 || training.Count - positives < 20)
        {
            var why = $"The churn model needs at least {MinimumCustomers * 2} customers who bought before {cutoff:yyyy-MM-dd}, with 20 who churned and 20 who did not; this workspace has {training.Count} ({positives} churned).";
            return (why, JsonSerializer.Serialize(new { model = "churn", skipped = why }, Json), null);
        }

        var table = new ChurnTable(header, training);
        var options = new ChurnOptions { LabelColumn = "churned", PositiveLabel = "yes", Folds = 5, Seed = 1, TopReasons = 3 };
        var evaluation = ChurnTrainer.Evaluate(table, options);
        var model = ChurnTrainer.Train(table, options);

        var current = orders.Where(o => scores.ContainsKey(o.Key)).ToList();
        var scoring = new ChurnTable(header, current.Select(o => (string[])[.. FeaturesAt(o.Value, events, o.Key, now), ""]).ToList());
        var results = model.Score(scoring);
        for (var i = 0; i < current.Count; i++)
        {
            var score = scores[current[i].Key];
            score.Churn = results[i].Probability;
            score.Reasons = JsonSerializer.Serialize(results[i].Reasons.Select(r => new { r.Column, r.Description, r.Contribution }), Json);
        }

        var best = evaluation.Best;
        return (null, JsonSerializer.Serialize(new
        {
            model = "churn",
            label = $"no purchase within {window} days",
            cutoff,
            rows = evaluation.Rows,
            positives = evaluation.Positives,
            folds = evaluation.Folds,
            seed = evaluation.Seed,
            scoring = options.ScoringModel.ToString(),
            models = evaluation.Models.Select(m => new { model = m.Model.ToString(), m.Mean.RocAuc, m.Mean.PrAuc, m.Mean.Brier, m.Mean.LogLoss }),
        }, Json), evaluation[options.ScoringModel].Mean.RocAuc);
    }

    private async Task SaveAsync(Guid ws, DateTime now, IEnumerable<Score> scores, Stopwatch watch, IReadOnlyList<(string Kind, string Summary)> runs, CancellationToken ct)
    {
        var rows = scores.Select(s => new CustomerScore
        {
            WorkspaceId = ws,
            CustomerId = s.CustomerId,
            ComputedAt = now,
            Orders = s.Orders,
            HistoricClv = Math.Round(s.Historic, 2),
            ProbabilityAlive = s.Alive,
            ExpectedPurchases12m = s.Purchases12m,
            ExpectedSpend = s.Spend,
            Clv12m = s.Clv12m is { } v ? Math.Round(v, 2) : null,
            ChurnProbability = s.Churn,
            ChurnReasons = s.Reasons,
            RfmRecency = s.R,
            RfmFrequency = s.F,
            RfmMonetary = s.M,
            RfmSegment = s.Segment,
            HealthScore = s.Health,
            HealthBand = s.Band,
            HealthDetail = s.HealthDetail,
        }).ToList();

        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        // A customer erased since the run read them has no row to score any more (the key to customers would refuse
        // the whole write): wait for an erasure in progress, keep others out until this commits, and keep the scores
        // of customers still there.
        await Ingestion.IngestionService.ShareEventWritersAsync(db, ct).ConfigureAwait(false);
        var present = (await db.Customers.Select(c => c.Id).ToListAsync(ct).ConfigureAwait(false)).ToHashSet();
        rows.RemoveAll(r => !present.Contains(r.CustomerId));
        await db.Scores.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await BulkWriter.WriteAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), "customer_scores", Columns, rows, ct: ct).ConfigureAwait(false);
        var seconds = watch.Elapsed.TotalSeconds;
        foreach (var (kind, summary) in runs)
        {
            db.ModelRuns.Add(new ModelRun { WorkspaceId = ws, Id = Guid.CreateVersion7(), Kind = kind, At = now, Customers = rows.Count, Seconds = seconds, Summary = summary });
        }

        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    internal static readonly BulkColumn<CustomerScore>[] Columns =
    [
        new("workspace_id", s => s.WorkspaceId), new("customer_id", s => s.CustomerId), new("computed_at", s => s.ComputedAt),
        new("orders", s => s.Orders), new("historic_clv", s => s.HistoricClv), new("probability_alive", s => s.ProbabilityAlive),
        new("expected_purchases_12m", s => s.ExpectedPurchases12m), new("expected_spend", s => s.ExpectedSpend), new("clv_12m", s => s.Clv12m),
        new("churn_probability", s => s.ChurnProbability), new("churn_reasons", s => s.ChurnReasons),
        new("rfm_recency", s => s.RfmRecency), new("rfm_frequency", s => s.RfmFrequency), new("rfm_monetary", s => s.RfmMonetary),
        new("rfm_segment", s => s.RfmSegment), new("health_score", s => s.HealthScore), new("health_band", s => s.HealthBand), new("health_detail", s => s.HealthDetail),
    ];
}
