using System.Diagnostics;
using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>
/// Texts per second on one thread over all 23,703 VADER benchmark texts: rule sentiment alone, rules + trained model,
/// and the whole <see cref="TextAnalyzer.Analyze"/> (language, sentiment, emotions, intents, urgency).
/// </summary>
public sealed class TextSpeedBenchmark : IBenchmark
{
    public string Name => "text-speed";

    public string Description => "Texts/second on one core [dataDir] [--sentiment-weights f.json] [--emotion-weights f.json]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var rules = TextData.Rules(dataDir);
        var sentimentModel = TextData.Option(args, "--sentiment-weights") is { } sw
            ? SentimentModel.FromJson(await File.ReadAllTextAsync(sw).ConfigureAwait(false))
            : TextData.TrainSentiment(dataDir, rules);
        var emotionModel = TextData.Option(args, "--emotion-weights") is { } ew
            ? EmotionModel.FromJson(await File.ReadAllTextAsync(ew).ConfigureAwait(false))
            : EmotionTrainer.Train(TextData.GoEmotions(dataDir, "train.tsv"), TextData.GoEmotions(dataDir, "dev.tsv"), rules);
        var texts = TextData.VaderSets.SelectMany(s => TextData.VaderSet(dataDir, s)).Select(r => r.Text).ToArray();
        var chars = texts.Sum(t => (long)t.Length);

        var rulesOnly = new SentimentAnalyzer(rules);
        var blended = new SentimentAnalyzer(rules, sentimentModel);
        var full = new TextAnalyzer(rules.Lexicon, sentimentModel, emotionModel);
        await output.WriteLineAsync($"{texts.Length} texts, mean {chars / texts.Length} characters; one thread; {Environment.ProcessorCount} logical cores; {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| what | texts/second | µs/text |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|").ConfigureAwait(false);
        foreach (var (name, run) in new (string, Func<string, double>)[]
        {
            ("sentiment, rules only", t => rulesOnly.Analyze(t).Score),
            ("sentiment, rules + model", t => blended.Analyze(t).Score),
            ("full analysis (TextAnalyzer.Analyze)", t => full.Analyze(t).Urgency),
        })
        {
            var rate = Measure(texts, run);
            await output.WriteLineAsync($"| {name} | {rate:N0} | {1e6 / rate:F1} |").ConfigureAwait(false);
        }

        return 0;
    }

    private static double Measure(string[] texts, Func<string, double> run)
    {
        double sink = 0;
        foreach (var t in texts)
        {
            sink += run(t); // warm-up pass (JIT, tiered compilation)
        }

        var passes = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 3 || passes < 2)
        {
            foreach (var t in texts)
            {
                sink += run(t);
            }

            passes++;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sink);
        return passes * texts.Length / seconds;
    }
}
