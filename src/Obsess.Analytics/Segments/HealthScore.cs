using System.Text.Json.Serialization;

namespace Obsess.Analytics.Segments;

/// <summary>How a measure's raw value becomes a 0–100 score. Stored as JSON with a "kind" of "linear" or "thresholds".</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LinearMapping), "linear")]
[JsonDerivedType(typeof(ThresholdMapping), "thresholds")]
public abstract record ScoreMapping
{
    /// <summary>The 0–100 score of a finite raw value.</summary>
    public abstract double Map(double raw);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="measure"/> when the mapping is unusable.</summary>
    public abstract void Validate(string measure);
}

/// <summary>
/// Linear between two bounds, clamped outside them: <see cref="Low"/> scores 0 and <see cref="High"/> scores 100, or the
/// reverse when <see cref="HigherIsBetter"/> is false (days since last activity: fewer is better).
/// </summary>
public sealed record LinearMapping(double Low, double High, bool HigherIsBetter = true) : ScoreMapping
{
    public override double Map(double raw)
    {
        var share = Math.Clamp((raw - Low) / (High - Low), 0, 1);
        return 100 * (HigherIsBetter ? share : 1 - share);
    }

    public override void Validate(string measure)
    {
        if (!double.IsFinite(Low) || !double.IsFinite(High))
        {
            throw new ArgumentException($"Health measure '{measure}': linear bounds must be finite (got {Low} and {High}).", nameof(measure));
        }

        if (Low >= High)
        {
            throw new ArgumentException($"Health measure '{measure}': linear bounds are inverted or equal (Low = {Low}, High = {High}); Low must be below High. Use HigherIsBetter = false for a measure where less is better.", nameof(measure));
        }
    }
}

/// <summary>
/// Steps: a value below <c>Bounds[0]</c> scores <c>Scores[0]</c>; a value in [Bounds[i − 1], Bounds[i]) scores
/// <c>Scores[i]</c>; a value at or above the last bound scores the last score. So Scores has one more entry than Bounds.
/// Example (support tickets): Bounds [1, 3, 6], Scores [100, 75, 40, 0].
/// </summary>
public sealed record ThresholdMapping(IReadOnlyList<double> Bounds, IReadOnlyList<double> Scores) : ScoreMapping
{
    public override double Map(double raw)
    {
        var i = 0;
        while (i < Bounds.Count && raw >= Bounds[i])
        {
            i++;
        }

        return Scores[i];
    }

    public override void Validate(string measure)
    {
        if (Bounds is null || Scores is null || Bounds.Count == 0)
        {
            throw new ArgumentException($"Health measure '{measure}': thresholds need at least one bound.", nameof(measure));
        }

        if (Scores.Count != Bounds.Count + 1)
        {
            throw new ArgumentException($"Health measure '{measure}': {Bounds.Count} threshold bounds need {Bounds.Count + 1} scores (got {Scores.Count}).", nameof(measure));
        }

        for (var i = 0; i < Bounds.Count; i++)
        {
            if (!double.IsFinite(Bounds[i]) || (i > 0 && Bounds[i] <= Bounds[i - 1]))
            {
                throw new ArgumentException($"Health measure '{measure}': threshold bounds must be finite and strictly increasing (bound {i} = {Bounds[i]}).", nameof(measure));
            }
        }

        foreach (var s in Scores)
        {
            if (!(s >= 0 && s <= 100))
            {
                throw new ArgumentException($"Health measure '{measure}': threshold scores must lie in 0–100 (got {s}).", nameof(measure));
            }
        }
    }
}

/// <summary>One line of a scorecard. Weights are relative: they are normalised to sum to 100.</summary>
public sealed record HealthMeasure(string Name, double Weight, ScoreMapping Mapping);

public enum HealthBand
{
    /// <summary>No measure with a positive weight had a value.</summary>
    Unknown,
    Poor,
    Average,
    Good,
}

/// <summary>Why a customer scored what they did, one line per configured measure.</summary>
public sealed record HealthContribution
{
    public required string Name { get; init; }

