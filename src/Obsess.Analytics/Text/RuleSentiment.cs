namespace Obsess.Analytics.Text;

/// <summary>What the lexicon-and-rules scorer found in one text.</summary>
public sealed record RuleSentiment
{
    /// <summary>Normalised sum of valences in [-1, 1] (Hutto &amp; Gilbert 2014's "compound").</summary>
    public required double Compound { get; init; }

    /// <summary>Sum of the positive adjusted valences (after negation, boosters, caps, contrast).</summary>
    public required double PositiveSum { get; init; }

    /// <summary>Sum of the negative adjusted valences, as a negative number.</summary>
    public required double NegativeSum { get; init; }

    /// <summary>Largest positive valence of one word or emoji, before contrast weighting.</summary>
    public required double StrongestPositive { get; init; }

    /// <summary>Most negative valence of one word or emoji, before contrast weighting.</summary>
    public required double StrongestNegative { get; init; }

    public required int SentimentTokens { get; init; }

    public required int Emoji { get; init; }
}

/// <summary>
/// The lexicon-and-rules sentiment core, following the heuristics and constants reported by
/// Hutto &amp; Gilbert 2014 ("VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM):
/// punctuation emphasis, ALL-CAPS emphasis, degree modifiers, the contrastive "but", and negation within three tokens.
/// The word lists below are our own. Stateless after construction and safe to share between threads.
/// </summary>
public sealed class RuleSentimentScorer(SentimentLexicon lexicon)
{
    // Empirically derived constants from Hutto & Gilbert 2014, section "Heuristics".
    internal const double BoosterIncrement = 0.293;
    internal const double CapsIncrement = 0.733;
    internal const double NegationScalar = -0.74;
    internal const double ExclamationIncrement = 0.292;
    internal const double QuestionIncrement = 0.18;
    internal const double BeforeContrast = 0.5;
    internal const double AfterContrast = 1.5;
    internal const double NormalisationAlpha = 15;

    private static readonly HashSet<string> Negators = new(StringComparer.OrdinalIgnoreCase)
    {
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "cannot", "without",
        "hardly", "scarcely", "barely", "dont", "cant", "wont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent",
        "couldnt", "shouldnt", "wouldnt", "aint", "havent", "hasnt", "hadnt", "mustnt", "neednt", "nope", "nah",
    };

    // Degree modifiers: +1 boosts the next sentiment word's intensity, −1 dampens it.
    private static readonly Dictionary<string, double> Boosters = Modifiers(
        "absolutely amazingly awfully completely considerably decidedly deeply enormously entirely especially exceptionally " +
        "extremely extraordinarily greatly highly hugely incredibly intensely insanely majorly more most particularly purely " +
        "quite really remarkably ridiculously seriously so substantially super thoroughly totally tremendously truly " +
        "unbelievably unusually utterly very terribly frigging fricking",
        "almost kinda sorta less marginally occasionally partly slightly somewhat fairly rather");

    private static readonly HashSet<string> Contrasts = new(StringComparer.OrdinalIgnoreCase) { "but", "however" };

    public SentimentLexicon Lexicon { get; } = lexicon ?? throw new ArgumentNullException(nameof(lexicon));

    /// <summary>Tokenises with the lexicon's emoticons and emoji kept whole.</summary>
    public List<string> Tokenize(string text) =>
        TextTokenizer.Tokenize(Normalize(text), Lexicon.Contains, Lexicon.EmojiLengthAt);

    public RuleSentiment Score(string text) => Score(Normalize(text), Tokenize(text));

    /// <summary>Scores already tokenised text; <paramref name="text"/> is used for punctuation emphasis only.</summary>
    public RuleSentiment Score(string text, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        var shouting = IsMixedCase(tokens);
        var contrastAt = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (Contrasts.Contains(tokens[i]))
            {
                contrastAt = i;
                break;
            }
        }

