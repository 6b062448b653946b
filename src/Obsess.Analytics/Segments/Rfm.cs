namespace Obsess.Analytics.Segments;

/// <summary>The named RFM segments of the 11-cell convention, plus customers who never bought.</summary>
public enum RfmSegment
{
    NoPurchases,
    Champions,
    LoyalCustomers,
    PotentialLoyalists,
    NewCustomers,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CannotLoseThem,
    Hibernating,
    Lost,
}

/// <summary>Whether the monetary input is each customer's total spend or their average spend per purchase.</summary>
public enum MonetaryKind
{
    Total,
    Average,
}

/// <summary>Which score is the horizontal axis of the segment map and of the grid.</summary>
public enum RfmSegmentAxis
{
    /// <summary>The F score alone.</summary>
    Frequency,

    /// <summary>(F + M) / 2, halves rounded up: a customer who buys rarely but spends a lot moves right.</summary>
    FrequencyAndMonetary,
}

public sealed record RfmOptions
{
    public MonetaryKind Monetary { get; init; } = MonetaryKind.Total;

    public RfmSegmentAxis Axis { get; init; } = RfmSegmentAxis.Frequency;
}

/// <summary>Counts and revenue per cell of the 5 × 5 grid of R against the segment axis (F or FM), for a heatmap.</summary>
public sealed record RfmGrid
{
    internal RfmGrid(int[] counts, double[] revenue)
    {
        Counts = counts;
        Revenue = revenue;
    }

    /// <summary>Row-major by R then F: index (r − 1) × 5 + (f − 1).</summary>
    public IReadOnlyList<int> Counts { get; }

    /// <summary>Total spend per cell (average spend × frequency when the input was an average).</summary>
    public IReadOnlyList<double> Revenue { get; }

    public int Count(int r, int f) => Counts[Cell(r, f)];

    public double RevenueAt(int r, int f) => Revenue[Cell(r, f)];

    internal static int Cell(int r, int f)
    {
        if (r is < 1 or > 5 || f is < 1 or > 5)
        {
            throw new ArgumentOutOfRangeException(r is < 1 or > 5 ? nameof(r) : nameof(f), "RFM scores run from 1 to 5.");
        }

        return ((r - 1) * 5) + (f - 1);
    }
}

/// <summary>Per-customer scores (0 for customers without a purchase), segments, and the grid summary.</summary>
public sealed record RfmResult
{
    public required IReadOnlyList<byte> Recency { get; init; }

    public required IReadOnlyList<byte> Frequency { get; init; }

    public required IReadOnlyList<byte> Monetary { get; init; }

    public required IReadOnlyList<RfmSegment> Segments { get; init; }

    public required RfmGrid Grid { get; init; }

    /// <summary>Customers per segment, indexed by <see cref="RfmSegment"/>.</summary>
    public required IReadOnlyList<int> SegmentCounts { get; init; }

    public int CountOf(RfmSegment segment) => SegmentCounts[(int)segment];
}

