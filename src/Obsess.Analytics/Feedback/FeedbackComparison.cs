using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Obsess.Analytics.Feedback;

/// <summary>
/// What is being compared: two periods (<see cref="OverTime"/>: "rose from … to …") or two groups such as segments
/// ("is higher in … than in …"). <see cref="First"/> is the baseline (the earlier period).
/// </summary>
public sealed record ComparedGroups(string First, string Second, bool OverTime)
{
    public static readonly ComparedGroups Periods = new("the first period", "the second period", OverTime: true);
}

/// <summary>
/// The outcome of a two-sample test: the difference second − first with its 95% interval, the two-sided p-value, and
/// one plain sentence saying what it means. Scores and the difference are null when a side has too few answers.
/// </summary>
public sealed record Comparison(
    string Metric,
    double? First,
    double? Second,
    double? Difference,
    Interval? Ci95,
    double? PValue,
    bool Significant,
    string Test,
    string Sentence,
    string? Warning);

/// <summary>Significance tests between two periods or two segments, at the 5% level, two-sided.</summary>
public static class FeedbackComparison
{
    public const double Alpha = 0.05;

    /// <summary>
    /// NPS: z = (NPS₂ − NPS₁) / √(V₁ + V₂) with each V the variance of <see cref="FeedbackScores.Nps(long,long,long)"/>;
    /// the two samples are independent, so the variance of the difference is the sum (Rocks 2016, §3).
    /// </summary>
    public static Comparison Nps(NpsResult first, NpsResult second, ComparedGroups? groups = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        groups ??= ComparedGroups.Periods;
        if (Missing("NPS", first.Responses, second.Responses, 1, groups) is { } cannot)
        {
            return cannot with { First = first.Score, Second = second.Score, Test = "z-test on the NPS difference" };
        }

        var diff = second.Score!.Value - first.Score!.Value;
        var se = Math.Sqrt(first.Variance!.Value + second.Variance!.Value);
        return Normal("NPS", first.Score.Value, second.Score.Value, diff, se, "z-test on the NPS difference (variances summed)", " points", groups,
            Warn(first.Responses, second.Responses, groups));
    }

    /// <summary>
    /// CSAT (or any share): the two-proportion z-test with the pooled proportion in the standard error, and the unpooled
    /// (Wald) interval for the difference (e.g. Agresti, Categorical Data Analysis, 3rd ed., 2013, §1.4 and §2.1).
    /// </summary>
    public static Comparison Share(string metric, ShareResult first, ShareResult second, ComparedGroups? groups = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        groups ??= ComparedGroups.Periods;
        const string test = "two-proportion z-test";
        if (Missing(metric, first.Responses, second.Responses, 1, groups) is { } cannot)
        {
            return cannot with { First = first.Score, Second = second.Score, Test = test };
        }

        double n1 = first.Responses, n2 = second.Responses;
        var p1 = first.Hits / n1;
        var p2 = second.Hits / n2;
        var pooled = (first.Hits + second.Hits) / (n1 + n2);
        var sePooled = Math.Sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
        var seDiff = Math.Sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
        var diff = 100 * (p2 - p1);
        var p = sePooled > 0 ? FeedbackScores.TwoSidedP((p2 - p1) / sePooled) : 1;
        var half = FeedbackScores.Z95 * 100 * seDiff;
        return Build(metric, 100 * p1, 100 * p2, diff, new Interval(diff - half, diff + half), p, test, " points", groups,
            Warn(first.Responses, second.Responses, groups));
    }

    public static Comparison Csat(ShareResult first, ShareResult second, ComparedGroups? groups = null) => Share("CSAT", first, second, groups);

    /// <summary>
    /// A mean (CES): Welch's t-test, t = (x̄₂ − x̄₁) / √(s₁²/n₁ + s₂²/n₂), with the Welch–Satterthwaite degrees of freedom
    /// (Welch 1947, Biometrika 34; Satterthwaite 1946, Biometrics Bulletin 2), which does not assume equal variances.
    /// </summary>
    public static Comparison Mean(string metric, MeanResult first, MeanResult second, ComparedGroups? groups = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        groups ??= ComparedGroups.Periods;
        const string test = "Welch's t-test";
        if (Missing(metric, first.Responses, second.Responses, 2, groups) is { } cannot)
        {
            return cannot with { First = first.Mean, Second = second.Mean, Test = test };
        }

        double n1 = first.Responses, n2 = second.Responses;
        var v1 = first.StandardDeviation!.Value * first.StandardDeviation.Value / n1;
        var v2 = second.StandardDeviation!.Value * second.StandardDeviation.Value / n2;
        var diff = second.Mean!.Value - first.Mean!.Value;
        var se = Math.Sqrt(v1 + v2);
        var warning = Warn(first.Responses, second.Responses, groups);
        if (se == 0)
        {
            // No spread on either side: any difference is certain on these data, none is none.
            return Build(metric, first.Mean.Value, second.Mean.Value, diff, new Interval(diff, diff), diff == 0 ? 1 : 0, test, "", groups,
                (warning is null ? "" : warning + " ") + "Every answer on each side was the same, so the test has no spread to work with.");
        }

        var df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
        var t = diff / se;
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        var half = StudentT.InvCDF(0, 1, df, 0.975) * se;
        return Build(metric, first.Mean.Value, second.Mean.Value, diff, new Interval(diff - half, diff + half), p, test, "", groups, warning);
    }

