using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Obsess.Analytics.Text;

/// <summary>One training text with its target distribution over <see cref="EmotionModel.Emotions"/>.</summary>
public sealed record EmotionExample(string Text, IReadOnlyList<double> Target)
{
    public IReadOnlyCollection<string> Labels => [.. EmotionModel.Emotions.Where((_, i) => Target[i] > 0)];
}

public sealed record EmotionTrainingOptions
{
    public int Seed { get; init; } = 17;

    public int Bits { get; init; } = 18;

    public int MaxEpochs { get; init; } = 8;

    public double LearningRate { get; init; } = 0.1;

    public IReadOnlyList<double> L2Grid { get; init; } = [1e-6, 1e-5];

    /// <summary>Use only the first N training rows (tests use a subset to stay fast); null for all.</summary>
    public int? Limit { get; init; }
}

/// <summary>Dev-set figures of an emotion model (single label per text: the decided top emotion).</summary>
public sealed record EmotionEvaluation
{
    public required IReadOnlyList<ClassScore> PerClass { get; init; }

    /// <summary>Macro-F1 over the six Ekman emotions and neutral.</summary>
    public required double MacroF1WithNeutral { get; init; }

    /// <summary>Macro-F1 over the six Ekman emotions only (neutral still predicted, not averaged).</summary>
    public required double MacroF1Emotions { get; init; }

    public required int Count { get; init; }
}

/// <summary>
/// Ekman emotions plus neutral as probabilities, from a multinomial logistic regression over hashed words and bigrams
/// and the rule sentiment scores. Immutable and thread-safe.
/// </summary>
public sealed class EmotionModel
{
    internal const int DenseCount = 3;

    public static readonly IReadOnlyList<string> Emotions = ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"];

    private readonly double[] _priorCorrection;

    public EmotionModel(LinearModel linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        if (!linear.Classes.SequenceEqual(Emotions) || linear.DenseCount != DenseCount)
        {
            throw new ArgumentException($"an emotion model needs the classes {string.Join(",", Emotions)} and {DenseCount} dense features.", nameof(linear));
        }

        Linear = linear;
        _priorCorrection = new double[Emotions.Count];
        if (linear.Meta.TryGetValue("decisionWeights", out var s))
        {
            var parts = s.Split(',');
            if (parts.Length != _priorCorrection.Length)
            {
                throw new FormatException($"model JSON 'meta.decisionWeights': expected {_priorCorrection.Length} comma-separated numbers.");
            }

            for (var i = 0; i < parts.Length; i++)
            {
                _priorCorrection[i] = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w > 0
                    ? w
                    : throw new FormatException($"model JSON 'meta.decisionWeights': item {i + 1} '{parts[i]}' is not a positive number.");
            }
        }
        else
        {
            Array.Fill(_priorCorrection, 1.0);
        }
    }

    public LinearModel Linear { get; }

    public string Fingerprint => Linear.Fingerprint;

    public static EmotionModel FromJson(string json) => new(LinearModel.FromJson(json));

    public string ToJson() => Linear.ToJson();

    public IReadOnlyDictionary<string, double> Predict(IReadOnlyList<string> tokens, RuleSentiment rule) => PredictAndDecide(tokens, rule).Probabilities;

    /// <summary>Probabilities and the decided top emotion from one pass of the model.</summary>
    public (IReadOnlyDictionary<string, double> Probabilities, string Top) PredictAndDecide(IReadOnlyList<string> tokens, RuleSentiment rule) =>
        PredictAndDecide(tokens, rule, null);

    /// <summary>
    /// As <see cref="PredictAndDecide(IReadOnlyList{string}, RuleSentiment)"/>, with the probabilities renormalised over
    /// the <paramref name="allowed"/> emotions (all when null), e.g. those consistent with the text's sentiment.
    /// </summary>
    public (IReadOnlyDictionary<string, double> Probabilities, string Top) PredictAndDecide(IReadOnlyList<string> tokens, RuleSentiment rule, IReadOnlySet<string>? allowed)
    {
        Span<double> p = stackalloc double[Emotions.Count];
        Probabilities(tokens, rule, p);
        if (allowed is not null)
        {
            Restrict(p, allowed);
        }

        var top = Emotions[Decide(p, _priorCorrection)];
        var result = new Dictionary<string, double>(Emotions.Count, StringComparer.Ordinal);
        for (var i = 0; i < p.Length; i++)
        {
            result[Emotions[i]] = p[i];
        }

        return (result, top);
    }

