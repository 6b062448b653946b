namespace Obsess.Analytics.Text;

public sealed record ThemeOptions
{
    /// <summary>Number of themes; null chooses it from 2..<see cref="MaxK"/> by the mean cosine silhouette.</summary>
    public int? K { get; init; }

    public int MaxK { get; init; } = 10;

    public int Seed { get; init; } = 17;

    /// <summary>k-means restarts; the run with the highest total similarity wins.</summary>
    public int Restarts { get; init; } = 4;

    /// <summary>A term must occur in at least this many texts to be part of the vocabulary.</summary>
    public int MinDocumentFrequency { get; init; } = 2;

    public int KeyPhrases { get; init; } = 5;

    public int Examples { get; init; } = 3;

    /// <summary>
    /// Extra words to leave out of the vocabulary, e.g. sentiment words (<see cref="SentimentLexicon.Words"/>) so themes
    /// name topics ("delivery", "billing") rather than opinions ("great", "bad").
    /// </summary>
    public IReadOnlySet<string>? IgnoredWords { get; init; }
}

public sealed record Theme
{
    public required int Id { get; init; }

    /// <summary>The top key phrases joined by " / ".</summary>
    public required string Name { get; init; }

    public required IReadOnlyList<string> KeyPhrases { get; init; }

    /// <summary>The texts closest to the theme's centre.</summary>
    public required IReadOnlyList<string> Examples { get; init; }

    public required int Size { get; init; }
}

/// <summary>Themes found in a collection; assigns new texts to them. Immutable and thread-safe.</summary>
public sealed class ThemeModel
{
    private readonly Dictionary<string, int> _vocabulary;
    private readonly double[] _idf;
    private readonly double[][] _centroids;

    private readonly IReadOnlySet<string>? _ignored;

    internal ThemeModel(Dictionary<string, int> vocabulary, double[] idf, double[][] centroids, IReadOnlyList<Theme> themes, IReadOnlyList<int> assignments, IReadOnlySet<string>? ignored)
    {
        _ignored = ignored;
        _vocabulary = vocabulary;
        _idf = idf;
        _centroids = centroids;
        Themes = themes;
        Assignments = assignments;
    }

    public IReadOnlyList<Theme> Themes { get; }

    /// <summary>Theme id of each input text, or -1 for a text with no vocabulary term.</summary>
    public IReadOnlyList<int> Assignments { get; }

    /// <summary>
    /// The model as JSON (format <c>obsess-themes-1</c>): vocabulary, idf, sparse centres and themes, without the fitted
    /// texts' assignments or examples. <see cref="FromJson"/> restores a model that assigns exactly as this one does,
    /// given the same ignored words.
    /// </summary>
    public string ToJson()
    {
        var terms = new string[_vocabulary.Count];
        foreach (var (term, i) in _vocabulary)
        {
            terms[i] = term;
        }

        var centres = _centroids.Select(c =>
        {
            var indices = new List<int>();
            var values = new List<double>();
            for (var i = 0; i < c.Length; i++)
            {
                if (c[i] != 0)
                {
                    indices.Add(i);
                    values.Add(c[i]);
                }
            }

            return new StoredCentre(indices.ToArray(), values.ToArray());
        }).ToArray();
        var themes = Themes.Select(t => new StoredTheme(t.Id, t.Name, t.KeyPhrases.ToArray(), t.Size)).ToArray();
        return System.Text.Json.JsonSerializer.Serialize(new StoredModel(Format, terms, _idf, centres, themes));
    }

    /// <summary>Reads <see cref="ToJson"/>'s output; <paramref name="ignored"/> must be the words the model was fitted without.</summary>
    public static ThemeModel FromJson(string json, IReadOnlySet<string>? ignored = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var stored = System.Text.Json.JsonSerializer.Deserialize<StoredModel>(json) ?? throw new FormatException("empty theme model");
        if (stored.Format != Format)
        {
            throw new FormatException($"not a theme model (format '{stored.Format}', expected '{Format}')");
        }

        if (stored.Idf.Length != stored.Terms.Length)
        {
            throw new FormatException("theme model: idf and vocabulary differ in length");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < stored.Terms.Length; i++)
        {
            vocabulary[stored.Terms[i]] = i;
        }

        var centroids = stored.Centres.Select(c =>
        {
            var dense = new double[stored.Terms.Length];
            for (var j = 0; j < c.Indices.Length; j++)
            {
                dense[c.Indices[j]] = c.Values[j];
            }

            return dense;
        }).ToArray();
        var themes = stored.Themes.Select(t => new Theme { Id = t.Id, Name = t.Name, KeyPhrases = t.KeyPhrases, Examples = [], Size = t.Size }).ToArray();
        return new ThemeModel(vocabulary, stored.Idf, centroids, themes, [], ignored);
    }

