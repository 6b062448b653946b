using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

/// <summary>The VADER lexicon and emoji list, parsed once for the whole test run (read from ../shared/data, never copied).</summary>
public static class Lexicons
{
    private static readonly Lazy<SentimentLexicon> Vader = new(() =>
    {
        using var lex = File.OpenText(SharedData.PathOf("sentiment/vader/vader_lexicon.txt"));
        using var emoji = File.OpenText(SharedData.PathOf("sentiment/vader/emoji_utf8_lexicon.txt"));
        return SentimentLexicon.Parse(lex, emoji);
    });

    public static SentimentLexicon VaderLexicon => Vader.Value;

    public static RuleSentimentScorer Rules => new(Vader.Value);

    /// <summary>Files written for these tests, found beside the test sources.</summary>
    public static string TestFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Obsess.Analytics.Tests", "Text", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"test file '{name}' not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// A sentiment model trained once per test class on small SST-2 and GoEmotions subsets (the full model is trained by the
/// benchmark); development rows: SST-2 dev and the first 1,500 GoEmotions dev comments with one sentiment.
/// </summary>
public sealed class SmallSentimentModelFixture
{
    public SmallSentimentModelFixture()
    {
        using var train = File.OpenText(SharedData.PathOf("sentiment/sst2/train.tsv"));
        using var dev = File.OpenText(SharedData.PathOf("sentiment/sst2/dev.tsv"));
        Train = [.. SentimentTrainer.ReadLabelled(train, "sst2").Take(15000), .. GoEmotions("train.tsv").Take(8000)];
        Dev = [.. SentimentTrainer.ReadLabelled(dev, "sst2"), .. GoEmotions("dev.tsv").Take(1500)];
        Options = new SentimentTrainingOptions { Bits = 16, MaxEpochs = 3, L2Grid = [1e-6] };
        Model = SentimentTrainer.Train(Train, Dev, Lexicons.Rules, Options);
    }

    public IReadOnlyList<LabelledText> Train { get; }

    public IReadOnlyList<LabelledText> Dev { get; }

    public SentimentTrainingOptions Options { get; }

    public SentimentModel Model { get; }

    private static IReadOnlyList<LabelledText> GoEmotions(string file)
    {
        using var tsv = File.OpenText(SharedData.PathOf($"emotion/goemotions/{file}"));
        using var labels = File.OpenText(SharedData.PathOf("emotion/goemotions/labels.txt"));
        return SentimentTrainer.FromEmotions(EmotionTrainer.ReadGoEmotions(tsv, labels, File.ReadAllText(SharedData.PathOf("emotion/goemotions/ekman_mapping.json"))));
    }
}

/// <summary>An emotion model trained once per test class on a GoEmotions subset.</summary>
public sealed class SmallEmotionModelFixture
{
    public SmallEmotionModelFixture()
    {
        Train = Read("train.tsv");
        Dev = Read("dev.tsv");
        Options = new EmotionTrainingOptions { Bits = 16, MaxEpochs = 3, L2Grid = [1e-6], Limit = 15000 };
        Model = EmotionTrainer.Train(Train, Dev, Lexicons.Rules, Options);
    }

    public IReadOnlyList<EmotionExample> Train { get; }

    public IReadOnlyList<EmotionExample> Dev { get; }

    public EmotionTrainingOptions Options { get; }

    public EmotionModel Model { get; }

    private static IReadOnlyList<EmotionExample> Read(string file)
    {
        using var tsv = File.OpenText(SharedData.PathOf($"emotion/goemotions/{file}"));
        using var labels = File.OpenText(SharedData.PathOf("emotion/goemotions/labels.txt"));
        return EmotionTrainer.ReadGoEmotions(tsv, labels, File.ReadAllText(SharedData.PathOf("emotion/goemotions/ekman_mapping.json")));
    }
}
