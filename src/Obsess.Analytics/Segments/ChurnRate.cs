namespace Obsess.Analytics.Segments;

public enum PeriodLength
{
    /// <summary>Monday to Sunday (ISO 8601 weeks).</summary>
    Week,

    /// <summary>Calendar months.</summary>
    Month,
}

/// <summary>Churn over one period [Start, End): see <see cref="ChurnRate"/> for the definitions.</summary>
public sealed record ChurnPeriod
{
    public required DateOnly Start { get; init; }

    /// <summary>Exclusive: the first day of the next period.</summary>
    public required DateOnly End { get; init; }

    /// <summary>Customers active at the start of <see cref="Start"/>: the denominator.</summary>
    public required int AtStart { get; init; }

    /// <summary>Customers active at Start and not active at End.</summary>
    public required int Lost { get; init; }

    /// <summary>Lost ÷ AtStart; null when nobody was active at the start.</summary>
    public required double? Rate { get; init; }

    /// <summary>Customers active at the start of <see cref="End"/>.</summary>
    public required int AtEnd { get; init; }

    /// <summary>Customers whose first purchase fell in the period (never in the denominator of this period).</summary>
    public required int Acquired { get; init; }

    /// <summary>Earlier customers not active at Start who are active again at End (win-backs).</summary>
    public required int Returned { get; init; }
}

/// <summary>
/// Churn rate by period with the contract-free definition of PRODUCT.md ("Exact definitions"): churn rate =
/// customers lost in the period ÷ customers at its start, where a customer is lost when they stop buying within the
/// workspace's window of W days.
/// <list type="bullet">
/// <item>A customer is <b>active at day t</b> (at its start, 00:00) when they bought on one of the W days before t,
/// i.e. on a day d with t − W ≤ d &lt; t. Purchases on day t itself count from day t + 1.</item>
/// <item>Customers <b>at the start</b> of period [a, b) = those active at a.</item>
/// <item><b>Lost</b> in [a, b) = active at a and not active at b. Someone who lapses mid-period and buys again before
/// b is not lost (they came back); someone active at b is never lost. When W ≥ b − a (the usual case, e.g. a 90-day
/// window and monthly periods) "not active at b" implies no purchase in [a, b). With a window shorter than the period
/// a customer can buy inside the period and lapse again before b: they count as lost, because at b they are not a
/// customer.</item>
/// <item>Customers whose first purchase falls inside [a, b) are not active at a, so they are never in that period's
/// denominator nor lost in it; they are reported as <see cref="ChurnPeriod.Acquired"/>.</item>
/// </list>
/// For consecutive periods the counts chain: AtEnd = AtStart − Lost + Returned + (acquired customers still active at End).
/// </summary>
public static class ChurnRate
{
    /// <summary>
    /// Churn for every whole calendar month or ISO week lying inside [<paramref name="from"/>, <paramref name="to"/>)
    /// (<paramref name="to"/> exclusive). Partial periods at either end are left out; none fitting gives an empty list.
    /// </summary>
    public static IReadOnlyList<ChurnPeriod> ByPeriod<TKey>(ReadOnlySpan<TKey> customers, ReadOnlySpan<DateOnly> purchaseDates, int windowDays, DateOnly from, DateOnly to, PeriodLength period)
        where TKey : notnull
    {
        if (to <= from)
        {
            throw new ArgumentException($"to ({to:yyyy-MM-dd}) must be after from ({from:yyyy-MM-dd}).", nameof(to));
        }

        var boundaries = Boundaries(from, to, period);
        return boundaries.Count < 2 ? [] : Compute(customers, purchaseDates, windowDays, boundaries.ToArray());
    }

    /// <summary>The starts of the whole periods inside [from, to), followed by the end of the last one.</summary>
    public static IReadOnlyList<DateOnly> Boundaries(DateOnly from, DateOnly to, PeriodLength period)
    {
        DateOnly start;
        if (period == PeriodLength.Month)
        {
            start = from.Day == 1 ? from : new DateOnly(from.Year, from.Month, 1).AddMonths(1);
        }
        else if (period == PeriodLength.Week)
        {
            var sinceMonday = ((int)from.DayOfWeek + 6) % 7;
            start = sinceMonday == 0 ? from : from.AddDays(7 - sinceMonday);
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "Unknown period length.");
        }

