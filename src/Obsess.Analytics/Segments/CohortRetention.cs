namespace Obsess.Analytics.Segments;

/// <summary>One acquisition cohort: the customers whose first purchase fell in <see cref="Month"/>.</summary>
public sealed record Cohort
{
    /// <summary>The first day of the cohort's month.</summary>
    public required DateOnly Month { get; init; }

    public required int Size { get; init; }

    /// <summary>Distinct cohort members who bought in month offset k (k = 0 is the cohort month, so it equals Size).</summary>
    public required IReadOnlyList<int> Purchasers { get; init; }

    /// <summary>Purchasers[k] / Size.</summary>
    public required IReadOnlyList<double> Retention { get; init; }

    /// <summary>The last offset is the month containing asOf and asOf is not its last day: that cell is still filling.</summary>
    public required bool LastOffsetPartial { get; init; }
}

public sealed record CohortTable
{
    public required DateOnly AsOf { get; init; }

    /// <summary>Oldest cohort first; months without a new customer have no row.</summary>
    public required IReadOnlyList<Cohort> Cohorts { get; init; }
}

/// <summary>
/// Monthly acquisition-cohort retention (the classic "cohort triangle"): customers grouped by the calendar month of
/// their first purchase; for each month offset k the share of the cohort that bought again in month k. Dates are
/// calendar dates in the workspace's time zone.
/// </summary>
public static class CohortRetention
{
    /// <summary>
    /// Builds the table from one row per purchase. Purchases after <paramref name="asOf"/> are ignored (not yet
    /// observed), so a cohort's offsets run from 0 to the month containing asOf (at most <paramref name="maxOffset"/>);
    /// later months are not observable and get no cell rather than a misleading zero.
    /// </summary>
    public static CohortTable Compute<TKey>(ReadOnlySpan<TKey> customers, ReadOnlySpan<DateOnly> purchaseDates, DateOnly asOf, int maxOffset = int.MaxValue)
        where TKey : notnull
    {
        if (maxOffset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOffset), maxOffset, "maxOffset must be 0 or more months.");
        }

        var dense = PurchaseRows.DenseIds(customers, purchaseDates, out var customerCount);
        var firstMonth = new int[customerCount];
        Array.Fill(firstMonth, int.MaxValue);
        var observed = 0;
        for (var i = 0; i < dense.Length; i++)
        {
            if (purchaseDates[i] > asOf)
            {
                continue;
            }

            observed++;
            var m = PurchaseRows.MonthIndex(purchaseDates[i]);
            if (m < firstMonth[dense[i]])
            {
                firstMonth[dense[i]] = m;
            }
        }

        var asOfMonth = PurchaseRows.MonthIndex(asOf);
        var lastDayOfMonth = asOf.Day == DateTime.DaysInMonth(asOf.Year, asOf.Month);

        // Cohort rows, keyed by month index.
        var cohortMonths = new SortedDictionary<int, int>();
        foreach (var m in firstMonth)
        {
            if (m != int.MaxValue)
            {
                cohortMonths[m] = cohortMonths.TryGetValue(m, out var size) ? size + 1 : 1;
            }
        }

        var row = new Dictionary<int, int>();
        var purchasers = new int[cohortMonths.Count][];
        var sizes = new int[cohortMonths.Count];
        foreach (var (m, size) in cohortMonths)
        {
            row[m] = row.Count;
            sizes[row[m]] = size;
            purchasers[row[m]] = new int[Math.Min(maxOffset, asOfMonth - m) + 1];
        }

        // One packed (customer, offset) per observed purchase; after sorting, distinct pairs are adjacent.
        var keys = new long[observed];
        for (int i = 0, j = 0; i < dense.Length; i++)
        {
            if (purchaseDates[i] <= asOf)
            {
                keys[j++] = PurchaseRows.Pack(dense[i], PurchaseRows.MonthIndex(purchaseDates[i]) - firstMonth[dense[i]]);
            }
        }

        Array.Sort(keys);
        for (var j = 0; j < keys.Length; j++)
        {
            if (j > 0 && keys[j] == keys[j - 1])
            {
                continue;
            }

            var offset = PurchaseRows.Value(keys[j]);
            var cells = purchasers[row[firstMonth[PurchaseRows.Customer(keys[j])]]];
            if (offset < cells.Length)
            {
                cells[offset]++;
            }
        }

        var cohorts = new List<Cohort>(cohortMonths.Count);
        foreach (var (m, r) in row.OrderBy(p => p.Key))
        {
            var counts = purchasers[r];
            cohorts.Add(new Cohort
            {
                Month = PurchaseRows.MonthStart(m),
                Size = sizes[r],
                Purchasers = counts,
                Retention = counts.Select(c => (double)c / sizes[r]).ToArray(),
                LastOffsetPartial = m + counts.Length - 1 == asOfMonth && !lastDayOfMonth,
            });
        }

        return new CohortTable { AsOf = asOf, Cohorts = cohorts };
    }
}
