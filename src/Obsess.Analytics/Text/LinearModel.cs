using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Obsess.Analytics.Text;

/// <summary>
/// A multinomial logistic regression over hashed word and bigram features plus a few dense features.
/// Immutable: safe to share between threads. Stored as compact JSON with only the non-zero weights.
/// </summary>
public sealed class LinearModel
{
    private const string Format = "obsess-linear-1";
    private readonly float[] _weights; // [feature * classes + k]
    private readonly double[] _bias;
    private readonly double[] _dense; // [d * classes + k]

    internal LinearModel(string[] classes, int bits, int denseCount, float[] weights, double[] bias, double[] dense, IReadOnlyDictionary<string, string> meta)
    {
        Classes = classes;
        Bits = bits;
        DenseCount = denseCount;
        _weights = weights;
        _bias = bias;
        _dense = dense;
        Meta = meta;
        Fingerprint = ComputeFingerprint();
    }

    public IReadOnlyList<string> Classes { get; }

    public int Bits { get; }

    public int DenseCount { get; }

    /// <summary>Training provenance and chosen settings (data, seed, hyper-parameters, dev figures).</summary>
    public IReadOnlyDictionary<string, string> Meta { get; }

    public string Fingerprint { get; }

    internal int Dimension => 1 << Bits;

    internal float[] RawWeights => _weights;

    internal double[] RawBias => _bias;

    internal double[] RawDense => _dense;

    internal LinearModel WithMeta(IReadOnlyDictionary<string, string> meta) => new([.. Classes], Bits, DenseCount, _weights, _bias, _dense, meta);

    /// <summary>Writes class probabilities for hashed feature indices (each weighted 1/√n) and dense features.</summary>
    public void Predict(ReadOnlySpan<int> features, ReadOnlySpan<double> dense, Span<double> probabilities)
    {
        var k = Classes.Count;
        if (probabilities.Length < k || dense.Length != DenseCount)
        {
            throw new ArgumentException($"expected {k} probabilities and {DenseCount} dense features.");
        }

        Logits(features, dense, probabilities);
        Softmax(probabilities[..k]);
    }

    internal void Logits(ReadOnlySpan<int> features, ReadOnlySpan<double> dense, Span<double> z)
    {
        var k = Classes.Count;
        var x = features.Length == 0 ? 0 : 1 / Math.Sqrt(features.Length);
        for (var c = 0; c < k; c++)
        {
            z[c] = _bias[c];
        }

        foreach (var f in features)
        {
            var row = f * k;
            for (var c = 0; c < k; c++)
            {
                z[c] += _weights[row + c] * x;
            }
        }

        for (var d = 0; d < dense.Length; d++)
        {
            for (var c = 0; c < k; c++)
            {
                z[c] += _dense[d * k + c] * dense[d];
            }
        }
    }

    internal static void Softmax(Span<double> z)
    {
        var max = double.NegativeInfinity;
        foreach (var v in z)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = Math.Exp(z[i] - max);
            sum += z[i];
        }

        for (var i = 0; i < z.Length; i++)
        {
            z[i] /= sum;
        }
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            var k = Classes.Count;
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("bits", Bits);
            w.WriteStartArray("classes");
            foreach (var c in Classes)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
            w.WriteStartObject("meta");
            foreach (var (key, value) in Meta.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            WriteArray(w, "bias", _bias);
            w.WriteNumber("denseCount", DenseCount);
            WriteArray(w, "dense", _dense);

            // Only rows with a weight worth keeping: index followed by one weight per class.
            w.WriteStartArray("weights");
            for (var f = 0; f < Dimension; f++)
            {
                var keep = false;
                for (var c = 0; c < k; c++)
                {
                    keep |= Math.Abs(_weights[f * k + c]) >= 1e-4f;
                }

                if (!keep)
                {
                    continue;
                }

                w.WriteStartArray();
                w.WriteNumberValue(f);
                for (var c = 0; c < k; c++)
                {
                    w.WriteNumberValue(Math.Round((double)_weights[f * k + c], 4));
                }

                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static LinearModel FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var format = Get(root, "format").GetString();
        if (format != Format)
        {
            throw new FormatException($"model JSON field 'format': expected '{Format}', got '{format}'.");
        }

        var bits = Get(root, "bits").GetInt32();
        if (bits is < 4 or > 24)
        {
            throw new FormatException($"model JSON field 'bits': {bits} is outside 4..24.");
        }

        var classes = Get(root, "classes").EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray();
        var k = classes.Length;
        var denseCount = Get(root, "denseCount").GetInt32();
        var bias = Get(root, "bias").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var dense = Get(root, "dense").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        if (k < 2 || bias.Length != k || dense.Length != denseCount * k)
        {
            throw new FormatException($"model JSON: {k} classes need {k} 'bias' values and {denseCount * k} 'dense' values.");
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("meta", out var m))
        {
            foreach (var p in m.EnumerateObject())
            {
                meta[p.Name] = p.Value.GetString() ?? string.Empty;
            }
        }

        var weights = new float[(1 << bits) * k];
        var row = 0;
        foreach (var e in Get(root, "weights").EnumerateArray())
        {
            row++;
            var len = e.GetArrayLength();
            var f = len > 0 ? e[0].GetInt32() : -1;
            if (len != k + 1 || f < 0 || f >= 1 << bits)
            {
                throw new FormatException($"model JSON 'weights' row {row}: expected [index < 2^{bits}, {k} weights].");
            }

            for (var c = 0; c < k; c++)
            {
                weights[f * k + c] = (float)e[c + 1].GetDouble();
            }
        }

        return new LinearModel(classes, bits, denseCount, weights, bias, dense, meta);
    }

    private static JsonElement Get(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) ? v : throw new FormatException($"model JSON: missing field '{name}'.");

    private static void WriteArray(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(Math.Round(v, 6));
        }

        w.WriteEndArray();
    }

