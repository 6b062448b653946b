namespace Obsess.Analytics.Text;

public sealed record LanguageGuess
{
    /// <summary>ISO 639-1 code ("en", "es", …), or "und" when the text gives too little evidence.</summary>
    public required string Code { get; init; }

    /// <summary>Share of the evidence that points to <see cref="Code"/>, in [0, 1].</summary>
    public required double Confidence { get; init; }

    public bool IsEnglish => Code == "en";
}

/// <summary>
/// Language identification from function words and characteristic letters and letter sequences, for
/// English, Spanish, French, German, Italian, Portuguese and Dutch. Our own short profiles, no trained model:
/// function words are the most frequent words of any language and rarely shared, which makes a few dozen per
/// language enough for customer messages of a sentence or more. Stateless and thread-safe.
/// </summary>
public static class LanguageDetector
{
    public const string Undetermined = "und";

    private static readonly (string Code, HashSet<string> Words, string[] Sequences, string Letters)[] Profiles =
    [
        ("en", Set("the and is are was were to of in it that this for with you your my i we they not have has had but be been on at do does did can will would what how why please thanks hi hello an or so very just from our me as all if there their about out up no get got by one after again now any some more new like his her he she them us could should which who when where than then also only because over too thank its it's i'm don't can't a into onto i've you're we're they're isn't wasn't didn't doesn't won't u r ur ya yo lol ha ho oh"),
            ["th", "ing", "ght", "wh", "ou"], ""),
        ("es", Set("el la los las es son y de del en que un una por para con no su sus mi mis lo le muy pero como más este esta estoy está gracias hola se al yo tengo hay cuando donde porque ya también me te nos les he han has hemos fue ser era todo todos nada algo otra otro cada vez veces sin sobre entre hasta desde puedo puede pueden quiero necesito tiene tienen nadie ningún ninguna aquí ahora siempre nunca ayer hoy mañana usted ustedes dónde qué cómo cuándo buenas buenos tardes días favor mucho muchas muchos todavía llegó"),
            ["ción", "ñ", "qué", "ado", "ll"], "ñ¿¡áéíóú"),
        ("fr", Set("le la les est et de des du en un une que qui pour avec ne pas je vous nous il elle ce cette mon ma mes sur au aux très mais bonjour merci suis sont avez ai c'est j'ai n'est plus où deux fois même été être avoir fait peut peux veux voudrais depuis hier aujourd'hui toujours encore rien tout tous chaque leur leurs vos votre notre ça cela jamais personne déjà aussi chez sans sous quand comment pourquoi combien vraiment beaucoup alors donc car bonsoir reçu"),
            ["eau", "oux", "ç", "qu'", "ent"], "çàèùâêîôûœë"),
        ("de", Set("der die das und ist sind ich nicht ein eine zu den dem mit für auf sie wir es von bei mein meine aber sehr wie was hallo danke bitte kann nur noch auch schon wurde habe haben im ins zum zur vom um aus nach über unter wenn dass oder weil mir mich dich dir ihr ihm ihn uns euch kein keine keinen nichts alles jedes jeden jede mal wieder gerne gern seit immer doch bist waren wird werden hatte möchte soll muss müssen können könnte niemand heute gestern morgen warum wann wo wer vielen dank guten tag abend"),
            ["sch", "ß", "ung", "ich", "ei"], "äöüß"),
        ("it", Set("il lo la gli le è e di del della che un una per con non sono mi ma molto come questo questa ho ha grazie ciao nel alla al anche più se perché sia io siamo ti ci si ne dal dai nei sul sulla sei stato stata essere avere hai abbiamo avete hanno fatto posso può voglio vorrei ogni volta volte tutto tutti niente qualcosa ancora già adesso ora sempre mai ieri oggi domani nessuno dove quando buonasera buongiorno favore mio mia miei tuo tua suo sua"),
            ["zione", "gli", "chi", "ett", "zz"], "àèìòù"),
        ("pt", Set("o a os as é e de do da dos das que um uma para com não por meu minha muito mas como este esta eu obrigado obrigada olá no na em ao se mais foi tem estou você já ainda também ser estar tenho têm fui vou vai pelo pela pelos pelas num numa duas vezes mesmo tudo nada cada quero posso pode seu sua nosso nossa isso isto desde ontem hoje amanhã ninguém onde quando porque boa bom tarde dia favor há está estão"),
            ["ção", "ões", "ã", "lh", "nh"], "ãõçáâêéíóú"),
        ("nl", Set("de het een en is zijn ik niet van voor op met dat die je we wij mijn maar heel hoe wat dank bedankt hallo ook nog al bij naar er geen heb heeft graag u uw jij hij zij ze jouw haar ons onze wel dan als want dus om te tot uit door tegen sinds gisteren vandaag morgen kan kun kunt wilt moet moeten hebt hebben ben bent waren wordt worden elke keer twee niemand iets alles waar wanneer waarom alstublieft nogmaals goedenavond goedemorgen"),
            ["ij", "oe", "aa", "ee", "sch"], "ëï"),
    ];