        var boundaries = new List<DateOnly>();
        for (var b = start; b <= to; b = period == PeriodLength.Month ? b.AddMonths(1) : b.AddDays(7))
        {
            boundaries.Add(b);
        }

        return boundaries;
    }

    /// <summary>
    /// Churn for the periods [boundaries[i], boundaries[i + 1]); boundaries strictly increasing. Rows are one per
    /// purchase (several per customer and day are fine); only purchases before the last boundary matter.
    /// </summary>
    public static IReadOnlyList<ChurnPeriod> Compute<TKey>(ReadOnlySpan<TKey> customers, ReadOnlySpan<DateOnly> purchaseDates, int windowDays, ReadOnlySpan<DateOnly> boundaries)
        where TKey : notnull
    {
        if (windowDays < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(windowDays), windowDays, "The churn window must be at least 1 day.");
        }

        if (boundaries.Length < 2)
        {
            throw new ArgumentException($"At least two boundaries (one period) are needed, got {boundaries.Length}.", nameof(boundaries));
        }

        for (var i = 1; i < boundaries.Length; i++)
        {
            if (boundaries[i] <= boundaries[i - 1])
            {
                throw new ArgumentException($"boundaries must increase strictly: boundaries[{i}] = {boundaries[i]:yyyy-MM-dd} follows {boundaries[i - 1]:yyyy-MM-dd}.", nameof(boundaries));
            }
        }

        var dense = PurchaseRows.DenseIds(customers, purchaseDates, out _);
        var keys = new long[dense.Length];
        for (var i = 0; i < dense.Length; i++)
        {
            keys[i] = PurchaseRows.Pack(dense[i], purchaseDates[i].DayNumber);
        }

        Array.Sort(keys);

        var t = new int[boundaries.Length];
        for (var i = 0; i < t.Length; i++)
        {
            t[i] = boundaries[i].DayNumber;
        }

        var periods = boundaries.Length - 1;
        var atStart = new int[periods];
        var lost = new int[periods];
        var atEnd = new int[periods];
        var acquired = new int[periods];
        var returned = new int[periods];
        var active = new bool[t.Length];
        for (var start = 0; start < keys.Length;)
        {
            var customer = PurchaseRows.Customer(keys[start]);
            var end = start;
            while (end < keys.Length && PurchaseRows.Customer(keys[end]) == customer)
            {
                end++;
            }

            // Walk the boundaries with a pointer into this customer's sorted days: p = purchases before t[k].
            var first = PurchaseRows.Value(keys[start]);
            var p = start;
            for (var k = 0; k < t.Length; k++)
            {
                while (p < end && PurchaseRows.Value(keys[p]) < t[k])
                {
                    p++;
                }

                active[k] = p > start && t[k] - PurchaseRows.Value(keys[p - 1]) <= windowDays;
            }

            for (var k = 0; k < periods; k++)
            {
                if (active[k])
                {
                    atStart[k]++;
                    if (!active[k + 1])
                    {
                        lost[k]++;
                    }
                }
                else if (active[k + 1] && first < t[k])
                {
                    returned[k]++;
                }

                if (active[k + 1])
                {
                    atEnd[k]++;
                }

                if (first >= t[k] && first < t[k + 1])
                {
                    acquired[k]++;
                }
            }

            start = end;
        }

        var result = new ChurnPeriod[periods];
        for (var k = 0; k < periods; k++)
        {
            result[k] = new ChurnPeriod
            {
                Start = boundaries[k],
                End = boundaries[k + 1],
                AtStart = atStart[k],
                Lost = lost[k],
                Rate = atStart[k] == 0 ? null : (double)lost[k] / atStart[k],
                AtEnd = atEnd[k],
                Acquired = acquired[k],
                Returned = returned[k],
            };
        }

        return result;
    }
}
