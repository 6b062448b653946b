namespace Obsess.Analytics.Text;

/// <summary>The stored result of analysing one customer text.</summary>
public sealed record TextAnalysis
{
    /// <summary>Engine version that produced this result; re-analyse when it differs from <see cref="TextAnalyzer.Version"/>.</summary>
    public required string Version { get; init; }

    public required LanguageGuess Language { get; init; }

    /// <summary>English sentiment, or null when the text is in another language (it is not scored with English rules).</summary>
    public required SentimentResult? Sentiment { get; init; }

    /// <summary>Emotion name → probability (anger, disgust, fear, joy, sadness, surprise, neutral); empty without a model or for non-English text.</summary>
    public required IReadOnlyDictionary<string, double> Emotions { get; init; }

    /// <summary>The single emotion to show, or null when emotions are not available.</summary>
    public required string? TopEmotion { get; init; }

    public required IReadOnlyList<Intent> Intents { get; init; }

    /// <summary>How soon someone should act, in [0, 1].</summary>
    public required double Urgency { get; init; }
}

/// <summary>
/// The one entry point: language, sentiment, emotions, intents and urgency of a text. Built once from the lexicon and
/// the optional trained models (all immutable), then shared: <see cref="Analyze"/> is thread-safe.
/// </summary>
public sealed class TextAnalyzer
{
    /// <summary>Bump when rules, features or the result shape change.</summary>
    // text-4: intents read the customer-service evidence; language profiles revised (docs/bench/text.md §3, §4).
    // text-5: intent rules' third revision; a positive opening is sarcasm only next to a complaint; "my late father",
    // "I ordered the wrong size" and a fee asked about are no problem (§3).
    public const string EngineVersion = "text-5";

    private static readonly IReadOnlyDictionary<string, double> NoEmotions = new Dictionary<string, double>();

    private readonly SentimentAnalyzer _sentiment;

    public TextAnalyzer(SentimentLexicon lexicon, SentimentModel? sentimentModel = null, EmotionModel? emotionModel = null)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        Rules = new RuleSentimentScorer(lexicon);
        _sentiment = new SentimentAnalyzer(Rules, sentimentModel);
        EmotionModel = emotionModel;
        Version = $"{EngineVersion}+lex.{lexicon.Fingerprint}+sent.{sentimentModel?.Fingerprint ?? "none"}+emo.{emotionModel?.Fingerprint ?? "none"}";
    }

    /// <summary>The engine, lexicon and model fingerprints: changes whenever any of them changes.</summary>
    public string Version { get; }

    public RuleSentimentScorer Rules { get; }

    public EmotionModel? EmotionModel { get; }

    public TextAnalysis Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = RuleSentimentScorer.Normalize(text);
        var language = LanguageDetector.Detect(normalized);
        if (language.Code != LanguageDetector.Undetermined && !language.IsEnglish)
        {
            return new TextAnalysis
            {
                Version = Version,
                Language = language,
                Sentiment = null,
                Emotions = NoEmotions,
                TopEmotion = null,
                Intents = [],
                Urgency = 0,
            };
        }

        var tokens = Rules.Tokenize(normalized);
        var rule = Rules.Score(normalized, tokens);
        var sentiment = _sentiment.Analyze(normalized, tokens, rule, out var evidence);

        // Intent thresholds are defined on the rule compound's scale, so intents use it rather than the blended score.
        var intents = IntentDetector.Detect(normalized, rule.Compound, rule, evidence);
        var emotions = EmotionModel?.PredictAndDecide(tokens, rule, EmotionModel.ConsistentWith(sentiment.Label, evidence));
        return new TextAnalysis
        {
            Version = Version,
            Language = language,
            Sentiment = sentiment,
            Emotions = emotions?.Probabilities ?? NoEmotions,
            TopEmotion = emotions?.Top,
            Intents = intents.Intents,
            Urgency = intents.Urgency,
        };
    }

    /// <summary>Sentiment alone (no language, emotion or intent work), for bulk scoring.</summary>
    public SentimentResult AnalyzeSentiment(string text) => _sentiment.Analyze(text);
}
