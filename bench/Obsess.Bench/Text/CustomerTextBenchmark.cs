using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>
/// Sentiment and top emotion on the two customer-service sets we wrote (tests/Obsess.Analytics.Tests/Text/Data):
/// the development set (rules were chosen on it) and the held-out set (written first, never used to choose anything).
/// </summary>
public sealed class CustomerTextBenchmark : IBenchmark
{
    internal static readonly string[] Sentiments = ["positive", "negative", "neutral", "mixed"];

    private const string Folder = "tests/Obsess.Analytics.Tests/Text/Data";

    public string Name => "text-customer";

    public string Description => "Sentiment and emotion on our customer-service sets [dataDir] [--models DIR (sentiment.json, emotion.json)] [--errors: development set only]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var rules = TextData.Rules(dataDir);
        var models = TextData.Option(args, "--models");
        SentimentModel? sentiment = null;
        EmotionModel? emotion = null;
        if (models is not null)
        {
            sentiment = SentimentModel.FromJson(await File.ReadAllTextAsync(Path.Combine(models, "sentiment.json")).ConfigureAwait(false));
            emotion = EmotionModel.FromJson(await File.ReadAllTextAsync(Path.Combine(models, "emotion.json")).ConfigureAwait(false));
        }

        var analyzer = new TextAnalyzer(rules.Lexicon, sentiment, emotion);
        await output.WriteLineAsync($"engine {TextAnalyzer.EngineVersion}, {(sentiment is null ? "rules only (no emotions)" : "with trained weights from " + models)}").ConfigureAwait(false);
        await output.WriteLineAsync("| set | n | sentiment 4-label acc / macro-F1 | sentiment 3-class acc / macro-F1 (gold not mixed) | emotion acc / macro-F1 (7) |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---|---|---|").ConfigureAwait(false);
        foreach (var (name, file) in new[] { ("development", "customer-dev.tsv"), ("held-out", "customer-holdout.tsv") })
        {
            var rows = Read(Path.Combine(Folder, file));
            var results = rows.Select(r => analyzer.Analyze(r.Text)).ToList();
            var s = Score(rows, results);
            var emo = emotion is null ? "–" : $"{TextData.F(s.EmotionAccuracy)} / {TextData.F(s.EmotionMacroF1)}";
            await output.WriteLineAsync($"| {name} | {rows.Count} | {TextData.F(s.Accuracy4)} / {TextData.F(s.MacroF14)} | {TextData.F(s.Accuracy3)} / {TextData.F(s.MacroF13)} | {emo} |").ConfigureAwait(false);
            if (args.Contains("--errors") && name == "development")
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    var label = Label(results[i]);
                    var top = results[i].TopEmotion ?? "-";
                    if (label != rows[i].Sentiment || (emotion is not null && top != rows[i].Emotion))
                    {
                        await output.WriteLineAsync($"  gold {rows[i].Sentiment}/{rows[i].Emotion} got {label} {TextData.F(results[i].Sentiment?.Score ?? 0, "F2")}/{top} [{string.Join(",", results[i].Intents)}]: {rows[i].Text}").ConfigureAwait(false);
                    }
                }
            }
        }

        return 0;
    }

    internal sealed record Row(string Sentiment, string Emotion, string Text);

    internal sealed record Scores(double Accuracy4, double MacroF14, double Accuracy3, double MacroF13, double EmotionAccuracy, double EmotionMacroF1);

    internal static IReadOnlyList<Row> Read(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).Select(p => new Row(p[0], p[1], p[2])).ToList();

    internal static string Label(TextAnalysis a) => (a.Sentiment?.Label ?? SentimentLabel.Neutral).ToString().ToLowerInvariant();

    /// <summary>
    /// 4-label: gold positive/negative/neutral/mixed against the engine's label (mixed included), all texts.
    /// 3-class: texts whose gold is not mixed, prediction = the score's sign class (±0.05), so "mixed" never appears.
    /// Emotion: the top emotion against the gold one, seven classes.
    /// </summary>
    internal static Scores Score(IReadOnlyList<Row> rows, IReadOnlyList<TextAnalysis> results)
    {
        var gold4 = rows.Select(r => r.Sentiment).ToList();
        var pred4 = results.Select(Label).ToList();
        var c4 = TextMetrics.PerClass(gold4, pred4, Sentiments);
        var idx3 = Enumerable.Range(0, rows.Count).Where(i => rows[i].Sentiment != "mixed").ToList();
        var gold3 = idx3.Select(i => rows[i].Sentiment).ToList();
        var pred3 = idx3.Select(i => SentimentAnalyzer.LabelOf(results[i].Sentiment?.Score ?? 0).ToString().ToLowerInvariant()).ToList();
        var c3 = TextMetrics.PerClass(gold3, pred3, Sentiments[..3]);
        var goldE = rows.Select(r => r.Emotion).ToList();
        var predE = results.Select(r => r.TopEmotion ?? "none").ToList();
        var cE = TextMetrics.PerClass(goldE, predE, EmotionModel.Emotions);
        return new Scores(
            Accuracy(gold4, pred4), TextMetrics.MacroF1(c4),
            Accuracy(gold3, pred3), TextMetrics.MacroF1(c3),
            Accuracy(goldE, predE), TextMetrics.MacroF1(cE));
    }

    private static double Accuracy(IReadOnlyList<string> gold, IReadOnlyList<string> predicted) =>
        gold.Count == 0 ? 0 : gold.Zip(predicted).Count(p => p.First == p.Second) / (double)gold.Count;
}
