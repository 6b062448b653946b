using MathNet.Numerics.Distributions;

namespace Obsess.Analytics.Feedback;

/// <summary>How many answers gave one score: the sufficient statistic every score here is computed from, so a database can group and count.</summary>
public readonly record struct ScoreCount(double Score, long Count);

/// <summary>A two-sided 95% interval.</summary>
public sealed record Interval(double Low, double High);

/// <summary>Net Promoter Score with its counts and 95% interval; <see cref="Score"/> is null when nobody answered.</summary>
public sealed record NpsResult(long Responses, long Promoters, long Passives, long Detractors, double? Score, Interval? Ci95, string? Warning)
{
    /// <summary>The variance of the score (on the −100..100 scale); null when nobody answered.</summary>
    public double? Variance { get; init; }
}

/// <summary>A share of answers ×100 (CSAT, or the share of CES answers of 5 or more) with its 95% Wilson interval.</summary>
public sealed record ShareResult(long Responses, long Hits, double? Score, Interval? Ci95, string? Warning);

/// <summary>A mean score (CES, star ratings) with its 95% t interval, and the share of answers at or above a threshold.</summary>
public sealed record MeanResult(long Responses, double? Mean, double? StandardDeviation, Interval? Ci95, ShareResult Share, string? Warning);

/// <summary>
/// The survey scores of PRODUCT.md ("Exact definitions"), each with a 95% interval, computed from score counts.
/// Intervals use 1.96 (the 97.5th normal percentile) except the mean's, which uses Student's t with n − 1 degrees of freedom.
/// </summary>
public static class FeedbackScores
{
    /// <summary>Below this many answers every result carries a warning: the interval is wide and the normal approximations are rough.</summary>
    public const int SmallSample = 30;

    public const double Z95 = 1.959963984540054;

    /// <summary>Promoters answer 9–10, passives 7–8, detractors 0–6 (answers are 0–10; anything else is ignored).</summary>
    public static NpsResult Nps(IEnumerable<ScoreCount> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long promoters = 0, passives = 0, detractors = 0;
        foreach (var c in counts)
        {
            if (c.Count <= 0 || c.Score is < 0 or > 10 || double.IsNaN(c.Score))
            {
                continue;
            }

            if (c.Score >= 9)
            {
                promoters += c.Count;
            }
            else if (c.Score >= 7)
            {
                passives += c.Count;
            }
            else
            {
                detractors += c.Count;
            }
        }

        return Nps(promoters, passives, detractors);
    }

    /// <summary>
    /// NPS = 100 (p − d), with p and d the shares of promoters and detractors. Its variance is the multinomial variance of
    /// a difference of two cell shares, Var(p̂ − d̂) = (p + d − (p − d)²) / n (PRODUCT.md; Rocks 2016, "Interval estimation
    /// for the 'Net Promoter Score'", The American Statistician 70(4), the Wald interval), scaled by 100².
    /// </summary>
    public static NpsResult Nps(long promoters, long passives, long detractors)
    {
        if (promoters < 0 || passives < 0 || detractors < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(promoters), "Counts cannot be negative.");
        }

        var n = promoters + passives + detractors;
        if (n == 0)
        {
            return new NpsResult(0, 0, 0, 0, null, null, "No answers yet.");
        }

        var p = (double)promoters / n;
        var d = (double)detractors / n;
        var score = 100 * (p - d);
        var variance = 1e4 * (p + d - (p - d) * (p - d)) / n;
        var half = Z95 * Math.Sqrt(Math.Max(0, variance));
        var warning = n < SmallSample
            ? $"Only {n} answer{(n == 1 ? "" : "s")}: fewer than {SmallSample}, so the score can swing widely with a few more."
            : null;
        if (variance <= 0)
        {
            // Everybody in one group: the Wald interval collapses to a point, which overstates what is known.
            warning = (warning is null ? "" : warning + " ") + "Every answer fell in one group, so the interval has no width; it understates the uncertainty.";
        }

