namespace Obsess.Analytics.Text;

/// <summary>
/// Splits customer text into tokens that keep their case (for ALL-CAPS emphasis), keep emoticons such as
/// <c>:-)</c> whole, and split emoji out of the words they touch. Pure and allocation-light.
/// </summary>
public static class TextTokenizer
{
    /// <summary>Whitespace tokens with surrounding punctuation removed, unless the raw token is a known emoticon.</summary>
    public static List<string> Tokenize(string text, Func<string, bool>? keepWhole = null, Func<string, int, int>? emojiLengthAt = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>(text.Length / 5 + 4);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                AddRaw(text, start, i - start, tokens, keepWhole, emojiLengthAt);
            }
        }

        return tokens;
    }

    private static void AddRaw(string text, int start, int length, List<string> tokens, Func<string, bool>? keepWhole, Func<string, int, int>? emojiLengthAt)
    {
        var raw = text.AsSpan(start, length);
        if (keepWhole is not null && length <= 8 && HasPunctuation(raw))
        {
            var whole = raw.ToString();
            if (keepWhole(whole))
            {
                tokens.Add(whole);
                return;
            }
        }

        // Split emoji (and other symbols outside the BMP letters) away from the word they touch: "great😀" → "great", "😀".
        var segmentStart = start;
        var end = start + length;
        var p = start;
        while (p < end)
        {
            var c = text[p];
            if (emojiLengthAt is not null && (char.IsSurrogate(c) || (c >= '\u2190' && c <= '\u2BFF')))
            {
                var n = emojiLengthAt(text, p);
                if (n > 0)
                {
                    AddWord(text, segmentStart, p - segmentStart, tokens);
                    tokens.Add(text.Substring(p, n));
                    p += n;
                    segmentStart = p;
                    continue;
                }
            }

            p++;
        }

        AddWord(text, segmentStart, end - segmentStart, tokens);
    }

    private static void AddWord(string text, int start, int length, List<string> tokens)
    {
        var s = start;
        var e = start + length;
        while (s < e && IsStrippable(text[s]))
        {
            s++;
        }

        while (e > s && IsStrippable(text[e - 1]))
        {
            e--;
        }

        // A single letter left after stripping ("a", "I") is kept; bare punctuation is dropped.
        if (e > s)
        {
            tokens.Add(text.Substring(s, e - s));
        }
    }

    private static bool IsStrippable(char c) => char.IsPunctuation(c) || char.IsSymbol(c) && c is not '+' || c == '\uFE0F';

    private static bool HasPunctuation(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsLetterOrDigit(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the token has at least two letters and every letter is upper case.</summary>
    public static bool IsAllCaps(ReadOnlySpan<char> token)
    {
        var letters = 0;
        foreach (var c in token)
        {
            if (char.IsLetter(c))
            {
                if (!char.IsUpper(c))
                {
                    return false;
                }

                letters++;
            }
        }

        return letters >= 2;
    }
}
