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

    public string Description => "GoEmotions dev macro-F1 over the Ekman six + neutral [dataDir] [--save weights.json] [--models DIR: also through TextAnalyzer]";

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

        // The product path: TextAnalyzer with saved weights, where the top emotion must agree with the sentiment sign.
        if (TextData.Option(args, "--models") is { } models)
        {
            var analyzer = new TextAnalyzer(
                rules.Lexicon,
                SentimentModel.FromJson(await File.ReadAllTextAsync(Path.Combine(models, "sentiment.json")).ConfigureAwait(false)),
                EmotionModel.FromJson(await File.ReadAllTextAsync(Path.Combine(models, "emotion.json")).ConfigureAwait(false)));
            var gold = dev.Select(d => d.Labels).ToList();
            var predicted = dev.Select(d => (IReadOnlyCollection<string>)[analyzer.Analyze(d.Text).TopEmotion ?? "none"]).ToList();
            var perClass = TextMetrics.PerClassSets(gold, predicted, EmotionModel.Emotions);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"Through TextAnalyzer ({TextAnalyzer.EngineVersion}, weights from {models}; non-English comments get no emotion): " +
                $"macro-F1 6 emotions + neutral {TextData.F(TextMetrics.MacroF1(perClass))}, 6 emotions {TextData.F(TextMetrics.MacroF1(perClass.Where(c => c.Name != "neutral")))}").ConfigureAwait(false);
        }

        return 0;
    }
}
