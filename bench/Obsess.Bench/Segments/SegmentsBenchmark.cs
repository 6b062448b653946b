using System.Diagnostics;
using System.Globalization;
using Obsess.Analytics.Segments;

namespace Obsess.Bench.Segments;

/// <summary>RFM, cohort retention, monthly churn and health scores over a synthetic purchase log.</summary>
public sealed class SegmentsBenchmark : IBenchmark
{
    public string Name => "segments";

    public string Description => "RFM + cohorts + monthly churn + health scores on synthetic purchases (--customers N, default 1,000,000)";

    public Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        var n = 1_000_000;
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--customers")
            {
                n = int.Parse(args[i + 1], ci);
            }
        }

        // Customers join uniformly over two years; each buys a geometric number of times (mean 3), gaps of up to 90 days.
        var random = new Random(11);
        var start = new DateOnly(2024, 1, 1);
        var asOf = new DateOnly(2025, 12, 31);
        var span = asOf.DayNumber - start.DayNumber;
        var customers = new List<int>(n * 4);
        var dates = new List<DateOnly>(n * 4);
        var recency = new double[n];
        var frequency = new int[n];
        var monetary = new double[n];
        for (var c = 0; c < n; c++)
        {
            if (random.NextDouble() < 0.05)
            {
                continue; // signed up, never bought
            }

            var day = start.DayNumber + random.Next(span + 1);
            var last = day;
            do
            {
                customers.Add(c);
                dates.Add(DateOnly.FromDayNumber(day));
                frequency[c]++;
                monetary[c] += Math.Round(5 + (random.NextDouble() * 95), 2);
                last = day;
                day += 1 + random.Next(90);
            }
            while (day <= asOf.DayNumber && random.NextDouble() < 2.0 / 3);

            recency[c] = asOf.DayNumber - last;
        }

        var customerArray = customers.ToArray();
        var dateArray = dates.ToArray();
        output.WriteLine($"Synthetic log: {n.ToString("N0", ci)} customers, {customerArray.Length.ToString("N0", ci)} purchases, {start:yyyy-MM-dd}..{asOf:yyyy-MM-dd}.");
        output.WriteLine();
        output.WriteLine("| Step | Wall ms | CPU ms |");
        output.WriteLine("|---|---:|---:|");

        RfmResult? rfm = null;
        Time(output, "RFM scores + segments + grid", () => rfm = Rfm.Score(recency, frequency, monetary));
        CohortTable? cohorts = null;
        Time(output, "Cohort retention (24 monthly cohorts)", () => cohorts = CohortRetention.Compute<int>(customerArray, dateArray, asOf));
        IReadOnlyList<ChurnPeriod>? churn = null;
        Time(output, "Churn rate, 12 months, 90-day window", () => churn = ChurnRate.ByPeriod<int>(customerArray, dateArray, 90, new DateOnly(2025, 1, 1), new DateOnly(2026, 1, 1), PeriodLength.Month));
        var values = new double[5];
        var sum = 0.0;
        Time(output, "Health score (default card), one per customer", () =>
        {
            for (var c = 0; c < n; c++)
            {
                values[0] = frequency[c] == 0 ? double.NaN : 1.0 / (1 + (recency[c] / 60));
                values[1] = frequency[c] == 0 ? double.NaN : recency[c];
                values[2] = double.NaN;
                values[3] = c % 7;
                values[4] = ((c % 21) - 10) / 10.0;
                sum += HealthScore.Default.Evaluate(values).Score ?? 0;
            }
        });

        output.WriteLine();
        output.WriteLine($"Champions {rfm!.CountOf(RfmSegment.Champions).ToString("N0", ci)}, lost {rfm.CountOf(RfmSegment.Lost).ToString("N0", ci)}, no purchases {rfm.CountOf(RfmSegment.NoPurchases).ToString("N0", ci)}; " +
            $"first cohort month-1 retention {cohorts!.Cohorts[0].Retention[1].ToString("P1", ci)}; Dec 2025 churn {churn![^1].Rate?.ToString("P1", ci)}; mean health {(sum / n).ToString("F1", ci)}.");
        return Task.FromResult(0);
    }

    private static void Time(TextWriter output, string step, Action action)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        process.Refresh();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {step} | {watch.Elapsed.TotalMilliseconds:F0} | {(process.TotalProcessorTime - cpu).TotalMilliseconds:F0} |"));
    }
}
