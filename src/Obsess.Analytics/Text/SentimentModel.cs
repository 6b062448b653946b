using System.Globalization;

namespace Obsess.Analytics.Text;

/// <summary>One labelled training sentence: label 1 positive, 0 negative.</summary>
public sealed record LabelledText(string Text, int Label);

public sealed record SentimentTrainingOptions
{
    public int Seed { get; init; } = 17;

    public int Bits { get; init; } = 20;

    public int MaxEpochs { get; init; } = 10;

    public double LearningRate { get; init; } = 0.1;

    public IReadOnlyList<double> L2Grid { get; init; } = [1e-7, 1e-6, 1e-5];
}

/// <summary>
/// A trained binary sentiment model (logistic regression on hashed words, bigrams and the rule scores),
/// blended with the rule compound: score = w·rule + (1 − w)·(2p − 1), where w is chosen on the development set.
/// </summary>
public sealed class SentimentModel
{
    internal const int DenseCount = 5;

    public SentimentModel(LinearModel linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        if (linear.Classes.Count != 2 || linear.DenseCount != DenseCount)
        {
            throw new ArgumentException($"a sentiment model needs 2 classes and {DenseCount} dense features.", nameof(linear));
        }

        Linear = linear;
        RuleWeight = MetaNumber(linear, "ruleWeight", 0);
        Temperature = MetaNumber(linear, "temperature", 1);
        if (RuleWeight is < 0 or > 1 || Temperature <= 0)
        {
            throw new FormatException("model JSON 'meta': ruleWeight must be in 0..1 and temperature positive.");
        }
    }

    public LinearModel Linear { get; }

    /// <summary>Weight of the rule compound in the blend (0..1).</summary>
    public double RuleWeight { get; }

    /// <summary>Logit temperature fitted on the development set (Guo et al. 2017): above 1 softens an overconfident model.</summary>
    public double Temperature { get; }

    public string Fingerprint => Linear.Fingerprint;

    private static double MetaNumber(LinearModel linear, string key, double fallback)
    {
        if (!linear.Meta.TryGetValue(key, out var s))
        {
            return fallback;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"model JSON 'meta.{key}': '{s}' is not a number.");
    }

    public static SentimentModel FromJson(string json) => new(LinearModel.FromJson(json));

    public string ToJson() => Linear.ToJson();

    /// <summary>The model's own score 2p − 1 in (-1, 1) with p at the fitted temperature, before blending.</summary>
    public double ModelScore(IReadOnlyList<string> tokens, string text, RuleSentiment rule)
    {
        var features = new List<int>(tokens.Count * 2);
        HashedFeatures.Extract(tokens, Linear.Bits, features);
        Span<double> dense = stackalloc double[DenseCount];
        Dense(text, rule, dense);
        Span<double> z = stackalloc double[2];
        Linear.Logits(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features), dense, z);
        return Math.Tanh((z[1] - z[0]) / (2 * Temperature));
    }

    public double Score(IReadOnlyList<string> tokens, string text, RuleSentiment rule) =>
        Blend(rule.Compound, ModelScore(tokens, text, rule), RuleWeight);

    internal static double Blend(double rule, double model, double ruleWeight) => ruleWeight * rule + (1 - ruleWeight) * model;

    internal static void Dense(string text, RuleSentiment rule, Span<double> into)
    {
        int bangs = 0, questions = 0;
        foreach (var c in text)
        {
            bangs += c == '!' ? 1 : 0;
            questions += c == '?' ? 1 : 0;
        }

        into[0] = rule.Compound;
        into[1] = Math.Tanh(rule.PositiveSum / 4);
        into[2] = Math.Tanh(rule.NegativeSum / 4);
        into[3] = Math.Min(bangs, 3) / 3.0;
        into[4] = questions > 0 ? 1 : 0;
    }
}

/// <summary>Reproducible training of <see cref="SentimentModel"/> (pure: same data and seed give the same weights).</summary>
public static class SentimentTrainer
{
    /// <summary>
    /// Reads "text TAB label" rows with a header row (the SST-2 and UCI Sentiment Labelled Sentences layouts).
    /// The label is the last tab-separated field (0 or 1).
    /// </summary>
    public static IReadOnlyList<LabelledText> ReadLabelled(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<LabelledText>();
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (lineNo == 1 || line.Trim().Length == 0)
            {
                continue;
            }

            var tab = line.LastIndexOf('\t');
            var label = tab < 0 ? string.Empty : line[(tab + 1)..].Trim();
            if (label is not ("0" or "1"))
            {
                throw new FormatException($"{source} line {lineNo}: expected 'text<TAB>0|1', got label '{label}'.");
            }

            rows.Add(new LabelledText(line[..tab].Trim(), label == "1" ? 1 : 0));
        }

