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

    // "never so …": the reference implementation of Hutto & Gilbert 2014 multiplies by 1.25 instead of negating.
    internal const double NeverSoScalar = 1.25;

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
        var clauseStart = ClauseStarts(text, tokens);
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
                if (Boosters.ContainsKey(token) || !TryGetValence(token, out v) || v == 0)
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

                v = ApplyModifiers(tokens, clauseStart, i, v, shouting);
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

    /// <summary>
    /// The lexicon valence of a token, or of its lengthened form shortened ("sooo goood" → "good"): Brody &amp;
    /// Diakopoulos 2011 found lengthening common in social text and nearly always on sentiment-bearing words.
    /// Runs of three or more of one letter are cut to two, then to one, and the first form the lexicon knows is used.
    /// </summary>
    private bool TryGetValence(string token, out double valence)
    {
        if (Lexicon.TryGetValence(token, out valence))
        {
            return true;
        }

        if (!HasLetterRun(token))
        {
            return false;
        }

        return Lexicon.TryGetValence(Shorten(token, 2), out valence) || Lexicon.TryGetValence(Shorten(token, 1), out valence);
    }

    internal static bool HasLetterRun(string t)
    {
        for (var i = 2; i < t.Length; i++)
        {
            if (char.IsLetter(t[i]) && char.ToLowerInvariant(t[i]) == char.ToLowerInvariant(t[i - 1]) && char.ToLowerInvariant(t[i]) == char.ToLowerInvariant(t[i - 2]))
            {
                return true;
            }
        }

        return false;
    }

    private static string Shorten(string t, int keep)
    {
        var b = new System.Text.StringBuilder(t.Length);
        var run = 0;
        for (var i = 0; i < t.Length; i++)
        {
            run = i > 0 && char.ToLowerInvariant(t[i]) == char.ToLowerInvariant(t[i - 1]) ? run + 1 : 1;
            if (run <= keep || !char.IsLetter(t[i]))
            {
                b.Append(t[i]);
            }
        }

        return b.ToString();
    }

    /// <summary>Hutto &amp; Gilbert 2014: x / sqrt(x² + α), α = 15, maps a valence sum into (-1, 1).</summary>
    public static double Normalise(double sum) => Math.Clamp(sum / Math.Sqrt(sum * sum + NormalisationAlpha), -1, 1);

    internal static string Normalize(string text) =>
        text.Contains('\u2019', StringComparison.Ordinal) ? text.Replace('\u2019', '\'') : text;

    internal static bool IsNegator(string token) =>
        Negators.Contains(token) || token.EndsWith("n't", StringComparison.OrdinalIgnoreCase);

    private static double ApplyModifiers(IReadOnlyList<string> tokens, bool[] clauseStart, int i, double v, bool shouting)
    {
        var negations = 0;
        var intensified = false;
        for (var d = 1; d <= 3 && i - d >= 0; d++)
        {
            // Negators and degree modifiers act within their clause: "Nah. Enjoy your food" is not a negated "enjoy"
            // (negation scope ends at punctuation, as in Das &amp; Chen 2001 and Pang, Lee &amp; Vaithyanathan 2002).
            if (clauseStart[i - d + 1])
            {
                break;
            }

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
                // "never so good", "never this happy": "never" stresses the word rather than negating it (Hutto & Gilbert 2014's
                // reference implementation does the same). Each other negator flips once, so "not without merit" is positive.
                if (d >= 2 && string.Equals(prev, "never", StringComparison.OrdinalIgnoreCase) && StressedByNever(tokens, i - d + 1, i))
                {
                    intensified = true;
                }
                else
                {
                    negations++;
                }
            }
        }

        // "least" negates unless it is "at least" / "very least": "the least appealing" is unappealing.
        if (i >= 1 && !clauseStart[i] && string.Equals(tokens[i - 1], "least", StringComparison.OrdinalIgnoreCase)
            && !(i >= 2 && (string.Equals(tokens[i - 2], "at", StringComparison.OrdinalIgnoreCase) || string.Equals(tokens[i - 2], "very", StringComparison.OrdinalIgnoreCase))))
        {
            negations++;
        }

        if (intensified)
        {
            v *= NeverSoScalar;
        }

        return negations % 2 == 1 ? v * NegationScalar : v;
    }

    private static bool StressedByNever(IReadOnlyList<string> tokens, int from, int to)
    {
        for (var j = from; j < to; j++)
        {
            if (string.Equals(tokens[j], "so", StringComparison.OrdinalIgnoreCase) || string.Equals(tokens[j], "this", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// For each token, whether sentence punctuation (. ; : ! ?) stands between it and the token before: found by
    /// locating the tokens in order in the text, so any tokeniser's output works.
    /// </summary>
    internal static bool[] ClauseStarts(string text, IReadOnlyList<string> tokens)
    {
        var starts = new bool[tokens.Count];
        var cursor = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var at = text.IndexOf(tokens[i], cursor, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            for (var p = cursor; p < at && i > 0; p++)
            {
                if (text[p] is '.' or ';' or ':' or '!' or '?')
                {
                    starts[i] = true;
                    break;
                }
            }

            cursor = at + tokens[i].Length;
        }

        return starts;
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