    /// <summary>The raw input, null when missing.</summary>
    public required double? Value { get; init; }

    /// <summary>The measure's own 0–100 score, null when missing.</summary>
    public required double? Score { get; init; }

    /// <summary>The configured weight normalised over all measures (the configured weights sum to 100).</summary>
    public required double ConfiguredWeight { get; init; }

    /// <summary>The weight used: over present measures only, so they sum to 100; 0 when missing.</summary>
    public required double AppliedWeight { get; init; }

    /// <summary>Score × AppliedWeight / 100: the points this measure adds to the overall score.</summary>
    public required double Points { get; init; }
}

public sealed record HealthResult
{
    /// <summary>0–100, the sum of the contributions' points; null when no weighted measure had a value.</summary>
    public required double? Score { get; init; }

    public required HealthBand Band { get; init; }

    /// <summary>In the scorecard's order.</summary>
    public required IReadOnlyList<HealthContribution> Contributions { get; init; }

    /// <summary>Names of measures without a value; their weight went to the present ones in proportion to theirs.</summary>
    public required IReadOnlyList<string> Missing { get; init; }

    public bool WeightsRedistributed => Missing.Count > 0 && Score is not null;
}

/// <summary>
/// A configurable customer health scorecard in the manner of Gainsight's scorecards: weighted measures, each mapped to
/// 0–100, combined into one 0–100 score and a good / average / poor band. A missing measure does not count as 0: its
/// weight is shared among the present measures in proportion to their weights, and the result says so.
/// </summary>
public sealed class HealthScore
{
    public const string ProbabilityAlive = "probability_alive";
    public const string DaysSinceLastActivity = "days_since_last_activity";
    public const string PurchaseFrequencyTrend = "purchase_frequency_trend";
    public const string SupportTickets90Days = "support_tickets_90d";
    public const string Sentiment = "sentiment";

    private readonly HealthMeasure[] _measures;
    private readonly double[] _normalised;

