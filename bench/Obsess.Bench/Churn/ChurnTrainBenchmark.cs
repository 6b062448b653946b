using System.Diagnostics;
using System.Globalization;
using Obsess.Analytics.Churn;

namespace Obsess.Bench.Churn;

/// <summary>Times ChurnTrainer.Train, scoring and JSON round trip on N rows resampled (with replacement, seeded) from Telco or a CSV, or synthetic.</summary>
public sealed class ChurnTrainBenchmark : IBenchmark
{
    public string Name => "churn-train";

    public string Description => "Churn models: time Train/Score/JSON on --rows N (default 100000) rows resampled from Telco (or --data/--label, or --synthetic)";

    public Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var a = ChurnBenchArgs.Parse(args);
        var rows = a.Int("--rows", 100_000);
        var seed = a.Int("--seed", 1);
        ChurnTable table;
        string label;
        string source;
        if (a.Get("--synthetic") is not null)
        {
            table = SyntheticChurn.Generate(rows, seed).Table;
            label = SyntheticChurnData.LabelColumn;
            source = $"synthetic logistic process, seed {seed}";
        }
        else
        {
            var path = a.Get("--data") ?? Path.Combine(ChurnBenchArgs.RepoRoot(), "..", "shared", "data", "churn", "WA_Fn-UseC_-Telco-Customer-Churn.csv");
            using var reader = new StreamReader(path);
            var original = ChurnTable.Parse(reader);
            var random = new Random(seed);
            table = original.Subset(Enumerable.Range(0, rows).Select(_ => random.Next(original.RowCount)).ToArray());
            label = a.Get("--label") ?? "Churn";
            source = $"{Path.GetFileName(path)} resampled with replacement, seed {seed}";
        }

        var options = new ChurnOptions { LabelColumn = label, Seed = seed, MaxDegreeOfParallelism = a.Int("--parallel", 1) };
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var model = ChurnTrainer.Train(table, options);
        var train = watch.Elapsed;
        process.Refresh();
        var trainCpu = process.TotalProcessorTime - cpuBefore;
        watch.Restart();
        var scores = model.Score(table);
        var score = watch.Elapsed;
        watch.Restart();
        var json = model.ToJson();
        var loaded = ChurnModel.FromJson(json);
        var roundTrip = watch.Elapsed;
        var same = loaded.Score(table.Subset(Enumerable.Range(0, Math.Min(1000, table.RowCount)).ToArray()))
            .Zip(scores).All(p => p.First.Probability == p.Second.Probability);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine($"## churn-train: {source}");
        output.WriteLine();
        output.WriteLine(string.Create(ci, $"{table.RowCount:N0} rows, {model.Encoder.Features.Count} encoded features, {Environment.ProcessorCount} logical cores, parallelism {options.MaxDegreeOfParallelism}"));
        output.WriteLine();
        output.WriteLine("| step | time |");
        output.WriteLine("|---|---|");
        output.WriteLine(string.Create(ci, $"| Train (encoder + LR with 3-fold λ path + 3 inner GBT fits for calibration + final GBT) | {train.TotalSeconds:F1} s wall, {trainCpu.TotalSeconds:F1} s CPU |"));
        output.WriteLine(string.Create(ci, $"| Score all rows with top-3 reasons (ensemble) | {score.TotalSeconds:F1} s ({table.RowCount / score.TotalSeconds:N0} rows/s) |"));
        output.WriteLine(string.Create(ci, $"| ToJson + FromJson ({json.Length / 1024.0:F0} KiB) | {roundTrip.TotalMilliseconds:F0} ms |"));
        output.WriteLine();
        output.WriteLine(string.Create(ci, $"Load average at the end (other users' work on the same 2 cores): {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a")}"));
        output.WriteLine(string.Create(ci, $"LR penalty λ = {model.Logistic.Penalty}; GBT trees = {model.Boosting.Trees.Count}; reloaded model scores identical: {same}"));
        return Task.FromResult(0);
    }
}
