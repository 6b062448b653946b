using System.Diagnostics;
using System.Globalization;
using Obsess.Analytics.Churn;

namespace Obsess.Bench.Churn;

/// <summary>Per-model stratified k-fold CV table on Telco, any CSV (--data FILE --label COL) or the synthetic process (--synthetic N).</summary>
public sealed class ChurnCvBenchmark : IBenchmark
{
    public string Name => "churn-cv";

    public string Description => "Churn models: stratified k-fold CV (AUC, PR-AUC, Brier, log loss) on Telco, --data FILE --label COL, or --synthetic N";

    public Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var a = ChurnBenchArgs.Parse(args);
        ChurnTable table;
        string source;
        double? trueAuc = null;
        IReadOnlyList<double>? truth = null;
        var label = a.Get("--label");
        var id = a.Get("--id");
        if (a.Get("--synthetic") is { } synthetic)
        {
            var rows = int.Parse(synthetic, CultureInfo.InvariantCulture);
            var data = SyntheticChurn.Generate(rows, a.Int("--data-seed", 7));
            table = data.Table;
            trueAuc = data.TrueAuc;
            truth = data.TrueProbabilities;
            label ??= SyntheticChurnData.LabelColumn;
            source = $"synthetic logistic process, {rows} rows, data seed {a.Int("--data-seed", 7)}";
        }
        else
        {
            var path = a.Get("--data") ?? Path.Combine(ChurnBenchArgs.RepoRoot(), "..", "shared", "data", "churn", "WA_Fn-UseC_-Telco-Customer-Churn.csv");
            using var reader = new StreamReader(path);
            table = ChurnTable.Parse(reader);
            label ??= "Churn";
            source = Path.GetFileName(path);
        }

        var options = new ChurnOptions
        {
            LabelColumn = label,
            IdColumn = id,
            PositiveLabel = a.Get("--positive"),
            Folds = a.Int("--folds", 5),
            Seed = a.Int("--seed", 1),
            MaxDegreeOfParallelism = a.Int("--parallel", 1),
        };
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var evaluation = ChurnTrainer.Evaluate(table, options);
        watch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine($"## churn-cv: {source}");
        output.WriteLine();
        output.WriteLine(string.Create(ci, $"{evaluation.Rows} rows, {evaluation.Positives} positive ('{evaluation.PositiveLabel}', {(double)evaluation.Positives / evaluation.Rows:P1}); stratified {options.Folds}-fold CV, seed {options.Seed}; {watch.Elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU"));
        if (trueAuc is { } t)
        {
            // The oracle scored with the same folds: the ceiling each fold's AUC is compared against.
            var folds = StratifiedFolds.Assign(evaluation.Labels, options.Folds, options.Seed);
            var perFold = Enumerable.Range(0, options.Folds).Select(k =>
            {
                var test = StratifiedFolds.Split(folds, k).Test;
                return ChurnMetrics.RocAuc(test.Select(i => truth![i]).ToArray(), test.Select(i => evaluation.Labels[i]).ToArray());
            }).ToArray();
            output.WriteLine(string.Create(ci, $"True-probability (oracle) AUC on this sample: {t:F4} whole set, {perFold.Average():F4} mean over the same folds ({string.Join(" ", perFold.Select(v => v.ToString("F4", ci)))})"));
        }

        output.WriteLine();
        output.WriteLine("| model | ROC AUC (mean ± sd) | PR AUC | Brier | log loss | per-fold ROC AUC |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var m in evaluation.Models)
        {
            var aucs = m.Folds.Select(f => f.RocAuc).ToArray();
            var sd = Math.Sqrt(aucs.Sum(v => (v - m.Mean.RocAuc) * (v - m.Mean.RocAuc)) / (aucs.Length - 1));
            output.WriteLine(string.Create(ci, $"| {m.Model} | {m.Mean.RocAuc:F4} ± {sd:F4} | {m.Mean.PrAuc:F4} | {m.Mean.Brier:F4} | {m.Mean.LogLoss:F4} | {string.Join(" ", aucs.Select(v => v.ToString("F4", ci)))} |"));
        }

        output.WriteLine();
        output.WriteLine("Columns:");
        output.WriteLine();
        foreach (var c in evaluation.Columns)
        {
            output.WriteLine(string.Create(ci, $"- `{c.Name}`: {c.Role}, {c.Reason}{(c.Features > 0 ? $" ({c.Features} features)" : string.Empty)}"));
        }

        return Task.FromResult(0);
    }
}

internal sealed class ChurnBenchArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static ChurnBenchArgs Parse(string[] args)
    {
        var result = new ChurnBenchArgs();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}': options look like --name value.");
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"Option '{args[i]}' needs a value.");
            }

            result._values[args[i]] = args[++i];
        }

        return result;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The repository root (the folder holding Obsess.slnx), searched upwards from the working directory and the binary.</summary>
    public static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Obsess.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
