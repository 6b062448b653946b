using System.Diagnostics;
using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>
/// Trains the Ekman-emotion model on GoEmotions train (Demszky et al. 2020), selects on dev, and reports per-class
/// precision, recall and F1 of the decided top emotion on dev against each comment's mapped label set.
/// </summary>
public sealed class EmotionAccuracyBenchmark : IBenchmark
{
    public string Name => "text-emotion";

    public string Description => "GoEmotions dev macro-F1 over the Ekman six + neutral [dataDir] [--save weights.json]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var rules = TextData.Rules(dataDir);
        var train = TextData.GoEmotions(dataDir, "train.tsv");
        var dev = TextData.GoEmotions(dataDir, "dev.tsv");
        var clock = Stopwatch.StartNew();
        var model = EmotionTrainer.Train(train, dev, rules);
        var seconds = clock.Elapsed.TotalSeconds;
        if (TextData.Option(args, "--save") is { } save)
        {
            await File.WriteAllTextAsync(save, model.ToJson()).ConfigureAwait(false);
        }

        var eval = EmotionTrainer.Evaluate(model, dev, rules);
        await output.WriteLineAsync($"Trained on {train.Count} comments in {TextData.F(seconds, "F1")} s; " +
            string.Join(", ", model.Linear.Meta.Where(p => p.Key != "decisionWeights").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| class | dev support | precision | recall | F1 |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|---:|---:|").ConfigureAwait(false);
        foreach (var c in eval.PerClass)
        {
            await output.WriteLineAsync($"| {c.Name} | {c.Support} | {TextData.F(c.Precision)} | {TextData.F(c.Recall)} | {TextData.F(c.F1)} |").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"| **macro-F1, 6 emotions + neutral** | {eval.Count} | | | {TextData.F(eval.MacroF1WithNeutral)} |").ConfigureAwait(false);
        await output.WriteLineAsync($"| **macro-F1, 6 emotions** | | | | {TextData.F(eval.MacroF1Emotions)} |").ConfigureAwait(false);
        return 0;
    }
}
