using System.Globalization;

namespace Obsess.Analytics.Clv;

/// <summary>The time unit in which frequency/recency/age are expressed.</summary>
public enum PeriodUnit
{
    /// <summary>Days.</summary>
    Day,

    /// <summary>Weeks of 7 days (calendar weeks from Monday when counting whole periods).</summary>
    Week,

    /// <summary>Months: 365.25/12 days, or calendar months when counting whole periods.</summary>
    Month,
}

/// <summary>One purchase.</summary>
public sealed record Transaction
{
    /// <summary>Customer identifier.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Purchase date.</summary>
    public required DateOnly Date { get; init; }

    /// <summary>Purchase value (money).</summary>
    public required double Amount { get; init; }
}

/// <summary>A customer's recency/frequency/monetary summary, the input of the CLV models.</summary>
public sealed record CustomerSummary
{
    /// <summary>Customer identifier.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Date of the first purchase (the start of the customer's clock).</summary>
    public required DateOnly FirstPurchase { get; init; }

    /// <summary>x: repeat purchases in the calibration period (purchases on the same day, or period, count once).</summary>
    public required double Frequency { get; init; }

    /// <summary>tx: time from the first purchase to the last repeat purchase (0 when x = 0), in the chosen unit.</summary>
    public required double Recency { get; init; }

    /// <summary>T: time from the first purchase to the end of calibration, in the chosen unit.</summary>
    public required double T { get; init; }

    /// <summary>Mean value of the repeat purchases (z̄; the first purchase excluded), 0 when x = 0.</summary>
    public required double MonetaryValue { get; init; }

    /// <summary>Total value of all calibration-period purchases, first included (historic value).</summary>
    public required double Revenue { get; init; }

    /// <summary>Purchases after the calibration end, up to the observation end (same collapsing as <see cref="Frequency"/>).</summary>
    public required double FrequencyHoldout { get; init; }

    /// <summary>Mean value of the holdout purchases, 0 when there are none.</summary>
    public required double MonetaryValueHoldout { get; init; }

    /// <summary>Length of the holdout period in the chosen unit (0 without a holdout).</summary>
    public required double DurationHoldout { get; init; }
}

/// <summary>Builds per-customer (x, tx, T, z̄) summaries from raw transactions.</summary>
public static class TransactionSummary
{
    /// <summary>
    /// Summarises transactions per customer as the models need them.
    /// Several purchases of a customer on the same day (or, with <paramref name="wholePeriods"/>, in the same period)
    /// count as one purchase whose value is their sum, as the lifetimes package does. Frequency counts the repeat
    /// purchases up to and including <paramref name="calibrationEnd"/>; times are measured from the first purchase.
    /// Customers whose first purchase is after the calibration end are left out; purchases after
    /// <paramref name="observationEnd"/> are ignored.
    /// </summary>
    /// <param name="transactions">Raw purchases, in any order.</param>
    /// <param name="calibrationEnd">Last day of the calibration period (inclusive).</param>
    /// <param name="unit">Time unit of recency and age.</param>
    /// <param name="observationEnd">Last day of the holdout period (inclusive); the calibration end when omitted (no holdout).</param>
    /// <param name="wholePeriods">
    /// False (default): continuous times, days / unit length (e.g. 30.43 weeks), as in the CDNOW papers.
    /// True: times are whole numbers of calendar periods (lifetimes' behaviour with a period frequency).
    /// </param>
    /// <returns>One summary per customer, ordered by customer id (ordinal).</returns>
    public static IReadOnlyList<CustomerSummary> Build(
        IEnumerable<Transaction> transactions,
        DateOnly calibrationEnd,
        PeriodUnit unit = PeriodUnit.Week,
        DateOnly? observationEnd = null,
        bool wholePeriods = false)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var end = observationEnd ?? calibrationEnd;
        if (end < calibrationEnd)
        {
            throw new ArgumentException($"observationEnd {end:yyyy-MM-dd} is before calibrationEnd {calibrationEnd:yyyy-MM-dd}.", nameof(observationEnd));
        }

