using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>
/// Language identification on real English corpora (how many English texts would be marked as another language and
/// left unscored) and on our own sentences in the six other languages (how many are caught).
/// </summary>
public sealed class LanguageBenchmark : IBenchmark
{
    public string Name => "text-language";

    public string Description => "Language detection: English corpora marked as other languages, and our multilingual set [dataDir] [--errors N]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var errors = TextData.Option(args, "--errors") is { } e ? int.Parse(e, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var english = new List<(string Name, IReadOnlyList<string> Texts)>
        {
            ("SST-2 train (sentences and phrases)", TextData.Labelled(dataDir, "sentiment/sst2/train.tsv").Select(r => r.Text).ToList()),
            ("SST-2 dev", TextData.Labelled(dataDir, "sentiment/sst2/dev.tsv").Select(r => r.Text).ToList()),
            ("UCI amazon + yelp + imdb", new[] { "amazon_cells", "yelp", "imdb" }.SelectMany(f => TextData.Labelled(dataDir, $"sentiment/uci/{f}_labelled.txt")).Select(r => r.Text).ToList()),
            ("GoEmotions train", TextData.GoEmotions(dataDir, "train.tsv").Select(r => r.Text).ToList()),
            ("GoEmotions dev", TextData.GoEmotions(dataDir, "dev.tsv").Select(r => r.Text).ToList()),
            ("our customer-service sets", CustomerTexts().ToList()),
        };
        foreach (var set in TextData.VaderSets)
        {
            english.Add(($"VADER {set} (measured only)", TextData.VaderSet(dataDir, set).Select(r => r.Text).ToList()));
        }

        await output.WriteLineAsync("English corpora: share marked as another language (so not scored); \"und\" is analysed as English.").ConfigureAwait(false);
        await output.WriteLineAsync("| set | texts | marked other | share | undetermined | by code |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---|").ConfigureAwait(false);
        foreach (var (name, texts) in english)
        {
            var guesses = texts.Select(t => (Text: t, Code: LanguageDetector.Detect(t).Code)).ToList();
            var other = guesses.Where(g => g.Code is not ("en" or LanguageDetector.Undetermined)).ToList();
            var byCode = string.Join(", ", other.GroupBy(g => g.Code).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
            await output.WriteLineAsync($"| {name} | {texts.Count:N0} | {other.Count:N0} | {TextData.F(100.0 * other.Count / texts.Count, "F2")} % | {guesses.Count(g => g.Code == LanguageDetector.Undetermined):N0} | {byCode} |").ConfigureAwait(false);
            foreach (var g in other.Take(errors))
            {
                await output.WriteLineAsync($"    {g.Code}: {g.Text}").ConfigureAwait(false);
            }
        }

        var file = TextData.Option(args, "--set") ?? "tests/Obsess.Analytics.Tests/Text/Data/languages.tsv";
        if (File.Exists(file))
        {
            var rows = File.ReadLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t', 2)).ToList();
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"{file}: our sentences, accuracy per gold language").ConfigureAwait(false);
            await output.WriteLineAsync("| language | texts | correct | marked English or und | other language |").ConfigureAwait(false);
            await output.WriteLineAsync("|---|---:|---:|---:|---:|").ConfigureAwait(false);
            foreach (var group in rows.GroupBy(r => r[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var codes = group.Select(r => (Text: r[1], Code: LanguageDetector.Detect(r[1]).Code)).ToList();
                var asEnglish = codes.Count(c => c.Code is "en" or LanguageDetector.Undetermined);
                var correct = codes.Count(c => c.Code == group.Key);
                await output.WriteLineAsync($"| {group.Key} | {codes.Count} | {correct} | {asEnglish} | {codes.Count - correct - asEnglish} |").ConfigureAwait(false);
                foreach (var c in codes.Where(c => c.Code != group.Key).Take(errors))
                {
                    await output.WriteLineAsync($"    {group.Key} read as {c.Code}: {c.Text}").ConfigureAwait(false);
                }
            }
        }

        return 0;
    }

    private static IEnumerable<string> CustomerTexts()
    {
        var dir = "tests/Obsess.Analytics.Tests/Text";
        foreach (var path in new[] { $"{dir}/Data/customer-dev.tsv", $"{dir}/Data/customer-holdout.tsv", $"{dir}/intents.tsv", $"{dir}/intents-holdout.tsv", $"{dir}/intents-holdout-2.tsv" })
        {
            foreach (var line in File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("sentiment\t", StringComparison.Ordinal)))
            {
                var parts = line.Split('\t');
                yield return path.Contains("customer-", StringComparison.Ordinal) ? parts[^1] : parts[0];
            }
        }
    }
}
