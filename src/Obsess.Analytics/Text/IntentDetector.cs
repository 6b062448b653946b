using System.Text.RegularExpressions;

namespace Obsess.Analytics.Text;

public enum Intent
{
    /// <summary>The customer threatens to leave: "cancel my account", "switching to …", "close my account".</summary>
    ChurnThreat,
    Complaint,
    Praise,
    Question,

    /// <summary>The customer asks for a person: "let me talk to a human", "I want a manager".</summary>
    HumanRequest,
}

public sealed record IntentResult
{
    public required IReadOnlyList<Intent> Intents { get; init; }

    /// <summary>How soon someone should act, in [0, 1].</summary>
    public required double Urgency { get; init; }
}

/// <summary>
/// Rule-based intents and urgency for English customer messages. The patterns and cue weights are design choices
/// written for customer-service text (not fitted); urgency combines its cues by noisy-or, 1 − Π(1 − cᵢ).
/// Stateless and thread-safe (compiled regular expressions are immutable).
/// </summary>
public static partial class IntentDetector
{
    /// <summary>Compound at or below which a message counts as a complaint even without a complaint phrase.</summary>
    public const double ComplaintSentiment = -0.4;

    /// <summary>Compound at or above which a message counts as praise even without a praise phrase.</summary>
    public const double PraiseSentiment = 0.5;

    /// <summary>A single word this positive (on the ±4 scale) makes a complaining message praise too.</summary>
    public const double StrongPraiseValence = 2.0;

    /// <summary>
    /// Intents and urgency of an English message, given its sentiment score and, optionally, the rule details and the
    /// customer-service evidence (<see cref="CustomerCues"/>): a problem found there ("hung up on me", "charged twice")
    /// is a complaint even when the message's words are mild.
    /// </summary>
    public static IntentResult Detect(string text, double sentiment, RuleSentiment? rule = null, CustomerEvidence? evidence = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var original = RuleSentimentScorer.Normalize(text);
        text = original.ToLowerInvariant();
        var intents = new List<Intent>(3);
        var churn = evidence?.Churn ?? IsChurnLower(text, original);
        var human = Human.IsMatch(text);
        var question = IsQuestion(text);
        // Complaint phrases count unless a negator comes just before them ("not terrible", "never had a problem"), and
        // not in words that name no problem ("my late father", "I ordered the wrong size", "is there a late fee?"); the
        // sentiment does not either when such words are there, as it reads them as negative ("wrong").
        var cues = CustomerCues.MaskNonProblems(text);
        var complaint = sentiment <= ComplaintSentiment && ReferenceEquals(cues, text) || evidence is { Problems: > 0 }
            || CustomerCues.HasUnnegated(ComplaintPhrase, cues) || CustomerCues.HasUnnegated(ComplaintSituation, cues)
            || CustomerCues.HasUnnegated(ComplaintCue, cues) || CustomerCues.HasUnnegated(ComplaintCue2, cues);
        // Saying goodbye while complaining ("Goodbye, I've had enough of the outages") is leaving.
        churn = churn || complaint && Farewell.IsMatch(text);
        // "Brilliant, thank you!" is sincere; an opening "brilliant," is sarcasm only next to a complaint.
        var sarcastic = CustomerCues.IsSarcastic(text, complaint || churn);
        // Praise needs an unnegated praise phrase, or a clearly positive message that asks, requests and complains about
        // nothing ("would love a dark mode" is a request); a mixed message ("love it, but …") is praise and complaint at
        // once when it holds a strongly positive word and a contrast ("honestly" or "loyal" in a complaint praises
        // nothing). A sarcastic idiom ("thanks for nothing") is never praise, and thanks alone are politeness in a
        // complaint or a goodbye ("thanks for the trial", "thanks for the reply, but the problem is still there").
        var praise = !sarcastic && CustomerCues.HasUnnegated(PraisePhrase, text)
                && (!complaint && !churn || CustomerCues.HasUnnegated(StrongPraisePhrase, text))
            || !sarcastic && !complaint && !question && !churn && !human && !Request.IsMatch(text) && sentiment >= PraiseSentiment
            || !sarcastic && complaint && rule is not null && rule.StrongestPositive >= StrongPraiseValence && (evidence?.Contrast ?? true);

        if (churn)
        {
            intents.Add(Intent.ChurnThreat);
        }

        if (complaint)
        {
            intents.Add(Intent.Complaint);
        }

        if (praise)
        {
            intents.Add(Intent.Praise);
        }

        if (question)
        {
            intents.Add(Intent.Question);
        }

        if (human)
        {
            intents.Add(Intent.HumanRequest);
        }

        return new IntentResult { Intents = intents, Urgency = Urgency(text, original, sentiment, churn, complaint, human) };
    }