        // customer → ((holdout?, period index) → summed amount, earliest date). The side is part of the key so a
        // period that straddles the calibration end is split at it, as the calibration/holdout split comes first.
        var byCustomer = new Dictionary<string, SortedDictionary<(bool Holdout, long Period), (double Amount, DateOnly Date)>>(StringComparer.Ordinal);
        var row = 0;
        foreach (var t in transactions)
        {
            if (t is null || string.IsNullOrWhiteSpace(t.CustomerId))
            {
                throw new ArgumentException($"Transaction {row} has no customer id.", nameof(transactions));
            }

            if (!double.IsFinite(t.Amount))
            {
                throw new ArgumentException($"Transaction {row} (customer {t.CustomerId}) has a non-finite amount {t.Amount}.", nameof(transactions));
            }

            row++;
            if (t.Date > end)
            {
                continue;
            }

            if (!byCustomer.TryGetValue(t.CustomerId, out var periods))
            {
                periods = [];
                byCustomer[t.CustomerId] = periods;
            }

            var key = (t.Date > calibrationEnd, wholePeriods ? PeriodIndex(t.Date, unit) : t.Date.DayNumber);
            periods[key] = periods.TryGetValue(key, out var existing)
                ? (existing.Amount + t.Amount, existing.Date < t.Date ? existing.Date : t.Date)
                : (t.Amount, t.Date);
        }

        var unitDays = UnitDays(unit);
        double Elapsed(DateOnly from, DateOnly to) => wholePeriods
            ? PeriodIndex(to, unit) - PeriodIndex(from, unit)
            : (to.DayNumber - from.DayNumber) / unitDays;

        var result = new List<CustomerSummary>(byCustomer.Count);
        foreach (var (id, periods) in byCustomer.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var first = periods.First().Value;
            if (first.Date > calibrationEnd)
            {
                continue;
            }

            int repeat = 0, holdout = 0;
            double repeatValue = 0, holdoutValue = 0, revenue = 0, recency = 0;
            var isFirst = true;
            foreach (var (_, (amount, date)) in periods)
            {
                if (date <= calibrationEnd)
                {
                    revenue += amount;
                    if (isFirst)
                    {
                        isFirst = false;
                        continue;
                    }

                    repeat++;
                    repeatValue += amount;
                    recency = Elapsed(first.Date, date);
                }
                else
                {
                    holdout++;
                    holdoutValue += amount;
                }
            }

            result.Add(new CustomerSummary
            {
                CustomerId = id,
                FirstPurchase = first.Date,
                Frequency = repeat,
                Recency = recency,
                T = Elapsed(first.Date, calibrationEnd),
                MonetaryValue = repeat > 0 ? repeatValue / repeat : 0,
                Revenue = revenue,
                FrequencyHoldout = holdout,
                MonetaryValueHoldout = holdout > 0 ? holdoutValue / holdout : 0,
                DurationHoldout = Elapsed(calibrationEnd, end),
            });
        }

        return result;
    }

    /// <summary>The summaries as the column arrays the model fits take: x, tx, T and the mean repeat spend z̄.</summary>
    public static (double[] X, double[] Tx, double[] T, double[] MonetaryValue) Columns(IReadOnlyList<CustomerSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var x = new double[customers.Count];
        var tx = new double[customers.Count];
        var t = new double[customers.Count];
        var m = new double[customers.Count];
        for (var i = 0; i < customers.Count; i++)
        {
            x[i] = customers[i].Frequency;
            tx[i] = customers[i].Recency;
            t[i] = customers[i].T;
            m[i] = customers[i].MonetaryValue;
        }

        return (x, tx, t, m);
    }

    /// <summary>
    /// Parses the CDNOW transaction format: whitespace-separated, no header, one purchase per line:
    /// master id, sample id, date YYYYMMDD, number of CDs, dollar value. The sample id is the customer id.
    /// </summary>
    /// <exception cref="FormatException">A line does not have that shape; the message gives the line number.</exception>
    public static IReadOnlyList<Transaction> ParseCdnow(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<Transaction>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length != 5)
            {
                throw new FormatException($"CDNOW line {lineNumber}: expected 5 fields (master id, sample id, date, CDs, value), got {fields.Length}.");
            }

            if (!DateOnly.TryParseExact(fields[2], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new FormatException($"CDNOW line {lineNumber}: date '{fields[2]}' is not YYYYMMDD.");
            }

            if (!double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                throw new FormatException($"CDNOW line {lineNumber}: dollar value '{fields[4]}' is not a number.");
            }

            result.Add(new Transaction { CustomerId = fields[1], Date = date, Amount = amount });
        }

        return result;
    }

    private static double UnitDays(PeriodUnit unit) => unit switch
    {
        PeriodUnit.Day => 1,
        PeriodUnit.Week => 7,
        PeriodUnit.Month => 365.25 / 12,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown period unit."),
    };

    private static long PeriodIndex(DateOnly date, PeriodUnit unit) => unit switch
    {
        PeriodUnit.Day => date.DayNumber,

        // DayNumber 0 (0001-01-01) is a Monday, so weeks run Monday to Sunday.
        PeriodUnit.Week => date.DayNumber / 7,
        PeriodUnit.Month => (date.Year * 12L) + date.Month - 1,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown period unit."),
    };
}