    private const string Format = "obsess-themes-1";

    private sealed record StoredCentre(int[] Indices, double[] Values);

    private sealed record StoredTheme(int Id, string Name, string[] KeyPhrases, int Size);

    private sealed record StoredModel(string Format, string[] Terms, double[] Idf, StoredCentre[] Centres, StoredTheme[] Themes);

    /// <summary>The most similar theme's id (cosine to its centre), or -1 when the text shares no term with the collection.</summary>
    public int Assign(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var v = ThemeClusterer.Vectorize(text, _vocabulary, _idf, _ignored);
        return v.Indices.Length == 0 ? -1 : ThemeClusterer.Nearest(v, _centroids).Index;
    }
}

/// <summary>
/// TF-IDF over words and two-word phrases, then spherical k-means (Dhillon &amp; Modha 2001) seeded by k-means++
/// (Arthur &amp; Vassilvitskii 2007). Deterministic for a seed.
/// </summary>
public static class ThemeClusterer
{
    private static readonly HashSet<string> StopWords = new(
        ("a about above after again against all am an and any are as at be because been before being below between both but by " +
         "can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how " +
         "i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own " +
         "same she should so some such than that the their theirs them themselves then there these they this those through to too under until up " +
         "very was we were what when where which while who whom why will with would you your yours yourself yourselves im ive dont cant wont " +
         "get got also really one would like still even much us since keep keeps kept every again time times please thing things way " +
         "wasn't weren't hasn't haven't hadn't couldn't shouldn't wouldn't aren't that's there's " +
         " it's i'm i've don't can't won't didn't doesn't isn't").Split(' '),
        StringComparer.Ordinal);

    internal readonly record struct SparseVector(int[] Indices, double[] Values);