    /// <summary>
    /// The single emotion to show: the argmax of the probabilities divided by a per-class weight derived from the
    /// class prior (chosen on the development set), so rare emotions are not always drowned by neutral and joy.
    /// </summary>
    public string Decide(IReadOnlyList<string> tokens, RuleSentiment rule)
    {
        Span<double> p = stackalloc double[Emotions.Count];
        Probabilities(tokens, rule, p);
        return Emotions[Decide(p, _priorCorrection)];
    }

    private static readonly IReadOnlySet<string> NotJoy = new HashSet<string>(StringComparer.Ordinal) { "anger", "disgust", "fear", "sadness", "surprise", "neutral" };

    private static readonly IReadOnlySet<string> NegativeOnly = new HashSet<string>(StringComparer.Ordinal) { "anger", "disgust", "fear", "sadness", "surprise" };

    private static readonly IReadOnlySet<string> Displeasure = new HashSet<string>(StringComparer.Ordinal) { "anger", "disgust", "fear", "sadness" };

    private static readonly IReadOnlySet<string> NeutralOnly = new HashSet<string>(StringComparer.Ordinal) { "neutral" };

    private static readonly IReadOnlySet<string> NotNegative = new HashSet<string>(StringComparer.Ordinal) { "joy", "surprise", "neutral" };

    /// <summary>
    /// The emotions consistent with a sentiment label (Ekman groups as in GoEmotions' sentiment mapping, Demszky et al.
    /// 2020): joy cannot top a negative text, nor anger, disgust, fear or sadness a positive one; surprise and neutral stay
    /// possible. A negative text with a customer-service complaint, churn threat or sarcasm (<paramref name="evidence"/>)
    /// expresses displeasure, so neutral is dropped too, and surprise unless the text says so ("can't believe", "wow"):
    /// GoEmotions maps confusion and curiosity to surprise, which made complaints and questions read as surprised. A
    /// neutral message about an order, an account or the like with no evaluative word is neutral. Other neutral and
    /// mixed texts keep every emotion. Null means no restriction.
    /// </summary>
    public static IReadOnlySet<string>? ConsistentWith(SentimentLabel label, CustomerEvidence? evidence = null) => label switch
    {
        SentimentLabel.Negative when evidence is { Negative: > 0 } => evidence.SurpriseCue ? NegativeOnly : Displeasure,
        SentimentLabel.Negative => NotJoy,
        SentimentLabel.Positive => NotNegative,
        SentimentLabel.Neutral when evidence is { ServiceTopic: true, Evaluative: false, SurpriseCue: false } => NeutralOnly,
        _ => null,
    };

    internal static void Restrict(Span<double> p, IReadOnlySet<string> allowed)
    {
        double total = 0;
        for (var i = 0; i < p.Length; i++)
        {
            if (!allowed.Contains(Emotions[i]))
            {
                p[i] = 0;
            }

            total += p[i];
        }

        for (var i = 0; i < p.Length && total > 0; i++)
        {
            p[i] /= total;
        }
    }

    internal static int Decide(ReadOnlySpan<double> p, double[] weights)
    {
        var best = 0;
        for (var i = 1; i < p.Length; i++)
        {
            if (p[i] * weights[i] > p[best] * weights[best])
            {
                best = i;
            }
        }

        return best;
    }

    internal void Probabilities(IReadOnlyList<string> tokens, RuleSentiment rule, Span<double> p)
    {
        var features = new List<int>(tokens.Count * 2);
        HashedFeatures.Extract(tokens, Linear.Bits, features);
        Span<double> dense = stackalloc double[DenseCount];
        Dense(rule, dense);
        Linear.Predict(CollectionsMarshal.AsSpan(features), dense, p);
    }