    /// <summary>Whether the (normalised, original-case) text threatens to leave.</summary>
    internal static bool IsChurn(string original) => IsChurnLower(original.ToLowerInvariant(), original);

    private static bool IsChurnLower(string text, string original) =>
        Churn.IsMatch(text) || SwitchToBrand().IsMatch(original) || (text.Contains(" with ", StringComparison.Ordinal) && SignedWithBrand().IsMatch(original)) || CancelsService(text);

    private static readonly HashSet<string> NotAService = new(StringComparer.Ordinal)
    {
        "order", "orders", "booking", "bookings", "reservation", "reservations", "flight", "flights", "appointment",
        "appointments", "delivery", "deliveries", "payment", "payments", "transfer", "item", "items", "request",
        "ticket", "shipment", "call", "meeting", "trip", "room", "purchase", "upgrade", "downgrade", "change", "changes",
        "return", "refund", "invoice", "charge", "transaction", "check", "cheque", "visit", "class", "lesson", "table",
    };

    private static readonly HashSet<string> CancelNegators = new(StringComparer.Ordinal)
    {
        "not", "don't", "dont", "won't", "wont", "never", "without", "instead", "didn't", "can't", "cannot",
    };

    /// <summary>
    /// "I'm cancelling.", "please cancel", "going to cancel unless …": the verb with no object, or an object that is not
    /// an order, a booking or the like ("cancel order 5521" and "cancel the meeting" are requests, not churn).
    /// </summary>
    private static bool CancelsService(string lower)
    {
        if (!lower.Contains("cancel", StringComparison.Ordinal))
        {
            return false; // the pattern's optional words before the verb make it slow to scan for nothing
        }

        foreach (Match m in CancelVerb().Matches(lower))
        {
            var before = m.Groups["before"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (before.Any(CancelNegators.Contains) || before.Length > 0 && before[^1] == "of")
            {
                continue; // "not cancelling", "instead of cancelling", "how to avoid cancelling"
            }

            var after = m.Groups["after"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!after.Any(w => NotAService.Contains(w) || w.All(char.IsDigit)))
            {
                return true;
            }
        }

        return false;
    }

    // The verb, up to two words before it and up to three after it, within one clause.
    [GeneratedRegex(@"(?<before>(?:[\w']+ ){0,2})\bcancel(?:l?ing)?\b(?<after>(?: [\w']+){0,3})", RegexOptions.CultureInvariant)]
    private static partial Regex CancelVerb();

    // "We've signed with Intercom", "went with HubSpot": a capitalised name after the verb.
    [GeneratedRegex(@"\b([Ss]igned|[Gg]one|[Ww]ent|[Gg]oing)\s+(up\s+)?with\s+(\p{Lu}\w+|a\s+competitor|another\s+(provider|company|vendor|bank|supplier))", RegexOptions.CultureInvariant)]
    private static partial Regex SignedWithBrand();

    /// <summary>Whether the lower-cased text holds a praise phrase ("thank you", "well done", "highly recommend").</summary>
    internal static bool HasPraisePhrase(string lowerText) => PraisePhrase.IsMatch(lowerText);

    /// <summary>Whether the lower-cased text holds an unnegated complaint phrase (not the sentiment or the customer-service problems).</summary>
    internal static bool HasComplaintPhrase(string lowerText)
    {
        var cues = CustomerCues.MaskNonProblems(lowerText);
        return CustomerCues.HasUnnegated(ComplaintPhrase, cues) || CustomerCues.HasUnnegated(ComplaintSituation, cues) || CustomerCues.HasUnnegated(ComplaintCue, cues)
            || CustomerCues.HasUnnegated(ComplaintCue2, cues);
    }

    private static bool IsQuestion(string text)
    {
        if (text.Contains('?', StringComparison.Ordinal))
        {
            return true;
        }

        return QuestionOpening.IsMatch(text);
    }

    private static double Urgency(string text, string original, double sentiment, bool churn, bool complaint, bool human)
    {
        var calm = 1.0;
        void Cue(bool present, double weight)
        {
            if (present)
            {
                calm *= 1 - weight;
            }
        }

        Cue(UrgentWord.IsMatch(text), 0.6);
        Cue(Blocking.IsMatch(text), 0.5);
        Cue(churn, 0.45);
        Cue(human, 0.25);
        Cue(complaint, 0.2);
        Cue(sentiment < 0, Math.Min(1, -sentiment) * 0.35);
        var bangs = text.Count(c => c == '!');
        Cue(bangs > 0, Math.Min(bangs, 3) * 0.07);
        Cue(ShoutedWords(original) >= 2, 0.15);
        return Math.Clamp(1 - calm, 0, 1);
    }

    private static int ShoutedWords(string text)
    {
        var n = 0;
        foreach (var w in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            n += TextTokenizer.IsAllCaps(w) && w.Length >= 3 ? 1 : 0;
        }

        return n;
    }

    // Patterns are written in lower case and run on the lower-cased text: case-insensitive matching and the
    // backtracking engine were 10-50x slower on these large alternations (measured with text-speed).
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    // "switching to Zendesk", "moved our team to Freshdesk": a capitalised name after the verb, so "switching to the
    // annual plan" is not churn. "Moving to" or "going to" a name alone is not either: it is as often a city ("our
    // company is moving to Berlin") or a menu ("go to Settings"); "moving over to" is.
    [GeneratedRegex(@"\b([Ss]witch(ing|ed)?|[Pp]ort(ing)?|[Mm]igrat(e|ing|ed))\s+(over\s+)?to\s+\p{Lu}\w+|\b([Mm]ov(e|ed|ing)|[Gg]o(ing)?|[Gg]one|[Ww]ent)\s+over\s+to\s+\p{Lu}\w+"
        + @"|\b([Mm]ov(e|ed|ing)|[Mm]igrat(e|ed|ing)|[Ss]witch(ed|ing)?)\s+(our|my|the)\s+(team|data|users|accounts?|workspace|everything)\s+(over\s+)?to\s+\p{Lu}\w+", RegexOptions.CultureInvariant)]
    private static partial Regex SwitchToBrand();

    // Leaving in anger: a churn threat that is also a complaint ("you've lost a customer", "the last month you'll get my
    // money", "leaving after this", "taking my business elsewhere").
    private const string LeavingInAngerPattern =
        @"\b(last|final)\s+(month|time|year|payment|order|bill)\s+(you('ll|\s+will)\s+(ever\s+)?(get|see|have)|(i|we)('ll|\s+will)\s+(ever\s+)?(pay|order|use|buy|book|shop))\b"
        + @"|\byou('ve|\s+have)?\s+(just\s+)?lost\s+(a|another|one|me\s+as\s+a|yourselves\s+a|yourself\s+a)\s+([\w-]+\s+){0,2}customers?\b"
        + @"|\b(leav(e|ing)|elsewhere|cancel+(ing)?|switch(ing)?)\s+after\s+(this|that)\b|\b(take|taking|took)\s+(my|our)\s+business\s+(elsewhere|somewhere\s+else)\b";

    private static readonly Regex Churn = new(
        @"\b(cancel+(ing|ed)?|clos(e|ing)|delet(e|ing)|terminat(e|ing)|end(ing)?|shut(ting)? down|deactivat(e|ing)|stop(ping)?|discontinu(e|ing)|quit(ting)?)\s+(my|our|the)\s+(\w+\s+)?(account|subscription|membership|plan|contract|service|license|licence|profile|workspace|policy)s?\b"
        + @"|\b(switch(ing|ed)?|mov(e|ing)|go(ing)?|port(ing)?|migrat(e|ing))\s+(over\s+)?to\s+(a\s+|an\s+|another\s+)?(competitor|((different|other|new|cheaper)\s+)?(provider|vendor|supplier|company|bank|platform|tool|carrier|network|insurer)s?\b)"
        + @"|\b(not|won't|will not|no longer)\s+(be\s+)?(renew|extend)(ing)?\b|\b(stop|turn\s+off|disable|cancel)\s+(the\s+)?(auto-?\s?renew(al|ing)?|renewing)\b|\bunsubscrib(e|ing)\b"
        + @"|\b(take|taking)\s+(my|our)\s+business\s+elsewhere\b|\b(find|finding|look(ing)?\s+for|try(ing)?)\s+(an?\s+|another\s+|other\s+)?(alternative|new|different|other|another)\s*(provider|company|vendor|service|supplier|tool|bank|app)?s?\b"
        + @"|\b(i'?m|i am|we'?re|we are)\s+(leaving|done with you|out\s*([.!,;]|$)|quitting)|\bcancel(l)?ation\b|\bcancel\s+(it|everything|now)\b|\bgoing\s+with\s+(a\s+)?competitor\b"
        + @"|\b(switch(ing|ed)?|chang(e|ing|ed))\s+(banks|providers|carriers|networks|suppliers|vendors|insurers|companies|platforms)\b"
        + @"|\b(evaluat(e|ing)|look(ing)?\s+at|consider(ing)?|explor(e|ing)|compar(e|ing)|trial(l)?ing)\s+(other|alternative|different|competing)\s+(tools|options|providers|vendors|solutions|platforms|products|services|suppliers|banks|companies|apps)\b"
        + @"|\bno\s+longer\s+(need|want|use|require)\s+(the|your|this|my|our)\s+(service|subscription|account|plan|membership|product|app|services)\b"
        // Third revision: leaving without naming an account or a rival.
        + @"|\b(decided|decision\s+is)\s+(not\s+to|to\s+not)\s+(continue|renew|extend|stay)(\s+(with\s+(you|your|this)|with\s+the\s+(service|platform|subscription|plan|membership)|our|my|the\s+(service|subscription|contract|plan|membership|account|licen[cs]e)|(with\s+us\s+)?after)\b|\s*([.!,;]|$))|\b(won'?t|will\s+not|not\s+going\s+to|no\s+longer)\s+(be\s+)?continu(e|ing)\s+(with|using)\b"
        + @"|\b(want|get\s+me|let\s+me)\s+out\s+of\s+(this|my|the|our)\s+(\w+\s+)?(contract|plan|subscription|agreement|membership|policy)\b"
        + @"|\b(think(ing)?|consider(ing)?|plan(ning)?|tempted|about|ready)\s+(about\s+|of\s+|on\s+|to\s+)?(leav(e|ing)|quit(ting)?)\s*([.!,;]|$|after\b|if\b|unless\b|because\b|over\b|you\b)"
        + "|" + LeavingInAngerPattern,
        Options);

    // A goodbye, which says leaving only next to a complaint.
    private static readonly Regex Farewell = new(@"^\s*(goodbye|good\s+bye|farewell)\b", Options);

    private static readonly Regex Human = new(
        @"\b(speak|talk|chat|connect\s+me|put\s+me\s+through|transfer\s+me)\s+(to|with)\s+(a\s+|an\s+|your\s+|the\s+|some\s+)?(real\s+|actual\s+|live\s+)?(human|person|agent|representative|rep|someone|somebody|manager|supervisor|operator|people)\b"
        + @"|\b(real|actual|live)\s+(human|person|agent)\b|\bhuman\s+(please|being)\b|\b(call|ring|phone)\s+me(\s+back)?\b|\bescalat(e|ion)\b"
        + @"|\b(need|want|get\s+me)\s+(a\s+|to\s+talk\s+to\s+a\s+)?(manager|supervisor)\b|\b(a|your)\s+(supervisor|manager)\s+(to\s+)?(review|look|call|contact|check)\b|\bnot\s+(a|another|your)\s+(bot|robot)\b|\bstop\s+(the\s+)?bot\b"
        + @"|\b(call|phone\s+call|callback|call\s+back)\s+from\s+(someone|somebody|a\s+person|an?\s+(agent|human|representative|advisor))\b"
        + @"|\bget\s+(me\s+)?(a|an)\s+(human|person|agent|representative)\b|\b(talk|speak|chat)\s+(to|with)\s+(whoever|anyone|anybody)\b"
        + @"|\bconnect\s+me\s+(to|with)\s+(customer\s+service|support|sales|billing|someone|somebody|a\s+person|an?\s+(agent|advisor))\b"
        // Third revision: a department, "put a person on this", a one-word ask ("Agent please."), "I want a person".
        + @"|\b(speak|talk|chat)\s+(to|with)\s+(your|a|an)\s+(\w+\s+)?(department|team|desk|specialist|advis[oe]r|consultant|expert)\b"
        + @"|\bput\s+(a|an|some|your)\s+(real\s+|actual\s+|live\s+)?(person|human|agent|manager|supervisor|rep|representative)\s+on\b|\bput\s+(someone|somebody)\s+on\b"
        + @"|^\s*(agent|operator|representative|rep|human|person|manager|supervisor)(\s+please|\s+now)?\s*[.!]*\s*$|\b(agent|operator|representative)\s*,?\s+please\b"
        + @"|\b(want|need|give\s+me)\s+(a|an)\s+(real\s+|actual\s+|live\s+)?(person|human|agent|representative|operator)\b",
        Options);

    private static readonly Regex ComplaintPhrase = new(
        @"\b(doesn'?t|does not|don'?t|do not|isn'?t|is not|won'?t|can'?t|cannot|couldn'?t|didn'?t|never)\s+(work|working|load|loading|arrive|arrived|open|respond|responded|connect|get\s+back|log\s*in|sync|charge|ship|come|answer|help|understand|fix|solve)"
        + @"|\bnot\s+(working|happy|satisfied|acceptable|received)\b|\b(broken|broke|crash(es|ed|ing)?|bug(gy|s)?|glitch|outage|down\s+again|is\s+down|keeps?\s+(crashing|failing|freezing|logging)|stopped\s+working)\b"
        + @"|\b(still\s+(waiting|no|not|nothing|haven'?t)|never\s+(got|received|arrived|heard)|no\s+(reply|response|answer|one\s+(got|has|answered)))\b|\b(overcharged|charged\s+(me\s+)?(twice|double|again|wrong)|double\s+charged|wrong\s+(item|order|size|amount|charge))\b"
        + @"|\b(unacceptable|ridiculous|disappointed|disappointing|frustrat(ed|ing)|annoy(ed|ing)|terrible|awful|horrible|worst|useless|rude|scam|complain(t)?|fed\s+up|waste\s+of|nightmare|absurd)\b|\b(want|need|demand|where\s+is|waiting\s+for)\s+(a|my|the)\s+refund\b|\b(arrived|came|was|is|running|delivered|showed\s+up)\s+late\b|\blate\s+(delivery|again|shipment)\b|\b(delayed|missing|damaged)\b"
        + @"|\b(nobody|no\s+one)\s+(has\s+|have\s+|ever\s+)?(replied|responded|answered|helped|called|got\s+back|replies|answers|responds|helps)\b|\bwithout\s+(fixing|solving|resolving|helping|answering|a\s+(reply|response|fix))\b|\bnothing\s+like\s+(the|what)\b|\bnot\s+what\s+(you|was|i|we)\s+(advertised|promised|described|ordered|paid\s+for|expected)\b|\b(says|said|shows|marked\s+as)\s+delivered\b|\b(was|were|is|are|arrived|came)\s+(cold|soggy|stale|dirty|filthy|broken|cracked|wrong|slow|empty|expired|faulty|defective)\b|\b(so|too|very|painfully|really)\s+(slow|expensive|complicated|confusing)\b|\bmakes?\s+no\s+sense\b|\blocked\s+out\b|\baccount\s+(is\s+|was\s+|got\s+|has\s+been\s+)?(locked|suspended|blocked|frozen)\b|\b(fail(s|ed|ing)?|failure)\b|\b(dies|died)\b|\bdrain(s|ing)?\s+(my\s+|the\s+)?battery\b|\bseriously\s*\?|\bon\s+hold\b|\bhold\s+music\b|\bprice\s+(hike|increase|went\s+up|going\s+up)\b|\bif\s+(this|it)\s+(isn\'?t|is\s+not|doesn\'?t\s+get|is\s+not\s+getting)\s+(fixed|resolved|sorted)\b|^\s*why\s+(can\'?t|cannot|won\'?t|doesn\'?t|isn\'?t|aren\'?t|didn\'?t|hasn\'?t|haven\'?t|is\s+it\s+so|does\s+it\s+take\s+so)\b"
,
        Options);

    // Problems told as facts rather than in complaint words ("hasn't moved", "made everything slower"); a second
    // pattern because one automaton for both exceeds the non-backtracking engine's size limit.
    private static readonly Regex ComplaintSituation = new(
        @"\b(doesn'?t|does\s+not|don'?t|do\s+not)\s+(exist|match|show\s+up|update)\b|\bheard\s+nothing\b|\b(logs|kicks|signs|logged|kicked|signed)\s+me\s+out\b"
        + @"|\b(sent|gave|delivered|shipped)\s+(me|us)\s+(the|a|an)\s+(\w+\s+){0,2}(one|item|size|colou?r|model|version),?\s+(but\s+)?(i|we)\s+(ordered|asked\s+for|wanted|paid\s+for|chose)\b"
        + @"|\b(is|are|was|were|came|arrived)\s+(blank|torn|ripped|scratched|dented|leaking|melted|unreadable|unusable|mouldy|moldy)\b"
        + @"|\b(gets?|getting|runs?|running)\s+(really\s+|very\s+|extremely\s+|too\s+|so\s+|super\s+)?(hot|loud|noisy)\b"
        + @"|\b(made|makes|making)\s+(it|everything|things|the\s+\w+)\s+(slower|worse|harder|unusable|unstable)\b|\b(slower|worse)\s+than\s+(before|ever)\b"
        + @"|\beven\s+though\s+(i|we)\s+(had\s+)?(turned|switched|cancel+ed|opted|asked|said|told|unsubscribed|paid|returned|called|updated|changed)\b"
        + @"|^\s*why\s+(does|did|do)\s+it\s+take\b|^\s*why\s+(is|was|are|were)\s+(my|our)\s+(bill|invoice|statement|payment|charge|order|package|parcel|refund|account|delivery)\b"
        + @"|\b(hasn'?t|has\s+not|haven'?t|have\s+not)\s+(moved|arrived|changed|been\s+(fixed|resolved|refunded|delivered|shipped|processed|updated))\b"
        + @"|\bstop\s+(sending|telling|asking|giving|redirecting|transferring|passing)\s+me\b|\bescalat(e|ing|ion)\b|\bis\s+(anyone|anybody)\s+(actually\s+|even\s+)?(reading|listening|there|working)\b"
        + @"|\b(unless|until)\s+(someone|somebody|you)\s+(\w+\s+)?(fix|fixes|sorts|resolves|refunds)\b|\bif\s+(this|it|the|my|our)(\s+\w+)?\s+(isn'?t|is\s+not|aren'?t|doesn'?t\s+get|is\s+not\s+getting)\s+(fixed|resolved|sorted|reversed|refunded|corrected)\b"
        + @"|\bbecause\s+of\s+(the\s+)?(price|prices|cost|costs|fees?|outages?|bugs?|delays?|downtime)\b|\b(shame|pity)\s+(about|that)\b|\bit'?s\s+a\s+(shame|pity)\b",
        Options);

    // Third revision (docs/bench/text.md §3): more problems told as facts, complaints about time and price, rhetorical
    // questions and understatement; third and fourth patterns for the same size limit.
    private static readonly Regex ComplaintCue = new(
        LeavingInAngerPattern
        + @"|\bprices?\s+(goes|went|keeps?\s+going|has\s+gone)\s+up\b|\bprice\s+(rises|hikes|increases)\b|\brip[-\s]?off\b|\bripped\s+(me\s+|us\s+)?off\b|\bdaylight\s+robbery\b|\bover[-\s]?priced\b"
        + @"|\b(card|payment|transaction)\s+(was\s+|got\s+|keeps\s+getting\s+|is\s+|has\s+been\s+)?declined\b|\bfor\s+no\s+(apparent\s+)?reason\b|\b(this\s+is|it'?s|that'?s|for)\s+the\s+(third|fourth|fifth|sixth|\d+th)\s+time\b|\b(third|fourth|fifth|sixth|\d+th)\s+time\s+(this|in\s+a\s+row|now|running|i'?ve|we'?ve|i\s+have|it\s+has|it'?s)\b"
        + @"|\bhad\s+to\s+(send|return|call|ring|phone|chase|wait|explain|repeat|email|take)\b|\b(runs?|running|ran|fits?|came\s+up)\s+(really\s+|very\s+|way\s+|so\s+|a\s+bit\s+|too\s+)?(small|large|big|tight|narrow)\b"
        + @"|\b(impossible|difficult|(so|really|very|too|extremely)\s+hard|a\s+(nightmare|pain))\s+to\s+(follow|use|find|read|understand|navigate|reach|contact|cancel|set\s+up|install)\b"
        + @"|\b(keeps?|kept)\s+(sending|putting|transferring|passing|bouncing|redirecting|kicking|throwing)\s+(me|us)\b|\bin\s+circles\b"
        + @"|\b(cracked|snapped|shattered|broke|ripped|tore|peeled|faded|shrank|shrunk|died|leaked|fell\s+apart|stopped\s+working|failed|frayed)\s+(after|within)\s+(just\s+|only\s+)?(a|an|one|two|three|four|five|six|\d+|a\s+few|a\s+couple\s+of)\s+(days?|weeks?|months?|washe?s?|uses?|hours?)\b",
        Options);

    // The rest of the third revision's complaint patterns (one automaton for all exceeds the engine's size limit).
    private static readonly Regex ComplaintCue2 = new(
        @"\bleft\b[^.!?]{0,40}\bin\s+the\s+(pouring\s+)?(rain|snow)\b|\b((can'?t|cannot)\s+believe\s+)?how\s+long\s+(this|it|that|everything)\s+(is\s+taking|has\s+taken|took)\b"
        + @"|\bnot\s+good\s+enough\b|\b(days|weeks|hours|months)\s+(for|to\s+get)\s+(a|an|my|the)\s+(reply|response|answer|refund|callback|call\s+back|delivery|decision)\b"
        + @"|\b(code|discount|coupon|voucher|promo)\s+(didn'?t|doesn'?t|won'?t|did\s+not|does\s+not|wouldn'?t)\s+(apply|work|go\s+through)\b|\b(won'?t|doesn'?t|didn'?t|will\s+not|does\s+not|wouldn'?t)\s+let\s+(me|us)\b"
        + @"|\b(barely|hardly)\s+(lasts?|works?|holds?\s+(a\s+)?charge|charges?|loads?|fits?|connects?)\b|\b(got|received|sent\s+me|delivered|gave\s+me)\s+(someone|somebody)\s+else'?s\b"
        + @"|\b(who|that)\s+(can|could|will|would)\s+actually\s+(help|fix|solve|answer|read|listen|understand|do)\b|\b(chatting|talking|speaking|stuck)\s+(to|with)\s+(a|the|your)\s+(bot|robot|chatbot)\b"
        + @"|\btook\s+(forever|ages|an\s+age|weeks|months|so\s+long|too\s+long|far\s+too\s+long|way\s+too\s+long)\b|\btaking\s+(forever|ages|so\s+long|too\s+long)\b|\bforever\s+to\s+(arrive|load|respond|reply|deliver|ship|process|get)\b"
        + @"|\b(problem|issue|error|bug|fault)s?\s+(is\s+|are\s+)?still\s+(there|here|happening|present|persists|occurring|ongoing)\b|\bstill\s+(happening|persists)\b|\bstill\s+(have|got|had|haven'?t\s+got)\s+(no|not)\b|\bkeeps\s+happening\b"
        + @"|\btoo\s+(long|short|slow|expensive|pricey|complicated|confusing|small|tight|loud|noisy|salty|greasy|buggy|difficult)\b|^\s*(oh\s+)?(sure|right|yeah),?\s+because\b"
        + @"|\bis\s+this\s+how\s+you\s+(treat|handle|deal\s+with|look\s+after|reward|thank)\b|\bhow\s+dare\s+you\b|\bwhat\s+kind\s+of\s+(service|company|bank|business|support|customer\s+service)\s+is\s+this\b|\bare\s+you\s+(serious|kidding|joking)\b"
        + @"|\b(can'?t|cannot)\s+say\s+(i'?m|i\s+am|i\s+was|we'?re|we\s+are|we\s+were)\s+(impressed|happy|pleased|satisfied|thrilled)\b|\bnot\s+(very\s+|too\s+|really\s+|overly\s+|exactly\s+)?(impressed|pleased|thrilled|amused)\b"
        + @"|\bwait(ing|ed)\s+(over\s+|for\s+|almost\s+|nearly\s+)?(\w+\s+){0,2}(days|weeks|months|hours|minutes|mins)\b|^\s*why\s+(was|were|am|have|did)\s+(i|we)\s+(charged|billed|debited)\b",
        Options);

    // Thanks and appreciation: praise on their own, but only politeness in a complaint or a goodbye. Each word ends at a
    // word boundary ("ty" is not "type", "recommend" not "recommendation").
    private const string ThanksPattern = @"\b(thanks?|thank\s+you|thx|ty|cheers|appreciated?)\b";

    private const string StrongPraisePattern =
        @"\b(kudos|grateful|thankful|saves?\s+(me|us)\s+(so\s+much\s+|a\s+lot\s+of\s+)?(time|hours)|well\s+done|great\s+(job|work|service|support|team|product|app)|keep\s+(it\s+)?up|love(d)?\s+(it|this|the|your|how)|amazing|awesome|excellent|fantastic|brilliant|outstanding|wonderful|superb|perfect|impressed|delighted|(highly\s+)?recommend(ed)?|best\s+(service|support|app|product|company)|lifesaver|five\s+stars|5\s+stars)\b"
        + @"|\b(very|really|so|super|extremely|incredibly|most)\s+(helpful|pleased|satisfied|friendly|professional|efficient|responsive|patient|kind|happy)\b"
        + @"|\b(was|were|is|are|been)\s+(so\s+|very\s+|really\s+|super\s+)?(helpful|patient|friendly|lovely|courteous|professional|useful|informative|efficient|reliable)\b"
        + @"|\b(will|would|'ll)\s+(definitely\s+|certainly\s+|happily\s+|surely\s+)?(order|buy|shop|book|stay|come|use|fly|eat)\w*\s+(\w+\s+)?again\b|\b(i|we)('ll|\s+will)\s+(definitely\s+|certainly\s+)?be\s+back\b"
        + @"|\b(top|high|great|excellent)[-\s](quality|notch)\b|\byou\s+(guys\s+|all\s+)?(rock|are\s+the\s+best)\b|\byou'?re\s+the\s+best\b"
        + @"|\b(nice|lovely|beautiful|great|solid|sleek)\s+(design|product|quality|build|interface|experience|food|room|stay|value)\b"
        // Third revision: speed and care ("delivery was super fast", "packed well"), things that just work.
        + @"|\b(was|were|is|are|arrived|came|shipped|delivered|replied|responded)\s+(super|really|very|so|incredibly|amazingly|lightning)\s+(fast|quick(ly)?|prompt(ly)?)\b"
        + @"|\b(well[-\s]packed|packed\s+(really\s+|very\s+|so\s+)?(well|nicely|carefully))\b|\b(everything|it|that)\s+just\s+work(s|ed)\b|\bjust\s+works\b|\ball\s+good\s+now\b"
        + @"|\bworks?\s+(perfectly|flawlessly|like\s+a\s+charm|a\s+treat)\b|\bworked\s+(perfectly|flawlessly|like\s+a\s+charm|a\s+treat|first\s+time)\b|\bdoes\s+(exactly\s+)?what\s+it\s+(says|promises|should|claims)\b"
        + @"|\bsmooth\s+(onboarding|setup|set-up|installation|install|process|experience|transition|migration)\b|\b(seamless|painless|effortless|hassle[-\s]free)\b";

    private static readonly Regex PraisePhrase = new(ThanksPattern + "|" + StrongPraisePattern, Options);

    private static readonly Regex StrongPraisePhrase = new(StrongPraisePattern, Options);

    private static readonly Regex QuestionOpening = new(
        @"^\s*(how|what|when|where|why|who|which)\b|^\s*(can|could|is|are|do|does|did|will|would|should|may|has|have|am)\s+(i|you|we|they|it|he|she|there|this|that|my|your|our|someone|anyone|somebody|anybody|the)\b|\b(i\s+(was|am)\s+wondering|any\s+idea|does\s+anyone\s+know|i'?d\s+like\s+to\s+know|please\s+(advise|explain|let\s+me\s+know)|is\s+there\s+(a|any)\s+way)\b",
        Options);

    // A request or wish ("I'd love a dark mode", "it would be nice if"): positive words there ask, they do not praise.
    private static readonly Regex Request = new(
        @"\b(i'?d|we'?d|i\s+would|we\s+would)\s+(like|love)\b|\bwould\s+(love|like)\s+(a|an|to|some|the|more|it\s+if)\b|\bplease\s+(add|make|consider|bring)\b|\bit\s+would\s+be\s+(nice|great|good|lovely|awesome)\b|\b(i|we)\s+wish\b",
        Options);

    private static readonly Regex UrgentWord = new(
        @"\b(urgent(ly)?|asap|a\.s\.a\.p|immediately|right\s+(now|away)|emergency|as\s+soon\s+as\s+possible|critical|today|tonight|deadline|time[-\s]sensitive|straight\s+away)\b",
        Options);

    private static readonly Regex Blocking = new(
        @"\b(can'?t|cannot|unable\s+to)\s+(log\s*in|access|login|sign\s+in|pay|use|work|get\s+in)|\blocked\s+out\b|\b(site|app|system|service|server|everything)\s+(is\s+)?(down|offline)\b|\boutage\b|\b(losing|lost)\s+(money|customers|sales|data|orders)\b|\bdata\s+(breach|leak)\b|\b(hacked|fraud(ulent)?|stolen)\b",
        Options);
}
