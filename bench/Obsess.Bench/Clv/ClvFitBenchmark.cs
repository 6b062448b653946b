using System.Diagnostics;
using System.Globalization;
using Obsess.Analytics.Clv;

namespace Obsess.Bench.Clv;

/// <summary>
/// BG/NBD fit speed on 1,000,000 synthetic customers drawn from the published CDNOW parameters, and every CLV model's
/// fit on the reference data next to the published estimates.
/// Usage: clv-fit [dataDir=../shared/data] [customers=1000000] [seed=20050101] [runs=3]
/// </summary>
public sealed class ClvFitBenchmark : IBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Name => "clv-fit";

    public string Description => "BG/NBD fit on 1M synthetic customers; all CLV models on CDNOW/donations vs published";

    public Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = args.Length > 0 ? args[0] : "../shared/data";
        var customers = args.Length > 1 ? int.Parse(args[1], Inv) : 1_000_000;
        var seed = args.Length > 2 ? int.Parse(args[2], Inv) : 20050101;
        var runs = args.Length > 3 ? int.Parse(args[3], Inv) : 3;

        output.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        output.WriteLine();
        Synthetic(output, customers, seed, runs);
        Reference(output, dataDir);
        return Task.FromResult(0);
    }

    private static void Synthetic(TextWriter output, int customers, int seed, int runs)
    {
        var truth = new BgNbdParameters { R = 0.243, Alpha = 4.414, A = 0.793, B = 2.426 };

        // CDNOW-like ages: first purchases spread over a 12-week cohort, calibration ends at week 39.
        var random = new Random(seed);
        var ages = new double[customers];
        for (var i = 0; i < customers; i++)
        {
            ages[i] = 27 + (12 * random.NextDouble());
        }

        var (x, tx) = BgNbd.Simulate(truth, ages, seed + 1);
        var times = new List<double>();
        ClvFit<BgNbdParameters>? fit = null;
        for (var run = 0; run <= runs; run++)
        {
            var watch = Stopwatch.StartNew();
            fit = BgNbd.Fit(x, tx, ages);
            watch.Stop();
            if (run > 0)
            {
                times.Add(watch.Elapsed.TotalSeconds);
            }
        }

        times.Sort();
        output.WriteLine($"## BG/NBD fit on {customers:N0} synthetic customers (seed {seed}; truth = published CDNOW parameters)");
        output.WriteLine();
        output.WriteLine($"fit time incl. standard errors, {runs} timed runs after 1 warm-up: median {times[times.Count / 2]:F2} s, min {times[0]:F2} s; " +
            $"{fit!.Iterations} BFGS iterations, converged = {fit.Converged}, LL = {fit.LogLikelihood.ToString("F1", Inv)}");
        output.WriteLine();
        output.WriteLine("| parameter | true | fitted | standard error | (fitted - true) / SE |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        var t = truth.ToDictionary();
        foreach (var (name, value) in fit.Parameters.ToDictionary())
        {
            var se = fit.StandardErrors[name];
            output.WriteLine($"| {name} | {t[name].ToString("F3", Inv)} | {value.ToString("F4", Inv)} | {se.ToString("F4", Inv)} | {((value - t[name]) / se).ToString("F2", Inv)} |");
        }

        output.WriteLine();
    }

    private static void Reference(TextWriter output, string dataDir)
    {
        var summary = ReadCsv(Path.Combine(dataDir, "clv", "cdnow_customers_summary.csv"));
        var x = summary["frequency"];
        var tx = summary["recency"];
        var T = summary["T"];

        IReadOnlyList<Transaction> transactions;
        using (var reader = new StreamReader(Path.Combine(dataDir, "clv", "CDNOW_sample.txt")))
        {
            transactions = TransactionSummary.ParseCdnow(reader);
        }

        var raw = TransactionSummary.Build(transactions, new DateOnly(1997, 9, 30), PeriodUnit.Week, new DateOnly(1998, 6, 30));
        var rounded = ReadCsv(Path.Combine(dataDir, "clv", "cdnow_customers_summary_with_transactions.csv"));
        var donations = ReadCsv(Path.Combine(dataDir, "clv", "donations.csv"));

        output.WriteLine("## Fits on the reference data vs the published estimates");
        output.WriteLine();
        output.WriteLine("| model (data) | parameter | ours | published | SE | fit time |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
        Row(output, "BG/NBD (cdnow_customers_summary.csv)", () => BgNbd.Fit(x, tx, T), ["0.243", "4.414", "0.793", "2.426"], "-9582.4");
        Row(output, "Pareto/NBD (cdnow_customers_summary.csv)", () => ParetoNbd.Fit(x, tx, T), ["0.553", "10.578", "0.606", "11.669"], "-9595.0");
        Row(output, "Gamma-Gamma (z̄ from CDNOW_sample.txt)", () => GammaGamma.Fit(raw.Select(c => c.Frequency).ToArray(), raw.Select(c => c.MonetaryValue).ToArray()), ["6.25", "3.74", "15.44"], "—");
        Row(output, "Gamma-Gamma (cent-rounded z̄ of ..._with_transactions.csv)", () => GammaGamma.Fit(rounded["x"], rounded["zbar"]), ["6.25", "3.74", "15.44"], "—");
        Row(output, "BG/BB (donations.csv, weighted)", () => BgBb.Fit(donations["frequency"], donations["recency"], donations["periods"], donations["weights"]), ["1.204", "0.750", "0.657", "2.783"], "—");
        output.WriteLine();

        var bg = BgNbd.Fit(raw.Select(c => c.Frequency).ToArray(), raw.Select(c => c.Recency).ToArray(), raw.Select(c => c.T).ToArray());
        var report = HoldoutCheck.Compare(bg.Parameters, raw);
        output.WriteLine("## BG/NBD holdout check on CDNOW_sample.txt (calibration to 1997-09-30, holdout 1997-10-01..1998-06-30, 39 weeks)");
        output.WriteLine();
        output.WriteLine($"total repeat purchases in the holdout: actual {report.ActualTotal.ToString("F0", Inv)}, predicted {report.PredictedTotal.ToString("F1", Inv)}; MAE per customer {report.MeanAbsoluteError.ToString("F3", Inv)}");
        output.WriteLine();
        output.WriteLine("| calibration x | customers | actual mean | predicted mean |");
        output.WriteLine("| ---: | ---: | ---: | ---: |");
        foreach (var r in report.ByFrequency)
        {
            output.WriteLine($"| {r.Frequency}{(r.AndAbove ? "+" : string.Empty)} | {r.Customers} | {r.ActualMean.ToString("F3", Inv)} | {r.PredictedMean.ToString("F3", Inv)} |");
        }
    }

    private static void Row<TP>(TextWriter output, string label, Func<ClvFit<TP>> fit, string[] published, string publishedLl)
        where TP : IClvParameters
    {
        var watch = Stopwatch.StartNew();
        var result = fit();
        watch.Stop();
        var i = 0;
        foreach (var (name, value) in result.Parameters.ToDictionary())
        {
            var decimals = published[i].Length - published[i].IndexOf('.', StringComparison.Ordinal) - 1;
            output.WriteLine($"| {(i == 0 ? label : string.Empty)} | {name} | {value.ToString("F" + (decimals + 1).ToString(Inv), Inv)} | {published[i]} | {result.StandardErrors[name].ToString("F3", Inv)} | {(i == 0 ? watch.Elapsed.TotalSeconds.ToString("F3", Inv) + " s" : string.Empty)} |");
            i++;
        }

        output.WriteLine($"| | LL | {result.LogLikelihood.ToString("F2", Inv)} | {publishedLl} | | |");
    }

    private static Dictionary<string, double[]> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var header = lines[0].Split(',');
        var columns = header.ToDictionary(h => h, _ => new double[lines.Length - 1], StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            for (var j = 0; j < header.Length; j++)
            {
                columns[header[j]][i - 1] = double.Parse(cells[j], Inv);
            }
        }

        return columns;
    }
}