/// <summary>
/// Recency–frequency–monetary scoring (Hughes 1994, "Strategic Database Marketing"): each of R, F and M becomes a
/// quintile score 1–5 among the customers who have bought, and the (R, F) pair names a segment.
/// </summary>
public static class Rfm
{
    /// <summary>
    /// The segment map, rows R = 5 (most recent) down to R = 1, columns F (or FM) = 1 … 5. It follows the 11-segment
    /// R × F grid that RFM tools and marketing guides commonly share (an industry convention, not a paper): recent and
    /// frequent buyers are champions; recent ones who bought once are new; frequent buyers who have gone quiet are
    /// the ones you cannot lose; and the bottom-left corner, long gone after one or two purchases, is lost.
    /// Here "lost" is R = 1 with F ≤ 2 and "hibernating" is R = 2 with F ≤ 2, so every one of the 25 cells has one name.
    /// </summary>
    private static readonly RfmSegment[,] Map =
    {
        // F:  1                            2                               3                               4                           5
        { RfmSegment.NewCustomers, RfmSegment.PotentialLoyalists, RfmSegment.PotentialLoyalists, RfmSegment.Champions, RfmSegment.Champions }, // R 5
        { RfmSegment.Promising, RfmSegment.PotentialLoyalists, RfmSegment.PotentialLoyalists, RfmSegment.LoyalCustomers, RfmSegment.LoyalCustomers }, // R 4
        { RfmSegment.AboutToSleep, RfmSegment.AboutToSleep, RfmSegment.NeedAttention, RfmSegment.LoyalCustomers, RfmSegment.LoyalCustomers }, // R 3
        { RfmSegment.Hibernating, RfmSegment.Hibernating, RfmSegment.AtRisk, RfmSegment.AtRisk, RfmSegment.CannotLoseThem }, // R 2
        { RfmSegment.Lost, RfmSegment.Lost, RfmSegment.AtRisk, RfmSegment.AtRisk, RfmSegment.CannotLoseThem }, // R 1
    };

    /// <summary>The segment of an R score and an F (or FM) score, each 1–5.</summary>
    public static RfmSegment Segment(int r, int f)
    {
        _ = RfmGrid.Cell(r, f);
        return Map[5 - r, f - 1];
    }

    /// <summary>The label shown to people.</summary>
    public static string DisplayName(RfmSegment segment) => segment switch
    {
        RfmSegment.NoPurchases => "No purchases",
        RfmSegment.Champions => "Champions",
        RfmSegment.LoyalCustomers => "Loyal customers",
        RfmSegment.PotentialLoyalists => "Potential loyalists",
        RfmSegment.NewCustomers => "New customers",
        RfmSegment.Promising => "Promising",
        RfmSegment.NeedAttention => "Need attention",
        RfmSegment.AboutToSleep => "About to sleep",
        RfmSegment.AtRisk => "At risk",
        RfmSegment.CannotLoseThem => "Can't lose them",
        RfmSegment.Hibernating => "Hibernating",
        RfmSegment.Lost => "Lost",
        _ => throw new ArgumentOutOfRangeException(nameof(segment), segment, "Unknown RFM segment."),
    };

