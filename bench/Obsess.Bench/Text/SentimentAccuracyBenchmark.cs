using System.Diagnostics;
using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>
/// Sentiment quality on the four human-rated VADER sets (Hutto &amp; Gilbert 2014), used as a benchmark only:
/// nothing is fitted or selected on them. Gold class: mean rating / 4 ≥ 0.05 positive, ≤ −0.05 negative, else neutral;
/// predicted class: score ≥ 0.05 positive, ≤ −0.05 negative, else neutral. The "paper protocol" columns reproduce the
/// published VADER F1 figures with the npm port of VADER (docs/bench/text.md, section 1a; bench/Obsess.Bench/Text/node/paper-protocol.js):
/// gold ±0.05 on the −4..+4 mean itself, and precision, recall and F1 micro-averaged over the positive and negative classes.
/// </summary>
public sealed class SentimentAccuracyBenchmark : IBenchmark
{
    public string Name => "text-sentiment";

    public string Description => "Pearson r and 3-class F1 on the VADER sets [dataDir] [--save weights.json]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var rules = TextData.Rules(dataDir);
        var clock = Stopwatch.StartNew();
        var model = TextData.TrainSentiment(dataDir, rules);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        if (TextData.Option(args, "--save") is { } save)
        {
            await File.WriteAllTextAsync(save, model.ToJson()).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Model trained in {TextData.F(trainSeconds, "F1")} s; " +
            string.Join(", ", model.Linear.Meta.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| set | n | engine | Pearson r | macro-F1 | weighted-F1 | accuracy | paper protocol P / R / F1 |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---|---:|---:|---:|---:|---|").ConfigureAwait(false);
        var rulesOnly = new SentimentAnalyzer(rules);
        var blended = new SentimentAnalyzer(rules, model);
        // SST-2 and the VADER movie set come from the same Rotten Tomatoes pool: many movie snippets are SST-2 training
        // sentences. The movie set is also reported without them (matched after lower-casing and dropping non-alphanumerics).
        var sst2 = TextData.Labelled(dataDir, "sentiment/sst2/train.tsv").Select(x => Key(x.Text)).ToHashSet(StringComparer.Ordinal);
        var sets = TextData.VaderSets.Select(s => (Name: s, Rows: TextData.VaderSet(dataDir, s))).ToList();
        var movie = sets.Single(s => s.Name == "movieReviewSnippets");
        sets.Insert(sets.IndexOf(movie) + 1, ("movieReviewSnippets, not in SST-2 train", movie.Rows.Where(r => !sst2.Contains(Key(r.Text))).ToList()));
        foreach (var (set, rows) in sets)
        {
            foreach (var (name, analyzer) in new[] { ("rules", rulesOnly), ("engine", blended) })
            {
                var scores = rows.Select(r => analyzer.Analyze(r.Text).Score).ToArray();
                var (r, macro, weighted, accuracy) = Evaluate(rows, scores);
                var (p, recall, f1) = PaperProtocol(rows, scores);
                await output.WriteLineAsync($"| {set} | {rows.Count} | {name} | {TextData.F(r)} | {TextData.F(macro)} | {TextData.F(weighted)} | {TextData.F(accuracy)} | " +
                    $"{TextData.F(p)} / {TextData.F(recall)} / {TextData.F(f1)} |").ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static string Key(string text) => string.Concat(text.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit));

    internal static (double R, double Macro, double Weighted, double Accuracy) Evaluate(IReadOnlyList<RatedText> rows, IReadOnlyList<double> scores)
    {
        var r = TextMetrics.Pearson(scores, rows.Select(x => x.Mean).ToArray());
        var gold = rows.Select(x => Class(x.Mean / 4)).ToArray();
        var predicted = scores.Select(Class).ToArray();
        var perClass = TextMetrics.PerClass(gold, predicted, ["positive", "neutral", "negative"]);
        var accuracy = gold.Zip(predicted).Count(p => p.First == p.Second) / (double)gold.Length;
        return (r, TextMetrics.MacroF1(perClass), TextMetrics.WeightedF1(perClass), accuracy);
    }

    /// <summary>
    /// The classification protocol under which VADER's own scores (npm port) reproduce the F1 column of Hutto &amp; Gilbert
    /// (2014, Table 4) on all four sets: gold class from the mean rating itself (≥ 0.05 positive, ≤ −0.05 negative on the
    /// −4..+4 scale, so almost no text is gold-neutral), predicted class from the score at ±0.05, and precision, recall
    /// and F1 micro-averaged over the positive and negative classes: a neutral prediction is no answer (it costs recall),
    /// a polar prediction of the wrong sign or on a gold-neutral text costs precision.
    /// </summary>
    internal static (double Precision, double Recall, double F1) PaperProtocol(IReadOnlyList<RatedText> rows, IReadOnlyList<double> scores)
    {
        int tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var gold = Class(rows[i].Mean);
            var predicted = Class(scores[i]);
            var hit = gold == predicted;
            tp += predicted != "neutral" && hit ? 1 : 0;
            fp += predicted != "neutral" && !hit ? 1 : 0;
            fn += gold != "neutral" && !hit ? 1 : 0;
        }

        var precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
        var recall = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
        return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
    }

    private static string Class(double v) =>
        v >= SentimentAnalyzer.Threshold ? "positive" : v <= -SentimentAnalyzer.Threshold ? "negative" : "neutral";
}