    internal static void Dense(RuleSentiment rule, Span<double> into)
    {
        into[0] = rule.Compound;
        into[1] = Math.Tanh(rule.PositiveSum / 4);
        into[2] = Math.Tanh(rule.NegativeSum / 4);
    }
}

/// <summary>Reading GoEmotions (Demszky et al. 2020) and training <see cref="EmotionModel"/> reproducibly.</summary>
public static class EmotionTrainer
{
    /// <summary>
    /// Reads GoEmotions rows ("text TAB comma-separated label ids TAB id", header row), mapping the 27 emotions to Ekman's six
    /// with <paramref name="ekmanMappingJson"/>; "neutral" stays neutral. A text with several mapped emotions gets a uniform target over them.
    /// </summary>
    public static IReadOnlyList<EmotionExample> ReadGoEmotions(TextReader tsv, TextReader labels, string ekmanMappingJson)
    {
        ArgumentNullException.ThrowIfNull(tsv);
        ArgumentNullException.ThrowIfNull(labels);
        var names = new List<string>();
        while (labels.ReadLine() is { } l)
        {
            if (l.Trim().Length > 0)
            {
                names.Add(l.Trim());
            }
        }

        var toEkman = new Dictionary<string, int>(StringComparer.Ordinal) { ["neutral"] = Emotions.IndexOf("neutral") };
        using (var doc = JsonDocument.Parse(ekmanMappingJson))
        {
            foreach (var group in doc.RootElement.EnumerateObject())
            {
                var index = Emotions.IndexOf(group.Name);
                if (index < 0)
                {
                    throw new FormatException($"Ekman mapping: unknown emotion group '{group.Name}'.");
                }

                foreach (var e in group.Value.EnumerateArray())
                {
                    toEkman[e.GetString()!] = index;
                }
            }
        }

        var rows = new List<EmotionExample>();
        var lineNo = 0;
        while (tsv.ReadLine() is { } line)
        {
            lineNo++;
            if (lineNo == 1 || line.Length == 0)
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < 2)
            {
                throw new FormatException($"GoEmotions line {lineNo}: expected 'text<TAB>labels<TAB>id'.");
            }

            var target = new double[Emotions.Count];
            foreach (var id in fields[1].Split(','))
            {
                if (!int.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0 || n >= names.Count)
                {
                    throw new FormatException($"GoEmotions line {lineNo}: label id '{id}' is not one of the {names.Count} labels.");
                }

                if (!toEkman.TryGetValue(names[n], out var e))
                {
                    throw new FormatException($"GoEmotions line {lineNo}: label '{names[n]}' has no Ekman mapping.");
                }

                target[e] = 1;
            }

            var sum = target.Sum();
            for (var i = 0; i < target.Length; i++)
            {
                target[i] /= sum;
            }

            rows.Add(new EmotionExample(fields[0], target));
        }