        return rows;
    }

    /// <summary>
    /// Splits rows into training rows and every <paramref name="every"/>-th row held out for development (deterministic).
    /// The standard recipe holds out every fifth row of each UCI set and adds it to SST-2 dev.
    /// </summary>
    public static (IReadOnlyList<LabelledText> Train, IReadOnlyList<LabelledText> Dev) HoldOut(IReadOnlyList<LabelledText> rows, int every = 5)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 2);
        return (rows.Where((_, i) => i % every != 0).ToList(), rows.Where((_, i) => i % every == 0).ToList());
    }

    /// <summary>
    /// Trains on <paramref name="train"/> and selects L2 and the number of epochs by log-loss on <paramref name="dev"/>,
    /// then the rule blend weight (0, 0.1, …, 1) by Pearson correlation between the blended score and the dev labels.
    /// </summary>
    public static SentimentModel Train(IReadOnlyList<LabelledText> train, IReadOnlyList<LabelledText> dev, RuleSentimentScorer rules, SentimentTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(dev);
        ArgumentNullException.ThrowIfNull(rules);
        options ??= new SentimentTrainingOptions();
        if (train.Count == 0 || dev.Count == 0)
        {
            throw new ArgumentException("training and development sets must not be empty.");
        }

        var trainSet = Prepare(train, rules, options.Bits);
        var devSet = Prepare(dev, rules, options.Bits);
        var devRules = dev.Select(d => rules.Score(d.Text).Compound).ToArray();
        var classes = new[] { "negative", "positive" };
        LinearModel? best = null;
        var bestLoss = double.PositiveInfinity;
        foreach (var l2 in options.L2Grid)
        {
            var meta = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["kind"] = "sentiment",
                ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
                ["l2"] = l2.ToString("R", CultureInfo.InvariantCulture),
                ["learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                ["trainCount"] = train.Count.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (_, model) in SoftmaxTrainer.TrainEpochs(trainSet, classes, options.Bits, SentimentModel.DenseCount, options.MaxEpochs, options.LearningRate, l2, options.Seed, meta))
            {
                var loss = LogLoss(model, devSet);
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    best = model;
                }
            }
        }

        var chosen = best!;
        var margins = devSet.Select(ex =>
        {
            Span<double> z = stackalloc double[2];
            chosen.Logits(ex.Features, ex.Dense, z);
            return z[1] - z[0];
        }).ToArray();

        // Temperature scaling (Guo et al. 2017) by dev log-loss; the model score is then 2σ(m/T) − 1 = tanh(m/2T).
        double temperature = 1, bestCalibrated = double.PositiveInfinity;
        foreach (var t in new[] { 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4 })
        {
            double loss = 0;
            for (var i = 0; i < margins.Length; i++)
            {
                var m = margins[i] / t * (dev[i].Label == 1 ? 1 : -1);
                loss += m > 0 ? double.LogP1(Math.Exp(-m)) : -m + double.LogP1(Math.Exp(m));
            }

            if (loss < bestCalibrated - 1e-12)
            {
                bestCalibrated = loss;
                temperature = t;
            }
        }

        var modelScores = margins.Select(m => Math.Tanh(m / (2 * temperature))).ToArray();
        var labels = dev.Select(d => d.Label == 1 ? 1.0 : -1.0).ToArray();
        double bestWeight = 0, bestR = double.NegativeInfinity;
        for (var step = 0; step <= 10; step++)
        {
            var wgt = step / 10.0;
            var r = TextMetrics.Pearson(modelScores.Select((m, i) => SentimentModel.Blend(devRules[i], m, wgt)).ToArray(), labels);
            if (r > bestR + 1e-12)
            {
                bestR = r;
                bestWeight = wgt;
            }
        }

        var accuracy = modelScores.Select((m, i) => SentimentModel.Blend(devRules[i], m, bestWeight) >= 0 == (labels[i] > 0)).Count(ok => ok) / (double)dev.Count;
        var finalMeta = new Dictionary<string, string>(chosen.Meta, StringComparer.Ordinal)
        {
            ["ruleWeight"] = bestWeight.ToString("R", CultureInfo.InvariantCulture),
            ["temperature"] = temperature.ToString("R", CultureInfo.InvariantCulture),
            ["devLogLoss"] = bestLoss.ToString("F4", CultureInfo.InvariantCulture),
            ["devPearson"] = bestR.ToString("F4", CultureInfo.InvariantCulture),
            ["devAccuracy"] = accuracy.ToString("F4", CultureInfo.InvariantCulture),
            ["devCount"] = dev.Count.ToString(CultureInfo.InvariantCulture),
        };
        // Round-trip through JSON so the returned model is exactly what a reload of the saved weights gives.
        return SentimentModel.FromJson(chosen.WithMeta(finalMeta).ToJson());
    }

    internal static List<TrainingExample> Prepare(IReadOnlyList<LabelledText> rows, RuleSentimentScorer rules, int bits)
    {
        var list = new List<TrainingExample>(rows.Count);
        var features = new List<int>();
        foreach (var row in rows)
        {
            var text = RuleSentimentScorer.Normalize(row.Text);
            var tokens = rules.Tokenize(text);
            var rule = rules.Score(text, tokens);
            features.Clear();
            HashedFeatures.Extract(tokens, bits, features);
            var dense = new double[SentimentModel.DenseCount];
            SentimentModel.Dense(text, rule, dense);
            list.Add(new TrainingExample([.. features], dense, row.Label == 1 ? [0.0, 1.0] : [1.0, 0.0]));
        }

        return list;
    }

    private static double LogLoss(LinearModel model, List<TrainingExample> set)
    {
        double loss = 0;
        Span<double> p = stackalloc double[model.Classes.Count];
        foreach (var ex in set)
        {
            model.Predict(ex.Features, ex.Dense, p);
            for (var c = 0; c < p.Length; c++)
            {
                loss -= ex.Target[c] * Math.Log(Math.Max(p[c], 1e-12));
            }
        }

        return loss / set.Count;
    }
}