    public HealthScore(IEnumerable<HealthMeasure> measures, double goodAtLeast = 70, double averageAtLeast = 40)
    {
        ArgumentNullException.ThrowIfNull(measures);
        _measures = measures.ToArray();
        if (_measures.Length == 0)
        {
            throw new ArgumentException("A health score needs at least one measure.", nameof(measures));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var total = 0.0;
        foreach (var m in _measures)
        {
            if (m is null || string.IsNullOrWhiteSpace(m.Name))
            {
                throw new ArgumentException("Every health measure needs a name.", nameof(measures));
            }

            if (!names.Add(m.Name))
            {
                throw new ArgumentException($"Health measure '{m.Name}' appears twice.", nameof(measures));
            }

            if (!double.IsFinite(m.Weight) || m.Weight < 0)
            {
                throw new ArgumentException($"Health measure '{m.Name}': weight {m.Weight} must be a finite number ≥ 0.", nameof(measures));
            }

            if (m.Mapping is null)
            {
                throw new ArgumentException($"Health measure '{m.Name}' has no mapping from value to score.", nameof(measures));
            }

            m.Mapping.Validate(m.Name);
            total += m.Weight;
        }

        if (total <= 0)
        {
            throw new ArgumentException("All health measure weights are zero: at least one must be positive.", nameof(measures));
        }

        if (!(averageAtLeast >= 0 && averageAtLeast <= goodAtLeast && goodAtLeast <= 100))
        {
            throw new ArgumentException($"Band thresholds must satisfy 0 ≤ averageAtLeast ≤ goodAtLeast ≤ 100 (got average {averageAtLeast}, good {goodAtLeast}).", nameof(goodAtLeast));
        }

        _normalised = _measures.Select(m => 100 * m.Weight / total).ToArray();
        GoodAtLeast = goodAtLeast;
        AverageAtLeast = averageAtLeast;
    }

    /// <summary>
    /// The product's starting scorecard. Weights sum to 100:
    /// probability alive 30 (BG/NBD or Pareto/NBD P(alive), 0–1, higher better);
    /// days since last activity 25 (0 days → 100, 120 days or more → 0);
    /// purchase frequency trend 20 (purchases in the last 90 days ÷ the 90 days before, minus 1: −50 % → 0, flat → 50, +50 % → 100);
    /// support tickets in the last 90 days 10 (0 → 100, 1–2 → 75, 3–5 → 40, 6 or more → 0);
    /// sentiment of recent texts 15 (−1 → 0, 1 → 100). Bands: ≥ 70 good, ≥ 40 average, else poor.
    /// </summary>
    public static HealthScore Default { get; } = new(
    [
        new HealthMeasure(ProbabilityAlive, 30, new LinearMapping(0, 1)),
        new HealthMeasure(DaysSinceLastActivity, 25, new LinearMapping(0, 120, HigherIsBetter: false)),
        new HealthMeasure(PurchaseFrequencyTrend, 20, new LinearMapping(-0.5, 0.5)),
        new HealthMeasure(SupportTickets90Days, 10, new ThresholdMapping([1, 3, 6], [100, 75, 40, 0])),
        new HealthMeasure(Sentiment, 15, new LinearMapping(-1, 1)),
    ]);

    public IReadOnlyList<HealthMeasure> Measures => _measures;

    public double GoodAtLeast { get; }

    public double AverageAtLeast { get; }

    /// <summary>Scores one customer from values by measure name (case-insensitive); an absent name or NaN is missing.</summary>
    public HealthResult Evaluate(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var known = new HashSet<string>(_measures.Select(m => m.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var key in values.Keys)
        {
            if (!known.Contains(key))
            {
                throw new ArgumentException($"'{key}' is not a measure of this health score (measures: {string.Join(", ", known)}).", nameof(values));
            }
        }

        var byName = new Dictionary<string, double>(values, StringComparer.OrdinalIgnoreCase);
        var aligned = new double[_measures.Length];
        for (var i = 0; i < aligned.Length; i++)
        {
            aligned[i] = byName.TryGetValue(_measures[i].Name, out var v) ? v : double.NaN;
        }

        return Evaluate(aligned);
    }

    /// <summary>Scores one customer from values in the order of <see cref="Measures"/>; NaN marks a missing value.</summary>
    public HealthResult Evaluate(ReadOnlySpan<double> values)
    {
        if (values.Length != _measures.Length)
        {
            throw new ArgumentException($"Expected {_measures.Length} values, one per measure, got {values.Length}.", nameof(values));
        }

        var presentWeight = 0.0;
        var missing = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            if (double.IsInfinity(values[i]))
            {
                throw new ArgumentException($"The value of '{_measures[i].Name}' is infinite.", nameof(values));
            }

            if (double.IsNaN(values[i]))
            {
                missing.Add(_measures[i].Name);
            }
            else
            {
                presentWeight += _normalised[i];
            }
        }

        var contributions = new HealthContribution[values.Length];
        var total = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            var present = !double.IsNaN(values[i]);
            var score = present ? _measures[i].Mapping.Map(values[i]) : (double?)null;
            var applied = present && presentWeight > 0 ? 100 * _normalised[i] / presentWeight : 0;
            var points = present ? score!.Value * applied / 100 : 0;
            total += points;
            contributions[i] = new HealthContribution
            {
                Name = _measures[i].Name,
                Value = present ? values[i] : null,
                Score = score,
                ConfiguredWeight = _normalised[i],
                AppliedWeight = applied,
                Points = points,
            };
        }

        double? overall = presentWeight > 0 ? Math.Clamp(total, 0, 100) : null;
        return new HealthResult
        {
            Score = overall,
            Band = BandOf(overall ?? double.NaN),
            Contributions = contributions,
            Missing = missing,
        };
    }

    /// <summary>The band of a 0–100 score under this scorecard's thresholds.</summary>
    public HealthBand BandOf(double score) =>
        double.IsNaN(score) ? HealthBand.Unknown : score >= GoodAtLeast ? HealthBand.Good : score >= AverageAtLeast ? HealthBand.Average : HealthBand.Poor;
}