    private string ComputeFingerprint()
    {
        var h = new Fnv().Add(string.Join(",", Classes)).Add(Bits.ToString(CultureInfo.InvariantCulture));
        double acc = 0;
        for (var i = 0; i < _weights.Length; i++)
        {
            acc += _weights[i] * ((i % 97) + 1);
        }

        return h.Add(Math.Round(acc, 3).ToString("R", CultureInfo.InvariantCulture))
            .Add(string.Join(",", _bias.Select(b => Math.Round(b, 4).ToString(CultureInfo.InvariantCulture)))).Hex();
    }
}

/// <summary>Turns tokens into hashed feature indices: lower-cased unigrams (marked when inside a negation scope) and bigrams.</summary>
public static class HashedFeatures
{
    private const ulong NegationSalt = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// Adds, for each token of at least four characters, its lower-cased character n-grams of length
    /// <paramref name="n"/> with word-boundary marks ("&lt;goo", "ood&gt;"), so spelling variants, lengthening and
    /// hashtags share features with the words they vary (character n-grams as in Mohammad, Kiritchenko &amp; Zhu 2013).
    /// </summary>
    public static void ExtractCharGrams(IReadOnlyList<string> tokens, int bits, int n, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(into);
        var mask = (1UL << bits) - 1;
        Span<char> buffer = stackalloc char[66];
        foreach (var token in tokens)
        {
            if (token.Length < 4 || token.Length > 64)
            {
                continue;
            }

            buffer[0] = '<';
            for (var i = 0; i < token.Length; i++)
            {
                buffer[i + 1] = char.ToLowerInvariant(token[i]);
            }

            buffer[token.Length + 1] = '>';
            var word = buffer[..(token.Length + 2)];
            for (var i = 0; i + n <= word.Length; i++)
            {
                var h = 0xCBF29CE484222325UL ^ (ulong)n;
                foreach (var c in word.Slice(i, n))
                {
                    h = (h ^ c) * 1099511628211UL;
                }

                into.Add((int)(Mix(h + 0x7A3) & mask));
            }
        }
    }

    public static void Extract(IReadOnlyList<string> tokens, int bits, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(into);
        var mask = (1UL << bits) - 1;
        ulong previous = 0;
        var negationLeft = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var h = Hash(tokens[i]);
            var marked = negationLeft > 0 ? h ^ NegationSalt : h;
            into.Add((int)(Mix(marked) & mask));
            if (i > 0)
            {
                into.Add((int)(Mix(previous * 31 + h + 0x51ED27) & mask));
            }

            previous = h;
            negationLeft = RuleSentimentScorer.IsNegator(tokens[i]) ? 3 : Math.Max(0, negationLeft - 1);
        }
    }

    private static ulong Hash(string token)
    {
        var h = 14695981039346656037UL;
        foreach (var c in token)
        {
            h = (h ^ char.ToLowerInvariant(c)) * 1099511628211UL;
        }

        return h;
    }

    private static ulong Mix(ulong x)
    {
        // SplitMix64 finaliser: spreads FNV's low bits before masking.
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