        double sum = 0, pos = 0, neg = 0, strongestPos = 0, strongestNeg = 0;
        int count = 0, emoji = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            double v;
            if (Lexicon.TryGetEmoji(token, out var ev))
            {
                emoji++;
                v = ev;
            }
            else
            {
                if (Boosters.ContainsKey(token) || !Lexicon.TryGetValence(token, out v) || v == 0)
                {
                    continue;
                }

                // "no" directly before a rated word only negates it ("no problems"), it carries no valence itself.
                if (string.Equals(token, "no", StringComparison.OrdinalIgnoreCase) && i + 1 < tokens.Count && Lexicon.Contains(tokens[i + 1]))
                {
                    continue;
                }

                // In customer text "support", "help" and "care" are mostly departments or requests ("the support team",
                // "I need help"), not praise; they keep their valence only outside those contexts.
                if (IsServiceNoun(tokens, i))
                {
                    continue;
                }

                // "kind of", "sort of": "kind" here is a hedge, not kindness.
                if (string.Equals(token, "kind", StringComparison.OrdinalIgnoreCase) && i + 1 < tokens.Count && string.Equals(tokens[i + 1], "of", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (shouting && TextTokenizer.IsAllCaps(token))
                {
                    v += Math.Sign(v) * CapsIncrement;
                }

                v = ApplyModifiers(tokens, i, v, shouting);
            }

            count++;
            strongestPos = Math.Max(strongestPos, v);
            strongestNeg = Math.Min(strongestNeg, v);
            if (contrastAt >= 0)
            {
                v *= i < contrastAt ? BeforeContrast : i > contrastAt ? AfterContrast : 1;
            }

            sum += v;
            if (v > 0)
            {
                pos += v;
            }
            else
            {
                neg += v;
            }
        }

        if (sum != 0)
        {
            sum += Math.Sign(sum) * PunctuationEmphasis(text);
        }

        return new RuleSentiment
        {
            Compound = Normalise(sum),
            PositiveSum = pos,
            NegativeSum = neg,
            StrongestPositive = strongestPos,
            StrongestNegative = strongestNeg,
            SentimentTokens = count,
            Emoji = emoji,
        };
    }

    /// <summary>Hutto &amp; Gilbert 2014: x / sqrt(x² + α), α = 15, maps a valence sum into (-1, 1).</summary>
    public static double Normalise(double sum) => Math.Clamp(sum / Math.Sqrt(sum * sum + NormalisationAlpha), -1, 1);

    internal static string Normalize(string text) =>
        text.Contains('\u2019', StringComparison.Ordinal) ? text.Replace('\u2019', '\'') : text;

    internal static bool IsNegator(string token) =>
        Negators.Contains(token) || token.EndsWith("n't", StringComparison.OrdinalIgnoreCase);

    private static double ApplyModifiers(IReadOnlyList<string> tokens, int i, double v, bool shouting)
    {
        var negated = false;
        for (var d = 1; d <= 3 && i - d >= 0; d++)
        {
            var prev = tokens[i - d];
            if (Boosters.TryGetValue(prev, out var direction))
            {
                var scalar = direction * BoosterIncrement * Math.Sign(v);
                if (shouting && TextTokenizer.IsAllCaps(prev))
                {
                    scalar += direction * CapsIncrement * Math.Sign(v);
                }

                // Modifiers further away count less (0.95 at two tokens, 0.9 at three).
                v += scalar * (d == 1 ? 1 : d == 2 ? 0.95 : 0.9);
            }

            if (IsNegator(prev))
            {
                negated = true;
            }
        }

        return negated ? v * NegationScalar : v;
    }

    private static Dictionary<string, double> Modifiers(string boosters, string dampeners)
    {
        var map = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var w in boosters.Split(' '))
        {
            map[w] = 1;
        }

        foreach (var w in dampeners.Split(' '))
        {
            map[w] = -1;
        }

        return map;
    }

    private static readonly HashSet<string> ServiceNouns = new(StringComparer.OrdinalIgnoreCase) { "support", "help", "care" };

    private static readonly HashSet<string> ServiceBefore = new(StringComparer.OrdinalIgnoreCase)
    {
        "the", "your", "customer", "tech", "technical", "live", "product", "it", "need", "needs", "needed", "want",
        "for", "get", "contact", "contacted", "called", "emailed", "asked", "ask", "request", "requested",
    };

    private static readonly HashSet<string> ServiceAfter = new(StringComparer.OrdinalIgnoreCase)
    {
        "team", "agent", "agents", "staff", "ticket", "tickets", "desk", "center", "centre", "line", "department",
        "page", "chat", "email", "was", "were", "is", "has", "hasn't", "never", "said", "told", "with",
    };

    private static bool IsServiceNoun(IReadOnlyList<string> tokens, int i) =>
        ServiceNouns.Contains(tokens[i])
        && (i > 0 && ServiceBefore.Contains(tokens[i - 1]) || i + 1 < tokens.Count && ServiceAfter.Contains(tokens[i + 1]));

    private static double PunctuationEmphasis(string text)
    {
        int bangs = 0, questions = 0;
        foreach (var c in text)
        {
            if (c == '!')
            {
                bangs++;
            }
            else if (c == '?')
            {
                questions++;
            }
        }

        var emphasis = Math.Min(bangs, 4) * ExclamationIncrement;
        if (questions > 1)
        {
            emphasis += questions <= 3 ? questions * QuestionIncrement : 0.96;
        }

        return emphasis;
    }

    private static bool IsMixedCase(IReadOnlyList<string> tokens)
    {
        // Caps emphasis only counts when some words are not in caps (a text all in caps is not emphasis).
        int caps = 0, words = 0;
        foreach (var t in tokens)
        {
            if (t.Length > 0 && char.IsLetter(t[0]))
            {
                words++;
                if (TextTokenizer.IsAllCaps(t))
                {
                    caps++;
                }
            }
        }

        return caps > 0 && caps < words;
    }
}
