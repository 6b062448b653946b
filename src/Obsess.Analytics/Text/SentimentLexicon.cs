using System.Globalization;

namespace Obsess.Analytics.Text;

/// <summary>
/// Word and emoticon valences on VADER's -4..+4 scale, plus emoji valences derived from their descriptions.
/// Immutable once built, so one instance is shared by every thread. Lexicon files are read at run time by the app
/// (they are never compiled in): pass their text through a <see cref="TextReader"/>.
/// </summary>
public sealed class SentimentLexicon
{
    private readonly Dictionary<string, double> _valences;
    private readonly Dictionary<string, double>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<string, double> _emoji;
    private readonly int _maxEmojiLength;
    private readonly HashSet<string> _words;

    private SentimentLexicon(Dictionary<string, double> valences, Dictionary<string, double> emoji, string fingerprint)
    {
        _valences = valences;
        _lookup = valences.GetAlternateLookup<ReadOnlySpan<char>>();
        _emoji = emoji;
        _maxEmojiLength = emoji.Count == 0 ? 0 : emoji.Keys.Max(k => k.Length);
        _words = new HashSet<string>(valences.Keys, StringComparer.OrdinalIgnoreCase);
        Fingerprint = fingerprint;
    }

    public int Count => _valences.Count;

    /// <summary>The rated words and emoticons (case-insensitive set).</summary>
    public IReadOnlySet<string> Words => _words;

    public int EmojiCount => _emoji.Count;

    /// <summary>A short hash of the contents, so analyses can be recomputed when the lexicon changes.</summary>
    public string Fingerprint { get; }

    /// <summary>
    /// Parses the VADER lexicon format (token, mean valence, standard deviation, raw ratings; tab-separated) and,
    /// optionally, the emoji file (emoji, description). An emoji's valence is the sum of its description's word
    /// valences, so "smiling face" scores like "smiling" does.
    /// </summary>
    public static SentimentLexicon Parse(TextReader vaderLexicon, TextReader? emojiLexicon = null)
    {
        ArgumentNullException.ThrowIfNull(vaderLexicon);
        var valences = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        var hash = new Fnv();
        ReadTable(vaderLexicon, "VADER lexicon", minFields: 2, (fields, lineNo) =>
        {
            var valence = ParseNumber(fields[1], lineNo, "mean valence", "VADER lexicon");
            if (valence is < -4 or > 4)
            {
                throw new FormatException($"VADER lexicon line {lineNo}: valence {valence} is outside -4..+4.");
            }

            valences[fields[0]] = valence;
            hash.Add(fields[0]).Add(fields[1]);
        });
        return new SentimentLexicon(valences, ParseEmoji(emojiLexicon, valences, hash), hash.Hex());
    }

    /// <summary>Parses an AFINN word list (word, integer valence -5..+5), rescaled to -4..+4.</summary>
    public static SentimentLexicon ParseAfinn(TextReader afinn, TextReader? emojiLexicon = null)
    {
        ArgumentNullException.ThrowIfNull(afinn);
        var valences = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        var hash = new Fnv().Add("afinn");
        ReadTable(afinn, "AFINN list", minFields: 2, (fields, lineNo) =>
        {
            var valence = ParseNumber(fields[1], lineNo, "valence", "AFINN list");
            if (valence is < -5 or > 5)
            {
                throw new FormatException($"AFINN list line {lineNo}: valence {valence} is outside -5..+5.");
            }

            valences[fields[0]] = valence * 4.0 / 5.0;
            hash.Add(fields[0]).Add(fields[1]);
        });
        return new SentimentLexicon(valences, ParseEmoji(emojiLexicon, valences, hash), hash.Hex());
    }

    public bool TryGetValence(ReadOnlySpan<char> token, out double valence) => _lookup.TryGetValue(token, out valence);

    public bool Contains(string token) => _valences.ContainsKey(token);

    public bool TryGetEmoji(string token, out double valence) => _emoji.TryGetValue(token, out valence);

    /// <summary>Length of the longest known emoji starting at <paramref name="index"/>, or 0.</summary>
    public int EmojiLengthAt(string text, int index)
    {
        var max = Math.Min(_maxEmojiLength, text.Length - index);
        var lookup = _emoji.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var n = max; n >= 1; n--)
        {
            if (lookup.ContainsKey(text.AsSpan(index, n)))
            {
                return n;
            }
        }

        return 0;
    }

    private static Dictionary<string, double> ParseEmoji(TextReader? reader, Dictionary<string, double> valences, Fnv hash)
    {
        var emoji = new Dictionary<string, double>(StringComparer.Ordinal);
        if (reader is null)
        {
            return emoji;
        }

        ReadTable(reader, "emoji lexicon", minFields: 2, (fields, _) =>
        {
            double sum = 0;
            foreach (var word in fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (valences.TryGetValue(word, out var v))
                {
                    sum += v;
                }
            }

            // Keep the key without the emoji presentation selector too, as texts carry either form.
            emoji[fields[0]] = Math.Clamp(sum, -4, 4);
            var bare = fields[0].Replace("\uFE0F", string.Empty, StringComparison.Ordinal);
            if (bare.Length > 0)
            {
                emoji.TryAdd(bare, Math.Clamp(sum, -4, 4));
            }

            hash.Add(fields[0]);
        });
        return emoji;
    }

    private static void ReadTable(TextReader reader, string what, int minFields, Action<string[], int> row)
    {
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < minFields || fields[0].Length == 0)
            {
                throw new FormatException($"{what} line {lineNo}: expected at least {minFields} tab-separated fields, got '{Shorten(line)}'.");
            }

            row(fields, lineNo);
        }
    }

    internal static double ParseNumber(string field, int lineNo, string name, string what) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"{what} line {lineNo}: {name} '{Shorten(field)}' is not a number.");

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";
}

/// <summary>FNV-1a, 64 bit: a stable hash (unlike string.GetHashCode, which is randomised per process).</summary>
internal sealed class Fnv
{
    private ulong _h = 14695981039346656037UL;

    public Fnv Add(string s)
    {
        foreach (var c in s)
        {
            _h = (_h ^ c) * 1099511628211UL;
        }

        _h = (_h ^ 0x1F) * 1099511628211UL;
        return this;
    }

    public string Hex() => _h.ToString("x16", CultureInfo.InvariantCulture)[..10];
}
