using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Obsess.Analytics.Text;

namespace Obsess.Features.Texts;

/// <summary>The trained text models and what training them measured.</summary>
public sealed record TrainedTextModels(
    SentimentModel Sentiment,
    EmotionModel Emotion,
    int SentimentTrain,
    int SentimentDev,
    double SentimentSeconds,
    int EmotionTrain,
    int EmotionDev,
    EmotionEvaluation EmotionDevScores,
    double EmotionSeconds);

/// <summary>
/// Where the text engine's inputs live and how its weights are made: the VADER lexicon is read at run time from the
/// reference data folder (never shipped in the repository), and the trained weights are reproduced from the training
/// sets listed in ../shared/data/SOURCES.md. Shared by <c>obsess text</c> and the app's <see cref="TextEngine"/>.
/// </summary>
public static class TextModels
{
    public const string SentimentFile = "sentiment.json";
    public const string EmotionFile = "emotion.json";

    /// <summary>
    /// The reference data folder: the one given, else OBSESS_SHARED_DATA, else the nearest <c>shared/data</c> beside the
    /// current folder or one of its parents (the repository sits next to <c>shared/</c>; <c>dotnet run --project
    /// src/Obsess</c> runs in the project's folder, two levels down), else ../shared/data.
    /// </summary>
    public static string DataRoot(string? given)
    {
        if (given is not null)
        {
            return given;
        }

        if (Environment.GetEnvironmentVariable("OBSESS_SHARED_DATA") is { Length: > 0 } env)
        {
            return env;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(Path.Combine(candidate, "sentiment")))
            {
                return Path.GetRelativePath(Directory.GetCurrentDirectory(), candidate);
            }
        }

        return "../shared/data";
    }

    public static string LexiconPath(string root) => Path.Combine(root, "sentiment", "vader", "vader_lexicon.txt");

    /// <summary>Reads the VADER lexicon (and its emoji descriptions when present). Throws <see cref="FileNotFoundException"/> naming the path.</summary>
    public static SentimentLexicon LoadLexicon(string root)
    {
        var path = LexiconPath(root);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"VADER lexicon not found at {Path.GetFullPath(path)}", path);
        }

        var emojiPath = Path.Combine(root, "sentiment", "vader", "emoji_utf8_lexicon.txt");
        using var lex = File.OpenText(path);
        using var emoji = File.Exists(emojiPath) ? File.OpenText(emojiPath) : null;
        return SentimentLexicon.Parse(lex, emoji);
    }

    /// <summary>The weights in <paramref name="dir"/>, each null when its file is missing. Throws <see cref="InvalidDataException"/> for a file that cannot be read.</summary>
    public static (SentimentModel? Sentiment, EmotionModel? Emotion) LoadWeights(string dir)
    {
        var s = Path.Combine(dir, SentimentFile);
        var e = Path.Combine(dir, EmotionFile);
        try
        {
            return (File.Exists(s) ? SentimentModel.FromJson(File.ReadAllText(s)) : null, File.Exists(e) ? EmotionModel.FromJson(File.ReadAllText(e)) : null);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            throw new InvalidDataException($"cannot read the weights in {Path.GetFullPath(dir)} ({ex.Message})", ex);
        }
    }

    /// <summary>True when every training file <see cref="Train"/> reads is present under <paramref name="root"/>.</summary>
    public static bool HasTrainingData(string root) => TrainingFiles.All(f => File.Exists(Path.Combine(root, f)));

    private static readonly string[] TrainingFiles =
    [
        "sentiment/sst2/train.tsv", "sentiment/sst2/dev.tsv", "sentiment/uci/amazon_cells_labelled.txt", "sentiment/uci/imdb_labelled.txt",
        "sentiment/uci/yelp_labelled.txt", "emotion/goemotions/train.tsv", "emotion/goemotions/dev.tsv", "emotion/goemotions/labels.txt",
        "emotion/goemotions/ekman_mapping.json",
    ];

    /// <summary>
    /// Trains both models by the recipe of docs/bench/text.md: sentiment on SST-2 train + 80 % of each UCI set, selected
    /// on SST-2 dev + the other 20 %; emotions on GoEmotions train, selected on its dev set. Deterministic.
    /// Throws <see cref="FileNotFoundException"/> naming a missing training file.
    /// </summary>
    public static TrainedTextModels Train(string root, RuleSentimentScorer rules, Action<string>? progress = null)
    {
        string Need(string relative) => Path.Combine(root, relative) is var p && File.Exists(p)
            ? p
            : throw new FileNotFoundException($"training file not found: {Path.GetFullPath(Path.Combine(root, relative))}", relative);
        // The recipe of docs/bench/text.md: SST-2 train + 80 % of each UCI set + GoEmotions train (three classes);
        // selection on SST-2 dev + the other 20 % of each UCI set + GoEmotions dev.
        var stopwatch = Stopwatch.StartNew();
        var (train, dev) = SentimentTrainer.StandardSets(relative => File.OpenText(Need(relative)));
        progress?.Invoke($"Training sentiment on {train.Count:N0} texts (selecting on {dev.Count:N0})…");
        var sentiment = SentimentTrainer.Train(train, dev, rules);
        var sentimentSeconds = stopwatch.Elapsed.TotalSeconds;

        IReadOnlyList<EmotionExample> GoEmotions(string file)
        {
            using var tsv = File.OpenText(Need($"emotion/goemotions/{file}"));
            using var labels = File.OpenText(Need("emotion/goemotions/labels.txt"));
            return EmotionTrainer.ReadGoEmotions(tsv, labels, File.ReadAllText(Need("emotion/goemotions/ekman_mapping.json")));
        }

        var emotionTrain = GoEmotions("train.tsv");
        var emotionDev = GoEmotions("dev.tsv");
        progress?.Invoke($"Training emotions on {emotionTrain.Count:N0} comments (selecting on {emotionDev.Count:N0})…");
        var emotion = EmotionTrainer.Train(emotionTrain, emotionDev, rules);
        var evaluation = EmotionTrainer.Evaluate(emotion, emotionDev, rules);
        return new TrainedTextModels(sentiment, emotion, train.Count, dev.Count, sentimentSeconds, emotionTrain.Count, emotionDev.Count, evaluation, stopwatch.Elapsed.TotalSeconds - sentimentSeconds);
    }

    /// <summary>Writes both weight files into <paramref name="dir"/> (each written whole, then moved into place).</summary>
    public static void Save(TrainedTextModels models, string dir)
    {
        Directory.CreateDirectory(dir);
        WriteAtomically(Path.Combine(dir, SentimentFile), models.Sentiment.ToJson());
        WriteAtomically(Path.Combine(dir, EmotionFile), models.Emotion.ToJson());
    }

    private static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
