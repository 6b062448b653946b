using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Obsess.Analytics.Text;
using Obsess.Features.Texts;

namespace Obsess.Cli;

/// <summary>
/// <c>obsess text analyze|themes|train</c>: the text engine on files or stdin, no database. The VADER lexicon is read at
/// run time from the data root (--data-root, else OBSESS_SHARED_DATA, else ../shared/data); trained weights from --models.
/// stdout carries JSON only; progress and warnings go to stderr.
/// </summary>
internal static class TextCommand
{
    public const string DefaultModels = "./data/text-models";
    public const string SentimentFile = TextModels.SentimentFile;
    public const string EmotionFile = TextModels.EmotionFile;

    public static Command Create()
    {
        var text = new Command("text", "Sentiment, emotions, intents and themes of customer texts; trains the text models; no database");
        text.Subcommands.Add(Analyze());
        text.Subcommands.Add(Themes());
        text.Subcommands.Add(Train());
        return text;
    }

    private static Option<string?> DataRootOption() => new("--data-root") { Description = "Reference data folder (VADER lexicon, training sets); default OBSESS_SHARED_DATA or ../shared/data" };

    private static Option<string> ModelsOption() => new("--models") { Description = $"Folder with the trained weights ({SentimentFile}, {EmotionFile}) from `obsess text train`", DefaultValueFactory = _ => DefaultModels };

    private static string DataRoot(string? given)
    {
        var root = TextModels.DataRoot(given);
        return Directory.Exists(root)
            ? root
            : throw new CliException($"data root '{Path.GetFullPath(root)}' not found: pass --data-root DIR or set OBSESS_SHARED_DATA (it holds sentiment/vader/vader_lexicon.txt).");
    }

    private static SentimentLexicon Lexicon(string root)
    {
        try
        {
            return TextModels.LoadLexicon(root);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException($"{e.Message}: pass --data-root DIR (the folder holding sentiment/vader/).");
        }
    }

    private static (SentimentModel? Sentiment, EmotionModel? Emotion) Weights(string dir, TextWriter error)
    {
        SentimentModel? sentiment;
        EmotionModel? emotion;
        try
        {
            (sentiment, emotion) = TextModels.LoadWeights(dir);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException($"--models {dir}: {ex.Message}; run `obsess text train --out {dir}` again.");
        }

        if (sentiment is null || emotion is null)
        {
            error.WriteLine(
                $"obsess: no trained {(sentiment is null ? SentimentFile : EmotionFile)} in {Path.GetFullPath(dir)}: " +
                $"run `obsess text train --out {dir}` for the trained sentiment and emotions. Using {(sentiment is null ? "rules-only sentiment (\"model\": \"rules\")" : "the trained sentiment")}" +
                $"{(emotion is null ? " and no emotions" : "")}.");
        }

