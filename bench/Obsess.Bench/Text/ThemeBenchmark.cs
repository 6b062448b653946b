using System.Diagnostics;
using Obsess.Analytics.Text;

namespace Obsess.Bench.Text;

/// <summary>Themes in the 3,000 UCI review sentences (Kotzias et al. 2015): time, chosen k, names and examples.</summary>
public sealed class ThemeBenchmark : IBenchmark
{
    public string Name => "text-themes";

    public string Description => "Themes in the UCI review sentences [dataDir] [--k K] [--seed S] [--keep-sentiment-words]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = TextData.DataDir(args);
        var texts = new[] { "amazon_cells", "imdb", "yelp" }
            .SelectMany(f => TextData.Labelled(dataDir, $"sentiment/uci/{f}_labelled.txt"))
            .Select(r => r.Text)
            .ToList();
        var options = new ThemeOptions
        {
            K = TextData.Option(args, "--k") is { } k ? int.Parse(k, System.Globalization.CultureInfo.InvariantCulture) : null,
            Seed = TextData.Option(args, "--seed") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 17,
            IgnoredWords = args.Contains("--keep-sentiment-words") ? null : TextData.Rules(dataDir).Lexicon.Words,
        };
        var clock = Stopwatch.StartNew();
        var model = ThemeClusterer.Fit(texts, options);
        var seconds = clock.Elapsed.TotalSeconds;
        await output.WriteLineAsync($"{texts.Count} texts, {model.Themes.Count} themes (k {(options.K is null ? "chosen by silhouette" : "given")}), seed {options.Seed}, sentiment words {(options.IgnoredWords is null ? "kept" : "ignored")}, {TextData.F(seconds, "F2")} s, {model.Assignments.Count(a => a < 0)} texts without a vocabulary term").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| theme | size | key phrases | nearest example |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---|---|").ConfigureAwait(false);
        foreach (var t in model.Themes.OrderByDescending(t => t.Size))
        {
            await output.WriteLineAsync($"| {t.Name} | {t.Size} | {string.Join(", ", t.KeyPhrases)} | {t.Examples.FirstOrDefault()?.Replace("|", "/", StringComparison.Ordinal)} |").ConfigureAwait(false);
        }

        return 0;
    }
}