    // Word → bit mask of the languages whose function-word list holds it (one look-up per word instead of seven).
    private static readonly Dictionary<string, int> WordLanguages = BuildWordLanguages();

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> WordLookup =
        WordLanguages.GetAlternateLookup<ReadOnlySpan<char>>();

    public static LanguageGuess Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<double> score = stackalloc double[Profiles.Length];
        var lower = text.ToLowerInvariant().Replace('\u2019', '\'');
        var words = 0;
        var seen = new HashSet<int>(); // each function word counts once: "ha ha ha" or "a … a … a" is one piece of evidence
        var i = 0;
        while (i < lower.Length)
        {
            while (i < lower.Length && !char.IsLetter(lower[i]))
            {
                i++;
            }

            var start = i;
            while (i < lower.Length && (char.IsLetter(lower[i]) || lower[i] == '\'' && i + 1 < lower.Length && char.IsLetter(lower[i + 1])))
            {
                i++;
            }

            if (i == start)
            {
                continue;
            }

            words++;
            if (WordLookup.TryGetValue(lower.AsSpan(start, i - start), out var mask) && seen.Add(string.GetHashCode(lower.AsSpan(start, i - start))))
            {
                for (var p = 0; p < Profiles.Length; p++)
                {
                    score[p] += (mask >> p) & 1;
                }
            }
        }

        for (var p = 0; p < Profiles.Length; p++)
        {
            foreach (var sequence in Profiles[p].Sequences)
            {
                for (var at = lower.IndexOf(sequence, StringComparison.Ordinal); at >= 0; at = lower.IndexOf(sequence, at + sequence.Length, StringComparison.Ordinal))
                {
                    score[p] += 0.25;
                }
            }
        }

        foreach (var c in lower)
        {
            if (c <= 127)
            {
                continue;
            }

            for (var p = 0; p < Profiles.Length; p++)
            {
                if (Profiles[p].Letters.Contains(c, StringComparison.Ordinal))
                {
                    score[p] += 0.5;
                }
            }
        }

        var best = 0;
        double total = 0;
        for (var p = 0; p < score.Length; p++)
        {
            total += score[p];
            if (score[p] > score[best])
            {
                best = p;
            }
        }

        // No function word at all: "ok", "Zendesk!" or a URL say nothing about the language.
        // A language other than English must show at least two points of evidence: a single shared word such as "as"
        // (Portuguese too) must not turn an English sentence into an unscored one.
        if (words == 0 || score[best] < 1 || Profiles[best].Code != "en" && score[best] < 2)
        {
            return new LanguageGuess { Code = Undetermined, Confidence = 0 };
        }

        return new LanguageGuess { Code = Profiles[best].Code, Confidence = score[best] / total };
    }

    private static Dictionary<string, int> BuildWordLanguages()
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var p = 0; p < Profiles.Length; p++)
        {
            foreach (var w in Profiles[p].Words)
            {
                map[w] = map.GetValueOrDefault(w) | 1 << p;
            }
        }

        return map;
    }

    private static HashSet<string> Set(string words) => new(words.Split(' '), StringComparer.Ordinal);
}