    /// <summary>
    /// Rank-based quintile scores, higher value → higher score. A value scores 1 + ⌊5 · b / n⌋, where b is the number
    /// of values strictly below it and n the number of values: the quintile of the share of customers it beats.
    /// Equal values therefore always get equal scores and the result does not depend on input order. Without ties
    /// each score holds a fifth of the values (± 1); with heavy ties (most customers bought once) the quintiles fill
    /// unevenly and the lowest value always scores 1, so one-time buyers are F = 1 however many they are.
    /// </summary>
    public static byte[] Quintiles(ReadOnlySpan<double> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"values[{i}] = {values[i]} must be finite.", nameof(values));
            }
        }

        var keys = values.ToArray();
        var scores = new byte[keys.Length];
        QuintilesInPlace(keys, Enumerable.Range(0, keys.Length).ToArray(), scores);
        return scores;
    }

    /// <summary>
    /// Scores every customer. <paramref name="recencyDays"/>: days since the last purchase (ignored when frequency is 0);
    /// <paramref name="frequency"/>: number of purchases, 0 = never bought (no score, segment NoPurchases);
    /// <paramref name="monetary"/>: total or average spend per <see cref="RfmOptions.Monetary"/>. Quintiles are taken
    /// among buyers only, R on recency reversed (fewer days = higher score).
    /// </summary>
    public static RfmResult Score(ReadOnlySpan<double> recencyDays, ReadOnlySpan<int> frequency, ReadOnlySpan<double> monetary, RfmOptions? options = null)
    {
        options ??= new RfmOptions();
        var n = frequency.Length;
        if (recencyDays.Length != n || monetary.Length != n)
        {
            throw new ArgumentException($"recencyDays, frequency and monetary must have the same length (got {recencyDays.Length}, {n}, {monetary.Length}).", nameof(recencyDays));
        }

        var buyers = 0;
        for (var i = 0; i < n; i++)
        {
            if (frequency[i] < 0)
            {
                throw new ArgumentException($"frequency[{i}] = {frequency[i]} must be a non-negative number of purchases.", nameof(frequency));
            }

            if (frequency[i] == 0)
            {
                continue;
            }

            if (!double.IsFinite(recencyDays[i]) || recencyDays[i] < 0)
            {
                throw new ArgumentException($"recencyDays[{i}] = {recencyDays[i]} must be a non-negative number of days for a customer who bought.", nameof(recencyDays));
            }

            if (!double.IsFinite(monetary[i]))
            {
                throw new ArgumentException($"monetary[{i}] = {monetary[i]} must be finite.", nameof(monetary));
            }

            buyers++;
        }

        var index = new int[buyers];
        var rKeys = new double[buyers];
        var fKeys = new double[buyers];
        var mKeys = new double[buyers];
        for (int i = 0, j = 0; i < n; i++)
        {
            if (frequency[i] > 0)
            {
                index[j] = i;
                rKeys[j] = -recencyDays[i];
                fKeys[j] = frequency[i];
                mKeys[j] = monetary[i];
                j++;
            }
        }

        var rScore = new byte[n];
        var fScore = new byte[n];
        var mScore = new byte[n];
        QuintilesInPlace(rKeys, (int[])index.Clone(), rScore);
        QuintilesInPlace(fKeys, (int[])index.Clone(), fScore);
        QuintilesInPlace(mKeys, (int[])index.Clone(), mScore);

        var segments = new RfmSegment[n];
        var segmentCounts = new int[Enum.GetValues<RfmSegment>().Length];
        var counts = new int[25];
        var revenue = new double[25];
        var compensation = new double[25];
        for (var i = 0; i < n; i++)
        {
            if (frequency[i] == 0)
            {
                segmentCounts[(int)RfmSegment.NoPurchases]++;
                continue;
            }

            var axis = options.Axis == RfmSegmentAxis.Frequency ? fScore[i] : (fScore[i] + mScore[i] + 1) / 2;
            var segment = Map[5 - rScore[i], axis - 1];
            segments[i] = segment;
            segmentCounts[(int)segment]++;
            var cell = ((rScore[i] - 1) * 5) + (axis - 1);
            counts[cell]++;
            var spend = options.Monetary == MonetaryKind.Total ? monetary[i] : monetary[i] * frequency[i];
            NeumaierAdd(ref revenue[cell], ref compensation[cell], spend);
        }

        for (var c = 0; c < 25; c++)
        {
            revenue[c] += compensation[c];
        }

        return new RfmResult
        {
            Recency = rScore,
            Frequency = fScore,
            Monetary = mScore,
            Segments = segments,
            Grid = new RfmGrid(counts, revenue),
            SegmentCounts = segmentCounts,
        };
    }

    /// <summary>Sorts <paramref name="keys"/> (with their output positions) and writes 1 + ⌊5 b / n⌋ per tie group.</summary>
    private static void QuintilesInPlace(double[] keys, int[] positions, byte[] scores)
    {
        var n = keys.Length;
        Array.Sort(keys, positions);
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            var score = (byte)(1 + (5L * start / n));
            for (var k = start; k < end; k++)
            {
                scores[positions[k]] = score;
            }

            start = end;
        }
    }

    /// <summary>Neumaier (1974) compensated summation: revenue totals over a million customers stay exact to the cent.</summary>
    private static void NeumaierAdd(ref double sum, ref double compensation, double value)
    {
        var t = sum + value;
        compensation += Math.Abs(sum) >= Math.Abs(value) ? (sum - t) + value : (value - t) + sum;
        sum = t;
    }
}
