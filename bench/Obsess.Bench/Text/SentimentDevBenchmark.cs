using System.Globalization;
using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>
/// Sentiment on the development data only (SST-2 dev, the held-out fifth of each UCI set, GoEmotions dev mapped to
/// three classes): the place for error analysis and for checking how closely the rules follow VADER. The VADER
/// benchmark sets are never read here.
/// </summary>
public sealed class SentimentDevBenchmark : IBenchmark
{
    public string Name => "text-sentiment-dev";

    public string Description => "Sentiment on the development sets only [dataDir] [--model] [--errors rows.tsv] [--dump texts.txt] [--vader compounds.txt] [--worst N]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var rules = TextData.Rules(dataDir);
        var (train, dev) = SentimentTrainer.StandardSets(relative => File.OpenText(Path.Combine(dataDir, relative)));
        var engines = new List<(string Name, SentimentAnalyzer Analyzer)> { ("rules", new SentimentAnalyzer(rules)) };
        if (args.Contains("--model"))
        {
            var model = SentimentTrainer.Train(train, dev, rules);
            await output.WriteLineAsync(string.Join(", ", model.Linear.Meta.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))).ConfigureAwait(false);
            engines.Add(("engine", new SentimentAnalyzer(rules, model)));
        }

        if (TextData.Option(args, "--dump") is { } dump)
        {
            await File.WriteAllLinesAsync(dump, dev.Select(d => d.Text.ReplaceLineEndings(" "))).ConfigureAwait(false);
        }

        await output.WriteLineAsync("| dev set | n | engine | Pearson r | 3-class macro-F1 | accuracy |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---|---:|---:|---:|").ConfigureAwait(false);
        var scores = engines.ToDictionary(e => e.Name, e => dev.Select(d => e.Analyzer.Analyze(d.Text).Score).ToArray());
        if (engines.Count > 1)
        {
            scores["model only"] = dev.Select(d => engines[1].Analyzer.Analyze(d.Text).ModelScore!.Value).ToArray();
            engines.Insert(1, ("model only", engines[1].Analyzer));
        }

        foreach (var source in dev.Select(d => d.Source).Distinct().Append("all"))
        {
            var idx = Enumerable.Range(0, dev.Count).Where(i => source == "all" || dev[i].Source == source).ToArray();
            foreach (var (name, _) in engines)
            {
                var s = idx.Select(i => scores[name][i]).ToArray();
                var gold = idx.Select(i => Class(dev[i].Polarity)).ToArray();
                var predicted = s.Select(Class).ToArray();
                var r = TextMetrics.Pearson(s, idx.Select(i => dev[i].Polarity).ToArray());
                var macro = TextMetrics.MacroF1(TextMetrics.PerClass(gold, predicted, ["positive", "neutral", "negative"]));
                var accuracy = gold.Zip(predicted).Count(p => p.First == p.Second) / (double)gold.Length;
                await output.WriteLineAsync($"| {source} | {idx.Length} | {name} | {TextData.F(r)} | {TextData.F(macro)} | {TextData.F(accuracy)} |").ConfigureAwait(false);
            }
        }

        if (TextData.Option(args, "--errors") is { } errorsFile)
        {
            // Development error analysis: every dev row with its gold polarity and each engine's score.
            await File.WriteAllLinesAsync(errorsFile, Enumerable.Range(0, dev.Count).Select(i =>
                $"{dev[i].Source}\t{dev[i].Polarity}\t{string.Join("\t", engines.Select(e => TextData.F(scores[e.Name][i])))}\t{dev[i].Text.ReplaceLineEndings(" ")}")).ConfigureAwait(false);
        }

        if (TextData.Option(args, "--vader") is { } vaderFile)
        {
            // Agreement with the npm VADER port on the same development texts: a faithfulness check, not a quality measure.
            var vader = (await File.ReadAllLinesAsync(vaderFile).ConfigureAwait(false)).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
            var ours = scores["rules"];
            await output.WriteLineAsync($"Agreement with npm VADER on {vader.Length} dev texts: r = {TextData.F(TextMetrics.Pearson(ours, vader))}, " +
                $"|diff| > 0.1 on {ours.Zip(vader).Count(p => Math.Abs(p.First - p.Second) > 0.1)}").ConfigureAwait(false);
            var worst = int.Parse(TextData.Option(args, "--worst") ?? "30", CultureInfo.InvariantCulture);
            foreach (var i in Enumerable.Range(0, dev.Count).OrderByDescending(i => Math.Abs(ours[i] - vader[i])).Take(worst))
            {
                await output.WriteLineAsync($"{TextData.F(ours[i])}\t{TextData.F(vader[i])}\t{dev[i].Text}").ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static string Class(double v) =>
        v >= SentimentAnalyzer.Threshold ? "positive" : v <= -SentimentAnalyzer.Threshold ? "negative" : "neutral";
}
