using System.Globalization;
using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>One human-rated VADER benchmark text: mean rating on -4..+4.</summary>
internal sealed record RatedText(string Id, double Mean, string Text);

/// <summary>Reads the reference data from the shared data folder at run time (never copied into the repository).</summary>
internal static class TextData
{
    public static readonly string[] VaderSets = ["tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets"];

    public static string DataDir(string[] args)
    {
        var dir = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "../shared/data";
        return Directory.Exists(dir) ? dir : throw new DirectoryNotFoundException($"data folder '{Path.GetFullPath(dir)}' not found: pass it as the first argument.");
    }

    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static RuleSentimentScorer Rules(string dataDir)
    {
        using var lex = File.OpenText(Path.Combine(dataDir, "sentiment/vader/vader_lexicon.txt"));
        using var emoji = File.OpenText(Path.Combine(dataDir, "sentiment/vader/emoji_utf8_lexicon.txt"));
        return new RuleSentimentScorer(SentimentLexicon.Parse(lex, emoji));
    }

    public static IReadOnlyList<LabelledText> Labelled(string dataDir, string relative)
    {
        using var reader = File.OpenText(Path.Combine(dataDir, relative));
        return SentimentTrainer.ReadLabelled(reader, relative);
    }

    /// <summary>Trains the sentiment model with the standard recipe (<see cref="SentimentTrainer.StandardSets"/>).</summary>
    public static SentimentModel TrainSentiment(string dataDir, RuleSentimentScorer rules)
    {
        var (train, dev) = SentimentTrainer.StandardSets(relative => File.OpenText(Path.Combine(dataDir, relative)));
        return SentimentTrainer.Train(train, dev, rules);
    }

    public static IReadOnlyList<EmotionExample> GoEmotions(string dataDir, string file)
    {
        var dir = Path.Combine(dataDir, "emotion/goemotions");
        using var tsv = File.OpenText(Path.Combine(dir, file));
        using var labels = File.OpenText(Path.Combine(dir, "labels.txt"));
        return EmotionTrainer.ReadGoEmotions(tsv, labels, File.ReadAllText(Path.Combine(dir, "ekman_mapping.json")));
    }

    public static IReadOnlyList<RatedText> VaderSet(string dataDir, string name)
    {
        var path = Path.Combine(dataDir, $"sentiment/vader/{name}_GroundTruth.txt");
        var rows = new List<RatedText>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split('\t', 3);
            if (parts.Length != 3 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mean))
            {
                throw new FormatException($"{path} line {lineNo}: expected 'id<TAB>mean<TAB>text'.");
            }

            rows.Add(new RatedText(parts[0], mean, parts[2]));
        }

        return rows;
    }

    public static string F(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);
}
