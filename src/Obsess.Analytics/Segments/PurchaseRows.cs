namespace Obsess.Analytics.Segments;

/// <summary>Shared handling of (customer, purchase date) rows: validation, dense customer numbers, sorted packing.</summary>
internal static class PurchaseRows
{
    /// <summary>Gives each distinct customer a number 0, 1, … in order of first appearance.</summary>
    public static int[] DenseIds<TKey>(ReadOnlySpan<TKey> customers, ReadOnlySpan<DateOnly> dates, out int customerCount)
        where TKey : notnull
    {
        if (customers.Length != dates.Length)
        {
            throw new ArgumentException($"customers and purchaseDates must have the same length (got {customers.Length} and {dates.Length}).", nameof(dates));
        }

        var ids = new Dictionary<TKey, int>();
        var dense = new int[customers.Length];
        for (var i = 0; i < customers.Length; i++)
        {
            var key = customers[i];
            if (key is null)
            {
                throw new ArgumentException($"customers[{i}] is null.", nameof(customers));
            }

            if (!ids.TryGetValue(key, out var id))
            {
                id = ids.Count;
                ids.Add(key, id);
            }

            dense[i] = id;
        }

        customerCount = ids.Count;
        return dense;
    }

    /// <summary>Months since year 0, so consecutive calendar months differ by one.</summary>
    public static int MonthIndex(DateOnly date) => (date.Year * 12) + date.Month - 1;

    public static DateOnly MonthStart(int monthIndex) => new(monthIndex / 12, (monthIndex % 12) + 1, 1);

    /// <summary>(customer, value) packed so that sorting groups by customer, then orders by value.</summary>
    public static long Pack(int customer, int value) => ((long)customer << 32) | (uint)value;

    public static int Customer(long packed) => (int)(packed >> 32);

    public static int Value(long packed) => (int)(uint)packed;
}