    public static Comparison Ces(MeanResult first, MeanResult second, ComparedGroups? groups = null) => Mean("CES", first, second, groups);

    private static Comparison Normal(string metric, double first, double second, double diff, double se, string test, string unit, ComparedGroups groups, string? warning)
    {
        if (se == 0)
        {
            return Build(metric, first, second, diff, new Interval(diff, diff), diff == 0 ? 1 : 0, test, unit, groups,
                (warning is null ? "" : warning + " ") + "Every answer on each side fell in one group, so the test has no spread to work with.");
        }

        var half = FeedbackScores.Z95 * se;
        return Build(metric, first, second, diff, new Interval(diff - half, diff + half), FeedbackScores.TwoSidedP(diff / se), test, unit, groups, warning);
    }

    private static Comparison Build(string metric, double first, double second, double diff, Interval ci, double p, string test, string unit, ComparedGroups groups, string? warning)
    {
        var significant = p < Alpha;
        var decimals = unit.Length == 0 ? 2 : 1;
        return new Comparison(metric, first, second, diff, ci, p, significant, test, Sentence(metric, first, second, p, unit, groups, decimals), warning);
    }

    /// <summary>
    /// "NPS rose 6 points, from 32 to 38; this is not a significant change (p = 0.21)." Figures are shown to
    /// <paramref name="decimals"/> decimals at most (one for scores out of 100, two for means), and the change is the
    /// difference of the figures shown, so the sentence adds up.
    /// </summary>
    public static string Sentence(string metric, double first, double second, double p, string unit, ComparedGroups groups, int decimals = 1)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var a = Math.Round(first, decimals, MidpointRounding.AwayFromZero);
        var b = Math.Round(second, decimals, MidpointRounding.AwayFromZero);
        var change = Math.Round(b - a, decimals, MidpointRounding.AwayFromZero);
        string F(double v) => v.ToString(decimals == 0 ? "0" : "0." + new string('#', decimals), CultureInfo.InvariantCulture);
        var verdict = p < Alpha ? "a significant" : "not a significant";
        var pText = PValue(p);
        if (groups.OverTime)
        {
            return change == 0
                ? $"{metric} stayed at {F(a)}; this is {verdict} change ({pText})."
                : $"{metric} {(change > 0 ? "rose" : "fell")} {F(Math.Abs(change))}{unit}, from {F(a)} to {F(b)}; this is {verdict} change ({pText}).";
        }

        return change == 0
            ? $"{metric} is {F(a)} in both {groups.Second} and {groups.First}; this is {verdict} difference ({pText})."
            : $"{metric} is {F(Math.Abs(change))}{unit} {(change > 0 ? "higher" : "lower")} in {groups.Second} ({F(b)}) than in {groups.First} ({F(a)}); this is {verdict} difference ({pText}).";
    }

    /// <summary>"p &lt; 0.001", "p = 0.004", "p = 0.21".</summary>
    public static string PValue(double p) => p switch
    {
        < 0.001 => "p < 0.001",
        < 0.01 => $"p = {p.ToString("0.000", CultureInfo.InvariantCulture)}",
        _ => $"p = {p.ToString("0.00", CultureInfo.InvariantCulture)}",
    };

    private static Comparison? Missing(string metric, long n1, long n2, int needed, ComparedGroups groups)
    {
        if (n1 >= needed && n2 >= needed)
        {
            return null;
        }

        var side = n1 < needed ? groups.First : groups.Second;
        var what = needed == 1 ? "no answers" : "fewer than two answers";
        return new Comparison(metric, null, null, null, null, null, false, "", $"Cannot compare {metric}: {side} has {what}.", null);
    }

    private static string? Warn(long n1, long n2, ComparedGroups groups)
    {
        if (n1 >= FeedbackScores.SmallSample && n2 >= FeedbackScores.SmallSample)
        {
            return null;
        }

        var small = n1 < n2 ? (groups.First, n1) : (groups.Second, n2);
        return $"{Capitalize(small.Item1)} has only {small.Item2} answers (fewer than {FeedbackScores.SmallSample}): a real change may go undetected, and the p-value is approximate.";
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
