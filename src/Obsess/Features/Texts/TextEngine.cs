using Obsess.Analytics.Text;

namespace Obsess.Features.Texts;

/// <summary>Where the app finds the text engine's inputs (configuration section <c>Obsess:Text</c>).</summary>
public sealed record TextEngineSettings
{
    /// <summary>The reference data folder with the VADER lexicon and the training sets; default OBSESS_SHARED_DATA or ../shared/data.</summary>
    public string? DataRoot { get; init; }

    /// <summary>Folder of the trained weights; default <c>{data dir}/text-models</c>, the same as <c>obsess text train</c>'s.</summary>
    public required string ModelsDir { get; init; }

    /// <summary>Train the weights on first use when they are missing and the training sets are present.</summary>
    public bool Train { get; init; } = true;
}

/// <summary>What the engine is doing, for the UI and logs.</summary>
public sealed record TextEngineStatus(bool Ready, string? Version, string Detail);

/// <summary>
/// The app's one <see cref="TextAnalyzer"/>, built on first use: the lexicon from the reference data folder and the
/// trained weights from the models folder, trained there once (about a minute) when missing. Without the lexicon
/// there is no analysis at all, and the status says why; without training data the engine runs rules-only.
/// </summary>
public sealed class TextEngine(TextEngineSettings settings, ILogger<TextEngine> log)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TextAnalyzer? _analyzer;
    private volatile TextEngineStatus _status = new(false, null, "Text analysis has not started yet.");

    public TextEngineStatus Status => _status;

    /// <summary>The engine version whose older results were last sent back for re-analysis (once per version and process).</summary>
    internal string? RequeuedFor { get; set; }

    /// <summary>Whether analysed texts may still wait for a theme; true after a start, so the first pass looks.</summary>
    internal bool ThemesMayBePending { get; set; } = true;

    /// <summary>The analyser, loading (and if need be training) it first; null when the lexicon is missing.</summary>
    public async Task<TextAnalyzer?> GetAsync(CancellationToken ct = default)
    {
        if (_analyzer is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_analyzer is null)
            {
                // CPU-bound loading and training stay off the request threads.
                _analyzer = await Task.Run(Load, ct).ConfigureAwait(false);
            }

            return _analyzer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Replaces the analyser (used by tests to run with small trained models).</summary>
    internal void Use(TextAnalyzer analyzer)
    {
        _analyzer = analyzer;
        _status = new TextEngineStatus(true, analyzer.Version, "Set explicitly.");
    }

    private TextAnalyzer? Load()
    {
        var root = TextModels.DataRoot(settings.DataRoot);
        SentimentLexicon lexicon;
        try
        {
            lexicon = TextModels.LoadLexicon(root);
        }
        catch (FileNotFoundException e)
        {
            _status = new TextEngineStatus(false, null, $"Text analysis is off: {e.Message}. Set OBSESS_SHARED_DATA to the reference data folder.");
            log.LogWarning("{Status}", _status.Detail);
            return null;
        }

        var rules = new RuleSentimentScorer(lexicon);
        SentimentModel? sentiment = null;
        EmotionModel? emotion = null;
        try
        {
            (sentiment, emotion) = TextModels.LoadWeights(settings.ModelsDir);
        }
        catch (InvalidDataException e)
        {
            log.LogWarning("Ignoring unreadable text weights: {Message}", e.Message);
        }

        if ((sentiment is null || emotion is null) && settings.Train && TextModels.HasTrainingData(root))
        {
            _status = new TextEngineStatus(false, null, "Training the sentiment and emotion models from the reference training sets (once, about a minute)…");
            log.LogInformation("{Status}", _status.Detail);
            var trained = TextModels.Train(root, rules, m => log.LogInformation("{Progress}", m));
            TextModels.Save(trained, settings.ModelsDir);
            (sentiment, emotion) = (trained.Sentiment, trained.Emotion);
            log.LogInformation("Text models trained in {Seconds:0} s and saved to {Dir}", trained.SentimentSeconds + trained.EmotionSeconds, Path.GetFullPath(settings.ModelsDir));
        }

        var analyzer = new TextAnalyzer(lexicon, sentiment, emotion);
        var detail = sentiment is null || emotion is null
            ? $"Running without {(sentiment is null ? "the trained sentiment model" : "")}{(sentiment is null && emotion is null ? " and " : "")}{(emotion is null ? "emotions" : "")}: run `obsess text train --out {settings.ModelsDir}`."
            : "Rules, trained sentiment and emotions.";
        _status = new TextEngineStatus(true, analyzer.Version, detail);
        log.LogInformation("Text engine {Version}: {Detail}", analyzer.Version, detail);
        return analyzer;
    }
}