        return (sentiment, emotion);
    }

    private static IEnumerable<string> Lines(FileInfo? input)
    {
        if (input is null)
        {
            while (Console.In.ReadLine() is { } line)
            {
                yield return line;
            }

            yield break;
        }

        if (!input.Exists)
        {
            throw new CliException($"--input: file not found: {input.FullName}");
        }

        foreach (var line in File.ReadLines(input.FullName))
        {
            yield return line;
        }
    }

    private static Command Analyze()
    {
        var input = new Option<FileInfo?>("--input") { Description = "One text per line (default: stdin)" };
        var dataRoot = DataRootOption();
        var models = ModelsOption();
        var command = new Command("analyze", "One JSON object per input line: sentiment, emotions, intents, urgency, language") { input, dataRoot, models };
        command.SetAction(parse => CliFiles.Run(parse, () =>
        {
            var lexicon = Lexicon(DataRoot(parse.GetValue(dataRoot)));
            var (sentiment, emotion) = Weights(parse.GetValue(models)!, parse.InvocationConfiguration.Error);
            var analyzer = new TextAnalyzer(lexicon, sentiment, emotion);
            var modelName = sentiment is null ? "rules" : "trained";
            var count = 0;
            foreach (var line in Lines(parse.GetValue(input)))
            {
                var a = analyzer.Analyze(line);
                var json = new Dictionary<string, object?>
                {
                    ["sentiment"] = a.Sentiment is null ? null : new Dictionary<string, object?>
                    {
                        ["score"] = Math.Round(a.Sentiment.Score, 4),
                        ["label"] = a.Sentiment.Label.ToString().ToLowerInvariant(),
                    },
                    ["emotions"] = a.Emotions.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 4)),
                    ["emotion"] = a.TopEmotion,
                    ["intents"] = a.Intents.Select(Features.Texts.TextAnalysisService.IntentName).ToList(),
                    ["urgency"] = Math.Round(a.Urgency, 4),
                    ["language"] = a.Language.Code,
                    ["model"] = modelName,
                };
                parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(json, CliFiles.JsonLine));
                count++;
            }

            parse.InvocationConfiguration.Error.WriteLine($"Analysed {count:N0} text(s) with {analyzer.Version}.");
            return 0;
        }));
        return command;
    }

    private static Command Themes()
    {
        var input = new Option<FileInfo>("--input") { Description = "One text per line", Required = true };
        var k = new Option<string>("--k") { Description = "Number of themes (2-50), or auto to choose 2-10 by silhouette", DefaultValueFactory = _ => "auto" };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same themes)", DefaultValueFactory = _ => 17 };
        var dataRoot = DataRootOption();
        var command = new Command("themes", "A theme id per input line (-1: no shared words), then one JSON summary of the themes") { input, k, seed, dataRoot };
        command.SetAction(parse => CliFiles.Run(parse, () =>
        {
            int? themes = null;
            var kText = parse.GetValue(k)!;
            if (!kText.Equals("auto", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(kText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 2 or > 50)
                {
                    return CliFiles.Fail(parse, $"--k must be auto or a whole number from 2 to 50, got '{kText}'.");
                }

                themes = parsed;
            }

            // Sentiment words are left out of the vocabulary so themes name topics, not opinions; without a lexicon, themes still work.
            IReadOnlySet<string>? ignored = null;
            try
            {
                ignored = Lexicon(DataRoot(parse.GetValue(dataRoot))).Words;
            }
            catch (CliException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"obsess: warning: {e.Message} Themes may be named by opinion words.");
            }

            var texts = Lines(parse.GetValue(input)).ToList();
            if (texts.Count(t => !string.IsNullOrWhiteSpace(t)) < 2)
            {
                return CliFiles.Fail(parse, $"--input {parse.GetValue(input)!.Name}: need at least 2 non-empty lines to find themes, got {texts.Count(t => !string.IsNullOrWhiteSpace(t))}.");
            }

            if (themes is { } n && n > texts.Count)
            {
                return CliFiles.Fail(parse, $"--k {n} is more than the {texts.Count} input lines.");
            }

            var stopwatch = Stopwatch.StartNew();
            var model = ThemeClusterer.Fit(texts, new ThemeOptions { K = themes, Seed = parse.GetValue(seed), IgnoredWords = ignored });
            var output = new StringBuilder();
            foreach (var id in model.Assignments)
            {
                output.Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            parse.InvocationConfiguration.Output.Write(output.ToString());
            var summary = new Dictionary<string, object?>
            {
                ["texts"] = texts.Count,
                ["unassigned"] = model.Assignments.Count(a => a < 0),
                ["k"] = model.Themes.Count,
                ["seed"] = parse.GetValue(seed),
                ["themes"] = model.Themes.Select(t => new Dictionary<string, object?>
                {
                    ["id"] = t.Id,
                    ["name"] = t.Name,
                    ["size"] = t.Size,
                    ["keyPhrases"] = t.KeyPhrases,
                    ["examples"] = t.Examples,
                }).ToList(),
                ["seconds"] = Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
            };
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(summary, CliFiles.JsonLine));
            return 0;
        }));
        return command;
    }

    private static Command Train()
    {
        var dataRoot = DataRootOption();
        var output = new Option<string>("--out") { Description = $"Folder for {SentimentFile} and {EmotionFile}", DefaultValueFactory = _ => DefaultModels };
        var command = new Command("train", "Reproduce the sentiment weights (SST-2 + UCI + GoEmotions) and emotion weights (GoEmotions) from the training sets") { dataRoot, output };
        command.SetAction(parse => CliFiles.Run(parse, () =>
        {
            var root = DataRoot(parse.GetValue(dataRoot));
            var rules = new RuleSentimentScorer(Lexicon(root));
            TrainedTextModels trained;
            try
            {
                trained = TextModels.Train(root, rules, parse.InvocationConfiguration.Error.WriteLine);
            }
            catch (FileNotFoundException e)
            {
                throw new CliException($"{e.Message} (expected under --data-root {root}).");
            }

            var dir = parse.GetValue(output)!;
            TextModels.Save(trained, dir);
            var (sentiment, emotion, evaluation) = (trained.Sentiment, trained.Emotion, trained.EmotionDevScores);
            var json = new Dictionary<string, object?>
            {
                ["out"] = Path.GetFullPath(dir),
                ["sentiment"] = new Dictionary<string, object?>
                {
                    ["file"] = SentimentFile,
                    ["fingerprint"] = sentiment.Fingerprint,
                    ["train"] = trained.SentimentTrain,
                    ["dev"] = trained.SentimentDev,
                    ["gate"] = sentiment.Gate.Select(g => Math.Round(g, 4)).ToList(),
                    ["temperature"] = sentiment.Temperature,
                    ["seconds"] = Math.Round(trained.SentimentSeconds, 1),
                },
                ["emotion"] = new Dictionary<string, object?>
                {
                    ["file"] = EmotionFile,
                    ["fingerprint"] = emotion.Fingerprint,
                    ["train"] = trained.EmotionTrain,
                    ["dev"] = trained.EmotionDev,
                    ["devMacroF1WithNeutral"] = Math.Round(evaluation.MacroF1WithNeutral, 4),
                    ["devMacroF1Emotions"] = Math.Round(evaluation.MacroF1Emotions, 4),
                    ["seconds"] = Math.Round(trained.EmotionSeconds, 1),
                },
                ["lexicon"] = rules.Lexicon.Fingerprint,
            };
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(json, CliFiles.Json));
            return 0;
        }));
        return command;
    }
}
