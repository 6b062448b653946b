using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>Precision and recall per intent on the hand-written set in tests/Obsess.Analytics.Tests/Text/intents.tsv.</summary>
public sealed class IntentAccuracyBenchmark : IBenchmark
{
    internal static readonly string[] Names = ["churn", "complaint", "praise", "question", "human"];

    public string Name => "text-intents";

    public string Description => "Intent precision/recall on the hand-written set [dataDir] [--set file.tsv] [--with-model] [--errors]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var rules = TextData.Rules(dataDir);
        var model = args.Contains("--with-model") ? TextData.TrainSentiment(dataDir, rules) : null;
        var analyzer = new TextAnalyzer(rules.Lexicon, model);
        var file = TextData.Option(args, "--set") ?? "tests/Obsess.Analytics.Tests/Text/intents.tsv";
        var rows = File.ReadLines(file)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .ToList();
        var gold = rows.Select(r => (IReadOnlyCollection<string>)r[1].Split(',')).ToList();
        var predicted = rows.Select(r => (IReadOnlyCollection<string>)analyzer.Analyze(r[0]).Intents.Select(Short).ToArray()).ToList();
        await output.WriteLineAsync($"{file}: {rows.Count} messages, sentiment: {(model is null ? "rules only" : "rules + model")}").ConfigureAwait(false);
        await output.WriteLineAsync("| intent | support | precision | recall | F1 |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|---:|---:|").ConfigureAwait(false);
        foreach (var c in TextMetrics.PerClassSets(gold, predicted, Names))
        {
            await output.WriteLineAsync($"| {c.Name} | {c.Support} | {TextData.F(c.Precision)} | {TextData.F(c.Recall)} | {TextData.F(c.F1)} |").ConfigureAwait(false);
        }

        if (args.Contains("--errors"))
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var g = string.Join(",", gold[i].Where(x => x != "none").Order(StringComparer.Ordinal));
                var p = string.Join(",", predicted[i].Order(StringComparer.Ordinal));
                if (g != p)
                {
                    await output.WriteLineAsync($"  gold [{g}] got [{p}]: {rows[i][0]}").ConfigureAwait(false);
                }
            }
        }

        return 0;
    }

    internal static string Short(Intent intent) => intent switch
    {
        Intent.ChurnThreat => "churn",
        Intent.Complaint => "complaint",
        Intent.Praise => "praise",
        Intent.Question => "question",
        Intent.HumanRequest => "human",
        _ => intent.ToString(),
    };
}