        return new NpsResult(n, promoters, passives, detractors, score, new Interval(Math.Max(-100, score - half), Math.Min(100, score + half)), warning)
        {
            Variance = variance,
        };
    }

    /// <summary>CSAT = share of 1–5 answers that are 4 or 5, ×100 (PRODUCT.md).</summary>
    public static ShareResult Csat(IEnumerable<ScoreCount> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long n = 0, satisfied = 0;
        foreach (var c in counts.Where(c => c.Count > 0 && c.Score is >= 1 and <= 5))
        {
            n += c.Count;
            satisfied += c.Score >= 4 ? c.Count : 0;
        }

        return Share(satisfied, n);
    }

    /// <summary>
    /// <paramref name="hits"/> of <paramref name="n"/> as a percentage, with the Wilson score interval (Wilson 1927, JASA 22;
    /// recommended over the Wald interval by Newcombe 1998, Statistics in Medicine 17, method 3, and Brown, Cai &amp; DasGupta
    /// 2001, Statistical Science 16): it stays inside 0–100 and keeps its width when every answer is a hit or a miss.
    /// </summary>
    public static ShareResult Share(long hits, long n)
    {
        if (n < 0 || hits < 0 || hits > n)
        {
            throw new ArgumentOutOfRangeException(nameof(hits), "Need 0 ≤ hits ≤ n.");
        }

        if (n == 0)
        {
            return new ShareResult(0, 0, null, null, "No answers yet.");
        }

        var (low, high) = Wilson(hits, n);
        var warning = n < SmallSample ? $"Only {n} answer{(n == 1 ? "" : "s")}: fewer than {SmallSample}, so the share is uncertain." : null;
        return new ShareResult(n, hits, 100.0 * hits / n, new Interval(100 * low, 100 * high), warning);
    }

    internal static (double Low, double High) Wilson(long hits, long n)
    {
        var p = (double)hits / n;
        var z2 = Z95 * Z95;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z95 / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>CES on 1–7: the mean, and the share of answers that are 5 or more (PRODUCT.md).</summary>
    public static MeanResult Ces(IEnumerable<ScoreCount> counts) =>
        Mean(counts.Where(c => c.Score is >= 1 and <= 7), threshold: 5);

    /// <summary>
    /// The mean with the t interval x̄ ± t(0.975, n − 1)·s/√n (Student 1908; s is the sample standard deviation, n − 1 in
    /// its denominator), computed in two passes over the counts so large n loses no precision; and the share of
    /// answers ≥ <paramref name="threshold"/> (<see cref="Share"/>).
    /// </summary>
    public static MeanResult Mean(IEnumerable<ScoreCount> counts, double threshold)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var list = counts.Where(c => c.Count > 0 && double.IsFinite(c.Score)).ToList();
        long n = list.Sum(c => c.Count);
        var share = Share(list.Where(c => c.Score >= threshold).Sum(c => c.Count), n);
        if (n == 0)
        {
            return new MeanResult(0, null, null, null, share, "No answers yet.");
        }

        var mean = list.Sum(c => c.Score * c.Count) / n;
        var warning = n < SmallSample ? $"Only {n} answer{(n == 1 ? "" : "s")}: fewer than {SmallSample}, so the mean is uncertain." : null;
        if (n == 1)
        {
            return new MeanResult(1, mean, null, null, share, warning + " One answer has no spread, so there is no interval.");
        }

        var variance = list.Sum(c => c.Count * (c.Score - mean) * (c.Score - mean)) / (n - 1);
        var sd = Math.Sqrt(variance);
        var half = StudentT.InvCDF(0, 1, n - 1, 0.975) * sd / Math.Sqrt(n);
        return new MeanResult(n, mean, sd, new Interval(mean - half, mean + half), share, warning);
    }

    /// <summary>Responses ÷ people invited, ×100, with its Wilson interval; null score when nobody was invited.</summary>
    public static ShareResult ResponseRate(long responses, long invited)
    {
        if (invited < 0 || responses < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(responses), "Counts cannot be negative.");
        }

        // More answers than invitations happens with open links; the rate is then capped rather than rejected.
        return Share(Math.Min(responses, invited), invited);
    }

    /// <summary>Two-sided p-value of a standard normal statistic.</summary>
    internal static double TwoSidedP(double z) => double.IsNaN(z) ? 1 : 2 * Normal.CDF(0, 1, -Math.Abs(z));
}
