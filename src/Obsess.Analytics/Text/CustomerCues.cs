using System.Text.RegularExpressions;

namespace Obsess.Analytics.Text;

/// <summary>What <see cref="CustomerCues"/> found in one customer text.</summary>
public sealed record CustomerEvidence
{
    /// <summary>Negative situations that are not negated or resolved: problems ("keeps crashing", "charged twice"), churn, sarcasm.</summary>
    public required int Negative { get; init; }

    /// <summary>The problems among <see cref="Negative"/> (not churn or sarcasm): 0 when the text states a resolution.</summary>
    public int Problems { get; init; }

    /// <summary>A churn threat (<see cref="IntentDetector"/>'s rules), found once here for sentiment and intents alike.</summary>
    public bool Churn { get; init; }

    /// <summary>A sarcastic idiom or scare-quoted word next to a complaint ("thanks for nothing", "great, just great").</summary>
    public required bool Sarcasm { get; init; }

    /// <summary>A resolution ("fixed", "problem solved", "back to normal") that is not negated.</summary>
    public required bool Resolved { get; init; }

    /// <summary>A praise phrase that is not sarcastic.</summary>
    public required bool Praise { get; init; }

    /// <summary>Strongest positive valence of a word that is not a politeness formula, after negation (0 if none).</summary>
    public required double StrongestPositive { get; init; }

    /// <summary>Most negative valence of a word, after negation (0 if none).</summary>
    public required double StrongestNegative { get; init; }

    /// <summary>"but", "though", "although", "however", "except", "yet": a contrast between two opinions.</summary>
    public required bool Contrast { get; init; }

    /// <summary>Any evaluative evidence: a rated word other than politeness, an emoji, a praise phrase or a negative situation.</summary>
    public bool Evaluative => Negative > 0 || Praise || Resolved || StrongestPositive > 0 || StrongestNegative < 0 || EmojiCount > 0;

    public required int EmojiCount { get; init; }

    /// <summary>The text reads as a service message: a question, a request, or a mention of orders, accounts, bills and the like.</summary>
    public required bool ServiceContext { get; init; }

    /// <summary>The text names something customers deal with (an order, an account, a bill, a password …); matched on demand.</summary>
    public bool ServiceTopic => CustomerCues.HasServiceTopic(Lower);

    /// <summary>The text says it is surprised ("wow", "can't believe", "unexpected", "?!"); matched on demand.</summary>
    public bool SurpriseCue => CustomerCues.HasSurpriseCue(Lower);

    /// <summary>The lower-cased text, for the cues only emotions need (sentiment alone does not pay for them).</summary>
    internal string Lower { get; init; } = "";
}