        return rows;
    }

    private static IReadOnlyList<string> Emotions => EmotionModel.Emotions;

    private static int IndexOf(this IReadOnlyList<string> list, string s)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == s)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Trains on <paramref name="train"/>; selects L2, epochs and the decision weights (class prior to the power
    /// −a, a ∈ {0, 0.25, …, 1}) by macro-F1 over the seven classes on <paramref name="dev"/>.
    /// </summary>
    public static EmotionModel Train(IReadOnlyList<EmotionExample> train, IReadOnlyList<EmotionExample> dev, RuleSentimentScorer rules, EmotionTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(dev);
        ArgumentNullException.ThrowIfNull(rules);
        options ??= new EmotionTrainingOptions();
        var rows = options.Limit is { } limit ? train.Take(limit).ToList() : train;
        var trainSet = Prepare(rows, rules, options.Bits);
        var devSet = Prepare(dev, rules, options.Bits);
        var prior = new double[Emotions.Count];
        foreach (var ex in trainSet)
        {
            for (var c = 0; c < prior.Length; c++)
            {
                prior[c] += ex.Target[c] / trainSet.Count;
            }
        }

        LinearModel? best = null;
        double[]? bestWeights = null;
        var bestF1 = double.NegativeInfinity;
        foreach (var l2 in options.L2Grid)
        {
            var meta = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["kind"] = "emotion",
                ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
                ["l2"] = l2.ToString("R", CultureInfo.InvariantCulture),
                ["learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                ["trainCount"] = rows.Count.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (_, model) in SoftmaxTrainer.TrainEpochs(trainSet, [.. Emotions], options.Bits, EmotionModel.DenseCount, options.MaxEpochs, options.LearningRate, l2, options.Seed, meta))
            {
                var probabilities = devSet.Select(ex =>
                {
                    var p = new double[Emotions.Count];
                    model.Predict(ex.Features, ex.Dense, p);
                    return p;
                }).ToList();
                for (var a = 0; a <= 4; a++)
                {
                    var weights = prior.Select(q => Math.Pow(Math.Max(q, 1e-6), -a / 4.0)).ToArray();
                    var f1 = TextMetrics.MacroF1(Score(dev, probabilities, weights));
                    if (f1 > bestF1 + 1e-12)
                    {
                        bestF1 = f1;
                        best = model;
                        bestWeights = weights;
                    }
                }
            }
        }

        var finalMeta = new Dictionary<string, string>(best!.Meta, StringComparer.Ordinal)
        {
            ["decisionWeights"] = string.Join(",", bestWeights!.Select(w => w.ToString("R", CultureInfo.InvariantCulture))),
            ["devMacroF1"] = bestF1.ToString("F4", CultureInfo.InvariantCulture),
            ["devCount"] = dev.Count.ToString(CultureInfo.InvariantCulture),
        };
        return EmotionModel.FromJson(best.WithMeta(finalMeta).ToJson());
    }

    /// <summary>Per-class precision, recall and F1 of the decided top emotion against each text's gold label set.</summary>
    public static EmotionEvaluation Evaluate(EmotionModel model, IReadOnlyList<EmotionExample> set, RuleSentimentScorer rules)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(rules);
        var predicted = new List<IReadOnlyCollection<string>>(set.Count);
        foreach (var ex in set)
        {
            var text = RuleSentimentScorer.Normalize(ex.Text);
            var tokens = rules.Tokenize(text);
            predicted.Add([model.Decide(tokens, rules.Score(text, tokens))]);
        }

        var perClass = TextMetrics.PerClassSets(set.Select(e => e.Labels).ToList(), predicted, Emotions);
        return new EmotionEvaluation
        {
            PerClass = perClass,
            MacroF1WithNeutral = TextMetrics.MacroF1(perClass),
            MacroF1Emotions = TextMetrics.MacroF1(perClass.Where(c => c.Name != "neutral")),
            Count = set.Count,
        };
    }

    private static IReadOnlyList<ClassScore> Score(IReadOnlyList<EmotionExample> gold, List<double[]> probabilities, double[] weights)
    {
        var predicted = probabilities.Select(p => (IReadOnlyCollection<string>)[Emotions[EmotionModel.Decide(p, weights)]]).ToList();
        return TextMetrics.PerClassSets(gold.Select(e => e.Labels).ToList(), predicted, Emotions);
    }

    private static List<TrainingExample> Prepare(IReadOnlyList<EmotionExample> rows, RuleSentimentScorer rules, int bits)
    {
        var list = new List<TrainingExample>(rows.Count);
        var features = new List<int>();
        foreach (var row in rows)
        {
            var text = RuleSentimentScorer.Normalize(row.Text);
            var tokens = rules.Tokenize(text);
            features.Clear();
            HashedFeatures.Extract(tokens, bits, features);
            var dense = new double[EmotionModel.DenseCount];
            EmotionModel.Dense(rules.Score(text, tokens), dense);
            list.Add(new TrainingExample([.. features], dense, [.. row.Target]));
        }

        return list;
    }
}
