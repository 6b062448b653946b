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

    /// <summary>The trained model's 2p − 1, or null when no model is loaded.</summary>
    public double? ModelScore { get; init; }
}

/// <summary>Rules plus, optionally, a trained model. Thread-safe: holds only immutable state.</summary>
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
        double? modelScore = Model?.ModelScore(tokens, text, rule);
        var score = modelScore is { } m ? SentimentModel.Blend(rule.Compound, m, Model!.RuleWeight) : rule.Compound;
        return new SentimentResult { Score = score, Label = LabelOf(score, rule), RuleScore = rule.Compound, ModelScore = modelScore };
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
