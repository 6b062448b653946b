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

    public SentimentResult Analyze(string text, IReadOnlyList<string> tokens, RuleSentiment rule) => Analyze(text, tokens, rule, out _);

    /// <summary>As <see cref="Analyze(string, IReadOnlyList{string}, RuleSentiment)"/>, also giving the customer-service evidence found.</summary>
    public SentimentResult Analyze(string text, IReadOnlyList<string> tokens, RuleSentiment rule, out CustomerEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(rule);
        evidence = CustomerCues.Find(text, tokens, rule, Rules.Lexicon);
        if (Model is null)
        {
            var (ruleOnly, ruleLabel) = Customer(rule.Compound, rule, evidence);
            return new SentimentResult { Score = ruleOnly, Label = ruleLabel, RuleScore = rule.Compound };
        }

        var modelScore = Model.ModelScore(tokens, text, rule);
        var share = Model.RuleShare(tokens, text, rule);
        var blended = SentimentModel.Shrink(SentimentModel.Blend(rule.Compound, modelScore, share), Model.NeutralZone);
        var (score, label) = Customer(blended, rule, evidence);
        return new SentimentResult { Score = score, Label = label, RuleScore = rule.Compound, ModelScore = modelScore, RuleShare = share };
    }

    /// <summary>Valence (on the lexicon's ±4 scale) of one customer-service cue: a negative situation or a praise phrase.</summary>
    public const double CueValence = 2.0;

    /// <summary>
    /// Customer-service evidence decides the side when it is one-sided, since neither the lexicon nor the model's
    /// training data (reviews, Reddit) covers service situations:
    /// a negative situation (problem, churn, sarcasm) without a contrasted genuine positive opinion is negative, at
    /// least as negative as its cues (politeness such as "please"/"thanks" is not an opinion); with a "but"-style
    /// contrast and a strong positive word it is mixed; a praise phrase or a resolution with no negative word is positive;
    /// a service message (a question, a request, a mention of an order, account, bill, …) with no evaluative evidence at
    /// all is neutral. Other texts keep their score. Chosen on our customer-service development set, checked on the
    /// general development set (SST-2 dev, UCI, GoEmotions dev), where rating mere positive words as praise and
    /// neutralising every text without rated words cost much Pearson r on reviews, so those variants were dropped.
    /// </summary>
    public static (double Score, SentimentLabel Label) Customer(double score, RuleSentiment rule, CustomerEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(evidence);
        if (evidence.Negative > 0)
        {
            if (evidence.Contrast && evidence.StrongestPositive >= StrongValence)
            {
                return (score, SentimentLabel.Mixed);
            }

            var floor = -RuleSentimentScorer.Normalise(CueValence * evidence.Negative - rule.NegativeSum);
            var s = Math.Min(score, floor);
            return (s, LabelOf(s));
        }

        if (!evidence.Evaluative && evidence.ServiceContext)
        {
            return (0, SentimentLabel.Neutral);
        }

        if ((evidence.Praise || evidence.Resolved) && evidence.StrongestNegative == 0)
        {
            var cues = (evidence.Praise ? 1 : 0) + (evidence.Resolved ? 1 : 0);
            var s = Math.Max(score, RuleSentimentScorer.Normalise(CueValence * cues + rule.PositiveSum));
            return (s, LabelOf(s));
        }

        if (evidence.StrongestPositive >= StrongValence && evidence.StrongestNegative <= -StrongValence)
        {
            return (score, SentimentLabel.Mixed);
        }

        return (score, LabelOf(score));
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