/// <summary>
/// Customer-service evidence for sentiment, on top of the lexicon: our own word lists for the situations customers
/// complain about, which general lexicons and review/social training data do not rate ("charged twice", "still waiting",
/// "nobody answers"), and sarcasm read as a positive phrase next to a negative situation (Riloff et al. 2013,
/// "Sarcasm as Contrast between a Positive Sentiment and Negative Situation", EMNLP). A situation preceded by a negator
/// within three words of its clause ("never crashed", "not broken") does not count. Stateless and thread-safe.
/// </summary>
public static class CustomerCues
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    // Negative situations in customer service: failures, money taken wrongly, waiting, silence, loss, damage.
    private static readonly Regex Problem = new(
        @"\b(crash(es|ed|ing)?|broken|broke\s+(down|again)|bugs|buggy|glitch(es|y)?|outages?|freez(es|ing)|froze|keeps?\s+(crashing|failing|freezing|logging\s+me\s+out|spinning|dropping|disconnecting|asking|getting)|stopped\s+(working|charging|loading)|logged\s+me\s+out|(got\s+)?disconnected|(is|are|was|went|been)\s+down(\s+again)?|down\s+again)\b"
        + @"|\b(doesn'?t|does\s+not|didn'?t|did\s+not|won'?t|will\s+not|can'?t|cannot|couldn'?t|never)\s+(work|load|arrive|open|respond|reply|connect|answer|access|log\s*in|help|fix|solve|charge|came|come|showed\s+up|show\s+up|receive|received|got|get\s+back|tell|recogni[sz]e)"
        + @"|\b(charged\s+(me\s+)?(twice|double|again|for)|double[-\s]charged|overcharg(ed|ing)|charging\s+my\s+card|took\s+the\s+money|money\s+left|(refund|money)\s+(not|never|still\s+not)\s+(received|arrived|returned|back)|not\s+received|hidden\s+(fee|charge)s?|(cancellation|late|extra)\s+fees?)"
        + @"|\b(still\s+(waiting|no|not|nothing|open|hasn'?t|haven'?t|broken|took|takes|charging|charged)|(so|too|very|how|painfully|really|incredibly)\s+slow|slow\s+(to\s+)?(reply|respond|load|delivery|service)|no\s+(reply|response|answer|update|sign|way)|(nobody|no\s+one)\s+(\w+\s+)?(answers?|answered|replies|replied|responds?|responded|calls?|called|helped|got\s+back|could\s+tell|can\s+tell|told|cared|fixed)|hung\s+up|on\s+hold|waited\s+(all|for|over)|waiting\s+(for|another|all))"
        + @"|\b((lost|losing|lose)\s+(my|our|the|all)|(late|delayed|cancel(l)?ed|overbooked)\b(\s+again)?|wrong\s+(item|order|size|address|colour|color|amount|answer|one|price)|(is|was|were|arrived|came)\s+(missing|damaged|smashed|cracked|broken|faulty|defective|spoiled|soaked|ruined|stained|late|cold|off)|missing\s+from|fell\s+apart|mou?ld|rotten|stale|expired|refuse[sd]?\s+to|want\s+(my\s+money\s+back|a\s+refund)|refund\s+(my|the)|(asked|ask)\s+for\s+a\s+refund|price(s)?\s+(went|go|going)\s+up|(every|each)\s+single\s+time)"
        + @"|\b(done\s+with\s+(this|you|your)|fed\s+up|had\s+enough|never\s+(order|buy|shop|use|fly|book|stay)\w*\s+.*\bagain|(shop|go|take\s+my\s+business)\s+(somewhere|elsewhere)|(a|absolute|total|complete|what\s+a)\s+joke|is\s+a\s+joke|joke\s+of\s+a|so-called|waste\s+of|wasting\s+(my|our)|(ombudsman|regulator)|nothing\s+like\s+the)\b",
        Options);

    // Positive words used as sarcasm: fixed idioms.
    private static readonly Regex SarcasmIdiom = new(
        @"\b(thanks?|thank\s+you)\s+(a\s+lot\s+|so\s+much\s+)?for\s+(nothing|wasting|losing|ruining|making\s+me\s+wait|the\s+'|the\s+"")"
        + @"|\byeah,?\s+(right|sure|really)\b|\b(great|wonderful|brilliant|perfect|lovely|fantastic),?\s+just\s+(great|wonderful|brilliant|perfect|lovely|fantastic)\b"
        + @"|^\s*oh\s+joy\b|\bwhat\s+a\s+surprise\b|\bclassic\s*[.!]?\s*$",
        Options);

    // A positive interjection opening the message: sarcasm next to a complaint ("Oh wonderful, another outage"), sincere
    // otherwise ("Brilliant, thank you!", "Perfect, that works").
    private static readonly Regex SarcasmOpening = new(
        @"^\s*(oh\s+)?(great|wonderful|brilliant|perfect|lovely|fantastic|sure|nice\s+one|well\s+done)\s*[,.!]|^\s*oh\s+(great|wonderful|brilliant|perfect|lovely|fantastic|sure)\b",
        Options);

    // Words of a problem that name none: a late relative, the customer's own slip ("I ordered the wrong size"), "is it too
    // late to …?".
    private static readonly Regex NotAProblem = new(
        @"\b(my|our|his|her|their)\s+late\s+(father|mother|husband|wife|partner|son|daughter|dad|mum|mom|brother|sister|grandfather|grandmother|grandma|grandpa|uncle|aunt|parents?|friend)\b"
        + @"|\b(i|we)\s+(accidentally\s+|mistakenly\s+|must\s+have\s+)?(ordered|bought|chose|picked|selected|booked|entered|typed|put\s+in|gave\s+you)\s+(the|a|an)\s+wrong\b"
        + @"|^\s*(is|am|are|was)\s+(it|i|we)\s+too\s+late\b",
        Options);

    // A fee asked about, not charged: "is there a cancellation fee?", "what's the late fee?" ("why was I charged a late
    // fee?" stays a complaint).
    private static readonly Regex FeeQuestion = new(@"^\s*(is|are|what|what's|how|do|does|will|would|can|could|when|if)\b[^.!]*\b(cancellation|late|extra)\s+(fee|charge)s?\b", Options);

    private static readonly Regex Fee = new(@"\b(cancellation|late|extra)\s+(fee|charge)s?\b", Options);

    // A short span in quotation marks ('express', "help"): scare quotes, read as irony when the text also complains.
    private static readonly Regex ScareQuote = new(@"(^|[\s(])['""\u2018\u201C]([^'""\u2019\u201D]{1,30})['""\u2019\u201D]", RegexOptions.CultureInvariant);

    private static readonly Regex Resolution = new(
        @"\b(fixed|resolved|solved|sorted(\s+out)?|back\s+to\s+normal|works\s+(now|again|perfectly)|working\s+again|replaced|(bugs?|problems?|issues?|errors?)\s+(are|is)\s+gone|refund\s+(arrived|came))\b",
        Options);

    private static readonly HashSet<string> Contrasts = new(StringComparer.OrdinalIgnoreCase) { "but", "though", "although", "however", "except", "yet" };

    // Formulae of politeness and request verbs the lexicon rates but which state no opinion in a service message.
    private static readonly HashSet<string> Politeness = new(StringComparer.OrdinalIgnoreCase)
    {
        "please", "thanks", "thank", "thx", "ty", "kindly", "welcome", "hi", "hello", "hey", "dear", "ok", "okay", "yes",
        "yeah", "sure", "well", "want", "wants", "wanted", "pardon", "sorry", "appreciate",
    };

    /// <summary>
    /// Words rated weaker than this (on the ±4 scale: "number" 0.3, "pay" −0.4) are not evaluative evidence here; a
    /// design constant (a quarter of the scale), checked on the customer-service development set.
    /// </summary>
    public const double EvaluativeValence = 1.0;

    private static readonly HashSet<string> WouldLike = new(StringComparer.OrdinalIgnoreCase) { "would", "i'd", "we'd", "you'd", "d", "'d" };

    // What customers deal with (orders, accounts, bills): shared by the service-message and service-topic patterns.
    private const string ServiceNouns =
        "order|orders|account|invoice|bill|billing|booking|reservation|delivery|delivered|package|parcel|refund|subscription|plan|ticket|payment|card|password|contract|address|receipt|tracking|appointment|flight|statement|warranty|technician|courier|driver|store|branch|shipping|shipped|checkout|login|support|agent";

    // A service message: a question, a request, or a mention of what customers deal with.
    private static readonly Regex ServiceContext = new(
        @"\?|^\s*(how|what|when|where|why|who|which|can|could|is|are|do|does|did|will|would|should|may|has|have)\b|\b(please|i'?d\s+like|i\s+would\s+like|we'?d\s+like|i\s+need|we\s+need|i\s+want\s+to|we\s+want\s+to|can\s+you|could\s+you)\b"
        + @"|\b(" + ServiceNouns + @"|number|app|website)\b",
        Options);

    // A service topic alone (no question or request needed), for the emotions of a neutral message.
    private static readonly Regex ServiceTopicWords = new(@"\b(" + ServiceNouns + @"|plans|opening\s+hours|fees?|policy|size|stock|customs)\b", Options);

    // Words and marks of surprise (GoEmotions' surprise, amazement and realization read in customer text).
    private static readonly Regex Surprise = new(
        @"\b(wow|whoa|woah|omg|surprised|surprising|surprisingly|shocked|shocking|astonished|amazed|can'?t\s+believe|cannot\s+believe|unbelievable|unexpected(ly)?|didn'?t\s+expect|out\s+of\s+nowhere|suddenly|all\s+of\s+a\s+sudden)\b|\?!|!\?",
        Options);

    internal static bool HasServiceTopic(string lower) => ServiceTopicWords.IsMatch(lower);

    internal static bool HasSurpriseCue(string lower) => Surprise.IsMatch(lower);

    /// <summary>
    /// True when the text holds a sarcastic idiom ("thanks for nothing"), or opens with a positive interjection
    /// ("oh wonderful, …") and <paramref name="complaining"/>; praise phrases there are not praise.
    /// </summary>
    public static bool IsSarcastic(string lowerText, bool complaining) =>
        SarcasmIdiom.IsMatch(lowerText) || complaining && SarcasmOpening.IsMatch(lowerText);

    /// <summary>
    /// The lower-cased text with words that name no problem blanked out (same length, so positions hold): "my late
    /// father", "I ordered the wrong size", a fee asked about. The same instance when there are none.
    /// </summary>
    internal static string MaskNonProblems(string lower)
    {
        var late = lower.Contains("late", StringComparison.Ordinal);
        if ((late || lower.Contains("wrong", StringComparison.Ordinal)) && NotAProblem.IsMatch(lower))
        {
            lower = NotAProblem.Replace(lower, m => new string(' ', m.Length));
        }

        if ((late || lower.Contains("fee", StringComparison.Ordinal) || lower.Contains("charge", StringComparison.Ordinal)) && FeeQuestion.IsMatch(lower))
        {
            lower = Fee.Replace(lower, m => new string(' ', m.Length));
        }

        return lower;
    }

    public static CustomerEvidence Find(string text, IReadOnlyList<string> tokens, RuleSentiment rule, SentimentLexicon lexicon)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(lexicon);
        var lower = text.ToLowerInvariant();
        var problems = CountUnnegated(Problem, MaskNonProblems(lower));
        var resolved = HasUnnegated(Resolution, lower);
        var churn = IntentDetector.IsChurn(text);
        var sarcasm = SarcasmIdiom.IsMatch(lower)
            || SarcasmOpening.IsMatch(lower) && (problems > 0 || churn || IntentDetector.HasComplaintPhrase(lower));
        var quoted = ScareQuote.Matches(text).Select(m => m.Groups[2].Value.ToLowerInvariant()).ToList();
        if (!sarcasm && quoted.Count > 0 && (problems > 0 || churn))
        {
            sarcasm = true;
        }

        // A resolved problem is no longer a complaint ("the login issue is fixed"), unless the customer still leaves.
        var negative = (resolved ? 0 : problems) + (churn ? 1 : 0) + (sarcasm ? 1 : 0);
        var praise = !sarcasm && IntentDetector.HasPraisePhrase(lower);

        var clauseStart = RuleSentimentScorer.ClauseStarts(text, tokens);
        double strongestPos = 0, strongestNeg = 0;
        var contrast = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (Contrasts.Contains(token))
            {
                contrast = true;
                continue;
            }

            if (Politeness.Contains(token) || RuleSentimentScorer.IsServiceNoun(tokens, i) || !lexicon.TryGetValence(token.ToLowerInvariant(), out var v) || Math.Abs(v) < EvaluativeValence)
            {
                continue;
            }

            // "I'd like to …" is a request, not liking; a quoted word is ironic; "problem solved" states no problem.
            if (string.Equals(token, "like", StringComparison.OrdinalIgnoreCase) && i > 0 && WouldLike.Contains(tokens[i - 1])
                || quoted.Any(q => q.Contains(token, StringComparison.OrdinalIgnoreCase))
                || v < 0 && resolved && FollowedByResolution(tokens, i))
            {
                continue;
            }

            if (Negated(tokens, clauseStart, i))
            {
                v *= RuleSentimentScorer.NegationScalar;
            }

            strongestPos = Math.Max(strongestPos, v);
            strongestNeg = Math.Min(strongestNeg, v);
        }

        return new CustomerEvidence
        {
            Negative = negative,
            Problems = resolved ? 0 : problems,
            Churn = churn,
            Sarcasm = sarcasm,
            Resolved = resolved,
            Praise = praise,
            StrongestPositive = sarcasm ? 0 : strongestPos,
            StrongestNegative = strongestNeg,
            Contrast = contrast,
            EmojiCount = rule.Emoji,
            ServiceContext = ServiceContext.IsMatch(lower),
            Lower = lower,
        };
    }

    private static bool FollowedByResolution(IReadOnlyList<string> tokens, int i)
    {
        for (var d = 1; d <= 3 && i + d < tokens.Count; d++)
        {
            if (Resolution.IsMatch(tokens[i + d].ToLowerInvariant()))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Negated(IReadOnlyList<string> tokens, bool[] clauseStart, int i)
    {
        var flips = 0;
        for (var d = 1; d <= 3 && i - d >= 0; d++)
        {
            if (clauseStart[i - d + 1])
            {
                break;
            }

            flips += RuleSentimentScorer.IsNegator(tokens[i - d]) ? 1 : 0;
        }

        return flips % 2 == 1;
    }

    /// <summary>Whether some match is not preceded, within three words of its clause, by a negator (stops at the first).</summary>
    internal static bool HasUnnegated(Regex pattern, string lower)
    {
        foreach (var m in pattern.EnumerateMatches(lower))
        {
            if (!NegatedBefore(lower, m.Index))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Matches not preceded, within three words of the same clause, by a negator ("never crashed", "nobody has fixed").</summary>
    private static int CountUnnegated(Regex pattern, string lower)
    {
        var n = 0;
        foreach (var m in pattern.EnumerateMatches(lower))
        {
            if (!NegatedBefore(lower, m.Index))
            {
                n++;
            }
        }

        return n;
    }

    private static bool NegatedBefore(string lower, int at)
    {
        var words = 0;
        var end = at;
        for (var p = at - 1; p >= 0 && words < 3; p--)
        {
            var c = lower[p];
            if (c is '.' or ';' or ':' or '!' or '?' or ',')
            {
                return false;
            }

            if (char.IsWhiteSpace(c) || p == 0)
            {
                var start = char.IsWhiteSpace(c) ? p + 1 : p;
                if (start < end)
                {
                    if (RuleSentimentScorer.IsNegator(lower[start..end]))
                    {
                        return true;
                    }

                    words++;
                }

                end = p;
            }
        }

        return false;
    }
}