    public static ThemeModel Fit(IReadOnlyList<string> texts, ThemeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= new ThemeOptions();
        if (texts.Count < 2)
        {
            throw new ArgumentException("clustering needs at least two texts.", nameof(texts));
        }

        // Vocabulary: terms in at least MinDocumentFrequency texts and at most half of them, in ordinal order for determinism.
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var term in Terms(text, options.IgnoredWords).Distinct(StringComparer.Ordinal))
            {
                df[term] = df.GetValueOrDefault(term) + 1;
            }
        }

        var terms = df.Where(p => p.Value >= options.MinDocumentFrequency && p.Value <= Math.Max(2, texts.Count / 2))
            .Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var idf = new double[terms.Length];
        for (var i = 0; i < terms.Length; i++)
        {
            vocabulary[terms[i]] = i;
            idf[i] = Math.Log((1.0 + texts.Count) / (1.0 + df[terms[i]])) + 1;
        }

        var vectors = texts.Select(t => Vectorize(t, vocabulary, idf, options.IgnoredWords)).ToArray();
        var usable = Enumerable.Range(0, vectors.Length).Where(i => vectors[i].Indices.Length > 0).ToArray();
        if (usable.Length < 2)
        {
            throw new ArgumentException("fewer than two texts share any term; there is nothing to cluster.", nameof(texts));
        }

        var random = new Random(options.Seed);
        double[][] centroids;
        if (options.K is { } k)
        {
            centroids = Cluster(vectors, usable, Math.Clamp(k, 1, usable.Length), terms.Length, options.Restarts, random);
        }
        else
        {
            centroids = Cluster(vectors, usable, 2, terms.Length, options.Restarts, random);
            var bestSilhouette = double.NegativeInfinity;
            // Candidates stop at √(n/2), the rule-of-thumb size (Mardia, Kent & Bibby 1979), as silhouettes on a few
            // dozen sparse texts otherwise favour splitting every small topic.
            var maxK = Math.Min(options.MaxK, Math.Max(2, (int)Math.Sqrt(usable.Length / 2.0)));
            for (var candidate = 2; candidate <= Math.Min(maxK, usable.Length - 1); candidate++)
            {
                var c = Cluster(vectors, usable, candidate, terms.Length, options.Restarts, random);
                var s = Silhouette(vectors, usable, c, random);
                if (s > bestSilhouette)
                {
                    bestSilhouette = s;
                    centroids = c;
                }
            }
        }

        var assignments = vectors.Select(v => v.Indices.Length == 0 ? -1 : Nearest(v, centroids).Index).ToArray();
        var themes = new List<Theme>();
        for (var c = 0; c < centroids.Length; c++)
        {
            var members = Enumerable.Range(0, texts.Count).Where(i => assignments[i] == c).ToArray();
            var phrases = KeyPhrases(centroids[c], terms, options.KeyPhrases);
            var examples = members.OrderByDescending(i => Dot(vectors[i], centroids[c])).ThenBy(i => i)
                .Take(options.Examples).Select(i => texts[i]).ToArray();
            themes.Add(new Theme { Id = c, Name = string.Join(" / ", phrases.Take(3)), KeyPhrases = phrases, Examples = examples, Size = members.Length });
        }

        return new ThemeModel(vocabulary, idf, centroids, themes, assignments, options.IgnoredWords);
    }

    internal static IEnumerable<string> Terms(string text, IReadOnlySet<string>? ignored)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var ch in RuleSentimentScorer.Normalize(text) + " ")
        {
            if (char.IsLetterOrDigit(ch) || ch == '\'' && current.Length > 0)
            {
                current.Append(char.ToLowerInvariant(ch));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString().Trim('\''));
                current.Clear();
            }
        }

        string? previous = null;
        foreach (var w in words)
        {
            if (w.Length < 2 || StopWords.Contains(w) || w.All(char.IsDigit) || ignored?.Contains(w) == true)
            {
                previous = null;
                continue;
            }

            yield return w;
            if (previous is not null)
            {
                yield return previous + " " + w;
            }

            previous = w;
        }
    }

    internal static SparseVector Vectorize(string text, Dictionary<string, int> vocabulary, double[] idf, IReadOnlySet<string>? ignored)
    {
        var counts = new SortedDictionary<int, double>();
        foreach (var term in Terms(text, ignored))
        {
            if (vocabulary.TryGetValue(term, out var i))
            {
                counts[i] = counts.GetValueOrDefault(i) + 1;
            }
        }

        var indices = counts.Keys.ToArray();
        var values = counts.Select(p => (1 + Math.Log(p.Value)) * idf[p.Key]).ToArray();
        var norm = Math.Sqrt(values.Sum(v => v * v));
        for (var j = 0; j < values.Length; j++)
        {
            values[j] /= norm;
        }

        return new SparseVector(indices, values);
    }

    internal static (int Index, double Similarity) Nearest(SparseVector v, double[][] centroids)
    {
        var best = 0;
        var bestSim = double.NegativeInfinity;
        for (var c = 0; c < centroids.Length; c++)
        {
            var s = Dot(v, centroids[c]);
            if (s > bestSim)
            {
                bestSim = s;
                best = c;
            }
        }

        return (best, bestSim);
    }

    private static double Dot(SparseVector v, double[] centroid)
    {
        double s = 0;
        for (var j = 0; j < v.Indices.Length; j++)
        {
            s += v.Values[j] * centroid[v.Indices[j]];
        }

        return s;
    }

    private static double Dot(SparseVector a, SparseVector b)
    {
        double s = 0;
        int i = 0, j = 0;
        while (i < a.Indices.Length && j < b.Indices.Length)
        {
            if (a.Indices[i] == b.Indices[j])
            {
                s += a.Values[i++] * b.Values[j++];
            }
            else if (a.Indices[i] < b.Indices[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return s;
    }

    private static double[][] Cluster(SparseVector[] vectors, int[] usable, int k, int dim, int restarts, Random random)
    {
        double[][]? best = null;
        var bestObjective = double.NegativeInfinity;
        for (var r = 0; r < Math.Max(1, restarts); r++)
        {
            var (centroids, objective) = KMeans(vectors, usable, k, dim, random);
            if (objective > bestObjective)
            {
                bestObjective = objective;
                best = centroids;
            }
        }

        return best!;
    }

    private static (double[][] Centroids, double Objective) KMeans(SparseVector[] vectors, int[] usable, int k, int dim, Random random)
    {
        // k-means++ seeding with cosine distance 1 − similarity.
        var centroids = new double[k][];
        var first = usable[random.Next(usable.Length)];
        centroids[0] = Dense(vectors[first], dim);
        var distance = usable.Select(i => Math.Max(0, 1 - Dot(vectors[i], centroids[0]))).ToArray();
        for (var c = 1; c < k; c++)
        {
            var total = distance.Sum(d => d * d);
            var pick = 0;
            if (total > 0)
            {
                var target = random.NextDouble() * total;
                for (double acc = 0; pick < usable.Length - 1; pick++)
                {
                    acc += distance[pick] * distance[pick];
                    if (acc >= target)
                    {
                        break;
                    }
                }
            }
            else
            {
                pick = random.Next(usable.Length);
            }

            centroids[c] = Dense(vectors[usable[pick]], dim);
            for (var u = 0; u < usable.Length; u++)
            {
                distance[u] = Math.Min(distance[u], Math.Max(0, 1 - Dot(vectors[usable[u]], centroids[c])));
            }
        }

        var assignment = new int[usable.Length];
        Array.Fill(assignment, -1);
        double objective = 0;
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var changed = false;
            objective = 0;
            for (var u = 0; u < usable.Length; u++)
            {
                var (index, sim) = Nearest(vectors[usable[u]], centroids);
                objective += sim;
                changed |= assignment[u] != index;
                assignment[u] = index;
            }

            if (!changed)
            {
                break;
            }

            for (var c = 0; c < k; c++)
            {
                var sum = new double[dim];
                var n = 0;
                for (var u = 0; u < usable.Length; u++)
                {
                    if (assignment[u] != c)
                    {
                        continue;
                    }

                    n++;
                    var v = vectors[usable[u]];
                    for (var j = 0; j < v.Indices.Length; j++)
                    {
                        sum[v.Indices[j]] += v.Values[j];
                    }
                }

                // An emptied cluster keeps its old centre; spherical k-means normalises the mean to unit length.
                var norm = Math.Sqrt(sum.Sum(x => x * x));
                if (n > 0 && norm > 0)
                {
                    for (var j = 0; j < dim; j++)
                    {
                        sum[j] /= norm;
                    }

                    centroids[c] = sum;
                }
            }
        }

        return (centroids, objective);
    }

    private static double Silhouette(SparseVector[] vectors, int[] usable, double[][] centroids, Random random)
    {
        // Mean silhouette with cosine distance (Rousseeuw 1987), on at most 400 texts to bound the O(n²) cost.
        var sample = usable.Length <= 400 ? usable : usable.OrderBy(_ => random.Next()).Take(400).Order().ToArray();
        var labels = sample.Select(i => Nearest(vectors[i], centroids).Index).ToArray();
        double total = 0;
        for (var a = 0; a < sample.Length; a++)
        {
            var sums = new double[centroids.Length];
            var counts = new int[centroids.Length];
            for (var b = 0; b < sample.Length; b++)
            {
                if (a == b)
                {
                    continue;
                }

                sums[labels[b]] += 1 - Dot(vectors[sample[a]], vectors[sample[b]]);
                counts[labels[b]]++;
            }

            if (counts[labels[a]] == 0)
            {
                continue;
            }

            var own = sums[labels[a]] / counts[labels[a]];
            var other = double.PositiveInfinity;
            for (var c = 0; c < centroids.Length; c++)
            {
                if (c != labels[a] && counts[c] > 0)
                {
                    other = Math.Min(other, sums[c] / counts[c]);
                }
            }

            if (!double.IsPositiveInfinity(other))
            {
                total += (other - own) / Math.Max(own, other);
            }
        }

        return total / sample.Length;
    }

    private static double[] Dense(SparseVector v, int dim)
    {
        var d = new double[dim];
        for (var j = 0; j < v.Indices.Length; j++)
        {
            d[v.Indices[j]] = v.Values[j];
        }

        return d;
    }

    private static List<string> KeyPhrases(double[] centroid, string[] terms, int count)
    {
        var ranked = Enumerable.Range(0, terms.Length).Where(i => centroid[i] > 0)
            .OrderByDescending(i => centroid[i]).ThenBy(i => terms[i], StringComparer.Ordinal);
        var chosen = new List<string>();
        foreach (var i in ranked)
        {
            var t = terms[i];

            // Skip a word already inside a chosen phrase, and replace a chosen word by a phrase that contains it.
            if (chosen.Any(c => c.Contains(' ', StringComparison.Ordinal) && c.Split(' ').Contains(t)))
            {
                continue;
            }

            chosen.RemoveAll(c => !c.Contains(' ', StringComparison.Ordinal) && t.Split(' ').Contains(c));
            chosen.Add(t);
            if (chosen.Count == count)
            {
                break;
            }
        }

        return chosen;
    }
}
