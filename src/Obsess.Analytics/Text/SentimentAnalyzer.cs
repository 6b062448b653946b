namespace Obsess.Analytics.Text;

public enum SentimentLabel
{
    Neutral,
    Positive,
    Negative,

    /// <summary>Strongly positive and strongly negative parts in the same text ("love the product but support was horrible").</summary>
    Mixed,
}

public sealed record SentimentResult
{
    /// <summary>Overall sentiment in [-1, 1].</summary>
    public required double Score { get; init; }

    public required SentimentLabel Label { get; init; }

    /// <summary>The lexicon-and-rules compound alone, in [-1, 1].</summary>
    public required double RuleScore { get; init; }

    /// <summary>The trained model's P(positive) − P(negative), or null when no model is loaded.</summary>
    public double? ModelScore { get; init; }

    /// <summary>The rule compound's share of <see cref="Score"/> for this text (the gate), or null when no model is loaded.</summary>
    public double? RuleShare { get; init; }
}

/// <summary>Rules plus, optionally, a trained model gated by the text. Thread-safe: holds only immutable state.</summary>
public sealed class SentimentAnalyzer(RuleSentimentScorer rules, SentimentModel? model = null)
{
    /// <summary>Scores at or above this are positive, at or below its negation negative (Hutto &amp; Gilbert 2014).</summary>
    public const double Threshold = 0.05;

    /// <summary>
    /// A word counts as "strong" for the mixed label at half the ±4 valence scale or more, after negation, boosters and caps
    /// ("good" 1.9 is strong, "ok" 0.9 is not). A design constant, not fitted.
    /// </summary>
    public const double StrongValence = 1.5;

    public RuleSentimentScorer Rules { get; } = rules ?? throw new ArgumentNullException(nameof(rules));

    public SentimentModel? Model { get; } = model;

    public SentimentResult Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = RuleSentimentScorer.Normalize(text);
        var tokens = Rules.Tokenize(normalized);
        return Analyze(normalized, tokens, Rules.Score(normalized, tokens));
    }

    public SentimentResult Analyze(string text, IReadOnlyList<string> tokens, RuleSentiment rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (Model is null)
        {
            return new SentimentResult { Score = rule.Compound, Label = LabelOf(rule.Compound, rule), RuleScore = rule.Compound };
        }

        var modelScore = Model.ModelScore(tokens, text, rule);
        var share = Model.RuleShare(tokens, text, rule);
        var score = SentimentModel.Shrink(SentimentModel.Blend(rule.Compound, modelScore, share), Model.NeutralZone);
        return new SentimentResult { Score = score, Label = LabelOf(score, rule), RuleScore = rule.Compound, ModelScore = modelScore, RuleShare = share };
    }

    public static SentimentLabel LabelOf(double score, RuleSentiment rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.StrongestPositive >= StrongValence && rule.StrongestNegative <= -StrongValence)
        {
            return SentimentLabel.Mixed;
        }

        return LabelOf(score);
    }

    public static SentimentLabel LabelOf(double score) =>
        score >= Threshold ? SentimentLabel.Positive : score <= -Threshold ? SentimentLabel.Negative : SentimentLabel.Neutral;
}
