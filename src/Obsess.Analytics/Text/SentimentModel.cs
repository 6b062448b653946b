using System.Globalization;

namespace Obsess.Analytics.Text;

/// <summary>
/// One labelled training text: <see cref="Positive"/>, <see cref="Negative"/> or <see cref="Neutral"/>.
/// <paramref name="Source"/> names the data set it came from (development rows are weighted per source).
/// </summary>
public sealed record LabelledText(string Text, int Label, string Source = "")
{
    public const int Negative = 0;
    public const int Positive = 1;
    public const int Neutral = 2;

    /// <summary>−1, 0 or +1: the label on the score's scale.</summary>
    public double Polarity => Label switch { Positive => 1, Negative => -1, _ => 0 };
}

public sealed record SentimentTrainingOptions
{
    public int Seed { get; init; } = 17;

    public int Bits { get; init; } = 20;

    public int MaxEpochs { get; init; } = 10;

    public double LearningRate { get; init; } = 0.1;

    public IReadOnlyList<double> L2Grid { get; init; } = [1e-7, 1e-6, 1e-5];

    /// <summary>
    /// Character n-gram length added to the word features (0: none). 4 had the lowest dev log-loss of 3, 4 and 5
    /// (.5864, .5805, .5810; none: .5972).
    /// </summary>
    public int CharGrams { get; init; } = 4;
}

/// <summary>
/// A trained three-class sentiment model (negative, neutral, positive: multinomial logistic regression on hashed words,
/// bigrams and the rule scores), combined with the rule compound through a gate that depends on the text:
/// score = g·rule + (1 − g)·(P(positive) − P(negative)), g = σ(θ·φ(text)), with θ fitted on the development set.
/// The gate is a small mixture of experts (Jacobs et al. 1991) with two fixed experts: it lets the rules speak for
/// short, emphatic, lexicon-rich social text and the model for longer, plainer prose.
/// </summary>
public sealed class SentimentModel
{
    internal const int DenseCount = 10;

    /// <summary>Gate features: see <see cref="GateFeatures"/>.</summary>
    public const int GateCount = 7;

    internal static readonly string[] ClassNames = ["negative", "neutral", "positive"];

    public SentimentModel(LinearModel linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        if (linear.Classes.Count != 3 || linear.DenseCount != DenseCount)
        {
            throw new ArgumentException($"a sentiment model needs 3 classes (negative, neutral, positive) and {DenseCount} dense features; weights from an older engine must be trained again.", nameof(linear));
        }

        Linear = linear;
        Temperature = MetaNumber(linear, "temperature", 1);
        Gate = linear.Meta.TryGetValue("gate", out var gate) ? ParseGate(gate) : new double[GateCount];
        NeutralZone = MetaNumber(linear, "neutralZone", 0);
        CharGrams = (int)MetaNumber(linear, "charGrams", 0);
        if (Temperature <= 0 || NeutralZone is < 0 or >= 1)
        {
            throw new FormatException("model JSON 'meta': temperature must be positive and neutralZone in [0, 1).");
        }
    }

    public LinearModel Linear { get; }

    /// <summary>Logit temperature fitted on the development set (Guo et al. 2017): above 1 softens an overconfident model.</summary>
    public double Temperature { get; }

    /// <summary>
    /// Half-width c of the band around 0 that the gated score is pulled into: s ↦ sign(s)·max(0, |s| − c)/(1 − c),
    /// monotone, so the order of scores (and most of a correlation) is kept while texts the engine is unsure of land
    /// inside the fixed ±0.05 neutral thresholds. Chosen on the development set by 3-class macro-F1.
    /// </summary>
    public double NeutralZone { get; }

    /// <summary>Length of the character n-grams added to the word features (0: none).</summary>
    public int CharGrams { get; }

    /// <summary>Gate weights θ over <see cref="GateFeatures"/> (the first is the intercept).</summary>
    public IReadOnlyList<double> Gate { get; }

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

    private static double[] ParseGate(string s)
    {
        var parts = s.Split(',');
        var gate = new double[GateCount];
        if (parts.Length != GateCount)
        {
            throw new FormatException($"model JSON 'meta.gate': expected {GateCount} comma-separated numbers.");
        }

        for (var i = 0; i < GateCount; i++)
        {
            gate[i] = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v
                : throw new FormatException($"model JSON 'meta.gate': '{parts[i]}' is not a number.");
        }

        return gate;
    }

    internal static string FormatGate(IReadOnlyList<double> gate) =>
        string.Join(",", gate.Select(g => Math.Round(g, 6).ToString("R", CultureInfo.InvariantCulture)));

    public static SentimentModel FromJson(string json) => new(LinearModel.FromJson(json));

    public string ToJson() => Linear.ToJson();

    /// <summary>The model's own score P(positive) − P(negative) in (-1, 1), at the fitted temperature, before the gate.</summary>
    public double ModelScore(IReadOnlyList<string> tokens, string text, RuleSentiment rule)
    {
        var features = new List<int>(tokens.Count * 2);
        HashedFeatures.Extract(tokens, Linear.Bits, features);
        if (CharGrams > 0)
        {
            HashedFeatures.ExtractCharGrams(tokens, Linear.Bits, CharGrams, features);
        }
        Span<double> dense = stackalloc double[DenseCount];
        Dense(text, tokens, rule, dense);
        Span<double> z = stackalloc double[3];
        Linear.Logits(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features), dense, z);
        return Polarity(z, Temperature);
    }

    /// <summary>The gate g in (0, 1): the rule compound's share of the score for this text.</summary>
    public double RuleShare(IReadOnlyList<string> tokens, string text, RuleSentiment rule)
    {
        Span<double> phi = stackalloc double[GateCount];
        GateFeatures(tokens, text, rule, phi);
        return GateValue(Gate, phi);
    }

    public double Score(IReadOnlyList<string> tokens, string text, RuleSentiment rule)
    {
        var g = RuleShare(tokens, text, rule);
        return Shrink(Blend(rule.Compound, ModelScore(tokens, text, rule), g), NeutralZone);
    }

    internal static double Blend(double rule, double model, double ruleWeight) => ruleWeight * rule + (1 - ruleWeight) * model;

    /// <summary>The neutral zone map s ↦ sign(s)·max(0, |s| − c)/(1 − c).</summary>
    public static double Shrink(double score, double zone) => Math.Sign(score) * Math.Max(0, Math.Abs(score) - zone) / (1 - zone);

    internal static double Polarity(ReadOnlySpan<double> logits, double temperature)
    {
        Span<double> p = stackalloc double[3];
        for (var c = 0; c < 3; c++)
        {
            p[c] = logits[c] / temperature;
        }

        LinearModel.Softmax(p);
        return p[2] - p[0];
    }

    /// <summary>g = σ(θ·φ).</summary>
    public static double GateValue(IReadOnlyList<double> theta, ReadOnlySpan<double> phi)
    {
        ArgumentNullException.ThrowIfNull(theta);
        double a = 0;
        for (var i = 0; i < phi.Length; i++)
        {
            a += theta[i] * phi[i];
        }

        return 1 / (1 + Math.Exp(-a));
    }

    /// <summary>
    /// What the gate sees, all in [0, 1]: intercept; lexicon evidence (tanh of the summed absolute valences / 4);
    /// emoticons or emoji; Twitter-style mark-up (@mention, #hashtag, link); emphasis (an exclamation mark, a word in
    /// capitals or a letter repeated three times, as in "sooo"); length (tokens / 40, capped); no rule evidence at all
    /// (compound 0). The model's own confidence was tried as a feature and did not help on the development set.
    /// </summary>
    internal static void GateFeatures(IReadOnlyList<string> tokens, string text, RuleSentiment rule, Span<double> phi)
    {
        bool markup = false, emphasis = text.Contains('!', StringComparison.Ordinal), emoticon = rule.Emoji > 0;
        foreach (var t in tokens)
        {
            if (t.Length == 0)
            {
                continue;
            }

            if (t[0] is '@' or '#' || t.StartsWith("http", StringComparison.OrdinalIgnoreCase) || t.StartsWith("www.", StringComparison.OrdinalIgnoreCase))
            {
                markup = true;
            }

            if (!char.IsLetterOrDigit(t[0]) && !char.IsLetterOrDigit(t[^1]) && t.Length >= 2)
            {
                emoticon = true;
            }

            emphasis |= TextTokenizer.IsAllCaps(t) && t.Length >= 3 || RuleSentimentScorer.HasLetterRun(t);
        }

        foreach (var c in text)
        {
            if (c is '@' or '#')
            {
                markup = true;
                break;
            }
        }

        phi[0] = 1;
        phi[1] = Math.Tanh((rule.PositiveSum - rule.NegativeSum) / 4);
        phi[2] = emoticon ? 1 : 0;
        phi[3] = markup ? 1 : 0;
        phi[4] = emphasis ? 1 : 0;
        phi[5] = Math.Min(tokens.Count, 40) / 40.0;
        phi[6] = rule.Compound == 0 ? 1 : 0;
    }

    /// <summary>
    /// Dense features: the rule scores plus the lexicon and surface features of Mohammad, Kiritchenko &amp; Zhu 2013
    /// (NRC-Canada, SemEval-2013 Twitter sentiment): strongest positive and negative valence, number of sentiment
    /// tokens, emoji, words in capitals or lengthened, exclamation and question marks.
    /// </summary>
    internal static void Dense(string text, IReadOnlyList<string> tokens, RuleSentiment rule, Span<double> into)
    {
        int bangs = 0, questions = 0;
        foreach (var c in text)
        {
            bangs += c == '!' ? 1 : 0;
            questions += c == '?' ? 1 : 0;
        }

        var emphasised = 0;
        foreach (var t in tokens)
        {
            emphasised += TextTokenizer.IsAllCaps(t) && t.Length >= 3 || RuleSentimentScorer.HasLetterRun(t) ? 1 : 0;
        }

        into[0] = rule.Compound;
        into[1] = Math.Tanh(rule.PositiveSum / 4);
        into[2] = Math.Tanh(rule.NegativeSum / 4);
        into[3] = Math.Min(bangs, 3) / 3.0;
        into[4] = questions > 0 ? 1 : 0;
        into[5] = rule.StrongestPositive / 4;
        into[6] = rule.StrongestNegative / 4;
        into[7] = Math.Tanh(rule.SentimentTokens / 4.0);
        into[8] = Math.Min(rule.Emoji, 3) / 3.0;
        into[9] = Math.Tanh(emphasised / 2.0);
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

            rows.Add(new LabelledText(line[..tab].Trim(), label == "1" ? LabelledText.Positive : LabelledText.Negative, source));
        }

        return rows;
    }

    /// <summary>
    /// The standard recipe's data, read through <paramref name="open"/> (a path relative to the shared data folder):
    /// training = SST-2 train + 80 % of each UCI set (Kotzias et al. 2015) + GoEmotions train mapped to three classes;
    /// development = SST-2 dev + the other 20 % of each UCI set (every fifth row) + GoEmotions dev, mapped the same way.
    /// </summary>
    public static (IReadOnlyList<LabelledText> Train, IReadOnlyList<LabelledText> Dev) StandardSets(Func<string, TextReader> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        IReadOnlyList<LabelledText> Read(string relative, string source)
        {
            using var reader = open(relative);
            return ReadLabelled(reader, source);
        }

        IReadOnlyList<LabelledText> Emotions(string file)
        {
            using var tsv = open($"emotion/goemotions/{file}");
            using var labels = open("emotion/goemotions/labels.txt");
            using var mapping = open("emotion/goemotions/ekman_mapping.json");
            return FromEmotions(EmotionTrainer.ReadGoEmotions(tsv, labels, mapping.ReadToEnd()));
        }

        var train = Read("sentiment/sst2/train.tsv", "sst2").ToList();
        var dev = Read("sentiment/sst2/dev.tsv", "sst2").ToList();
        foreach (var f in new[] { "amazon_cells", "imdb", "yelp" })
        {
            var (uciTrain, uciDev) = HoldOut(Read($"sentiment/uci/{f}_labelled.txt", $"uci-{f}"));
            train.AddRange(uciTrain);
            dev.AddRange(uciDev);
        }

        train.AddRange(Emotions("train.tsv"));
        dev.AddRange(Emotions("dev.tsv"));
        return (train, dev);
    }

    /// <summary>
    /// Three-class sentiment rows from GoEmotions (Demszky et al. 2020) through its Ekman grouping: joy → positive;
    /// anger, disgust, fear, sadness → negative; neutral → neutral. Surprise (which covers surprise, realization,
    /// confusion, curiosity) has no sign and is left out, and so is a comment whose labels point to more than one
    /// class (e.g. joy and sadness): only comments with one unambiguous sentiment are kept.
    /// </summary>
    public static IReadOnlyList<LabelledText> FromEmotions(IReadOnlyList<EmotionExample> rows, string source = "goemotions")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var emotions = EmotionModel.Emotions;
        var list = new List<LabelledText>(rows.Count);
        foreach (var row in rows)
        {
            bool pos = false, neg = false, neu = false;
            for (var i = 0; i < emotions.Count; i++)
            {
                if (row.Target[i] <= 0)
                {
                    continue;
                }

                switch (emotions[i])
                {
                    case "joy":
                        pos = true;
                        break;
                    case "neutral":
                        neu = true;
                        break;
                    case "surprise":
                        break;
                    default:
                        neg = true;
                        break;
                }
            }

            if ((pos ? 1 : 0) + (neg ? 1 : 0) + (neu ? 1 : 0) == 1)
            {
                list.Add(new LabelledText(row.Text, pos ? LabelledText.Positive : neg ? LabelledText.Negative : LabelledText.Neutral, source));
            }
        }

        return list;
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
    /// then a logit temperature (dev log-loss, Guo et al. 2017), then the gate θ by the Pearson r between the gated
    /// score and the dev polarity (−1, 0, +1), then the neutral zone (0, 0.05, …, 0.6) with the best 3-class macro-F1 among those that lower the (weighted) dev
    /// Pearson r by at most 0.005, since r is the primary target. Every development figure weights the sources so that the social text
    /// (GoEmotions) and the reviews (SST-2, UCI) count half each, whatever their row counts.
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

        var trainSet = Prepare(train, rules, options.Bits, options.CharGrams);
        var devSet = Prepare(dev, rules, options.Bits, options.CharGrams);
        var weights = DevWeights(dev);
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
                ["charGrams"] = options.CharGrams.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (_, model) in SoftmaxTrainer.TrainEpochs(trainSet, SentimentModel.ClassNames, options.Bits, SentimentModel.DenseCount, options.MaxEpochs, options.LearningRate, l2, options.Seed, meta))
            {
                var loss = LogLoss(model, devSet, weights, 1);
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    best = model;
                }
            }
        }

        var chosen = best!;
        double temperature = 1, bestCalibrated = double.PositiveInfinity;
        foreach (var t in new[] { 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4 })
        {
            var loss = LogLoss(chosen, devSet, weights, t);
            if (loss < bestCalibrated - 1e-12)
            {
                bestCalibrated = loss;
                temperature = t;
            }
        }

        var modelScores = new double[dev.Count];
        var ruleScores = new double[dev.Count];
        var phi = new double[dev.Count][];
        var target = dev.Select(d => d.Polarity).ToArray();
        Span<double> z = stackalloc double[3];
        for (var i = 0; i < dev.Count; i++)
        {
            chosen.Logits(devSet[i].Features, devSet[i].Dense, z);
            modelScores[i] = SentimentModel.Polarity(z, temperature);
            var text = RuleSentimentScorer.Normalize(dev[i].Text);
            var tokens = rules.Tokenize(text);
            var rule = rules.Score(text, tokens);
            ruleScores[i] = rule.Compound;
            phi[i] = new double[SentimentModel.GateCount];
            SentimentModel.GateFeatures(tokens, text, rule, phi[i]);
        }

        var gate = FitGate(phi, ruleScores, modelScores, target, weights);
        var blended = Enumerable.Range(0, dev.Count).Select(i => SentimentModel.Blend(ruleScores[i], modelScores[i], SentimentModel.GateValue(gate, phi[i]))).ToArray();
        // Pearson r is the primary target, so the zone may cost at most 0.005 of weighted dev r; within that, the best macro-F1.
        var r0 = WeightedPearson(blended, target, weights);
        double zone = 0, bestF1 = WeightedMacroF1(blended, target, weights);
        for (var step = 1; step <= 12; step++)
        {
            var c = step * 0.05;
            var shrunk = blended.Select(b => SentimentModel.Shrink(b, c)).ToArray();
            var f1 = WeightedMacroF1(shrunk, target, weights);
            if (f1 > bestF1 + 1e-9 && WeightedPearson(shrunk, target, weights) >= r0 - MaxPearsonCostOfZone)
            {
                bestF1 = f1;
                zone = c;
            }
        }

        blended = [.. blended.Select(b => SentimentModel.Shrink(b, zone))];
        var finalMeta = new Dictionary<string, string>(chosen.Meta, StringComparer.Ordinal)
        {
            ["gate"] = SentimentModel.FormatGate(gate),
            ["neutralZone"] = zone.ToString("R", CultureInfo.InvariantCulture),
            ["devMacroF1"] = bestF1.ToString("F4", CultureInfo.InvariantCulture),
            ["temperature"] = temperature.ToString("R", CultureInfo.InvariantCulture),
            ["devLogLoss"] = bestLoss.ToString("F4", CultureInfo.InvariantCulture),
            ["devPearson"] = WeightedPearson(blended, target, weights).ToString("F4", CultureInfo.InvariantCulture),
            ["devPearsonModel"] = TextMetrics.Pearson(modelScores, target).ToString("F4", CultureInfo.InvariantCulture),
            ["devPearsonRules"] = TextMetrics.Pearson(ruleScores, target).ToString("F4", CultureInfo.InvariantCulture),
            ["devCount"] = dev.Count.ToString(CultureInfo.InvariantCulture),
        };
        // Round-trip through JSON so the returned model is exactly what a reload of the saved weights gives.
        return SentimentModel.FromJson(chosen.WithMeta(finalMeta).ToJson());
    }

    internal const double MaxPearsonCostOfZone = 0.005;

    internal static double WeightedPearson(double[] x, double[] y, double[] w)
    {
        double sw = 0, mx = 0, my = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sw += w[i];
            mx += w[i] * x[i];
            my += w[i] * y[i];
        }

        mx /= sw;
        my /= sw;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += w[i] * (x[i] - mx) * (y[i] - my);
            sxx += w[i] * (x[i] - mx) * (x[i] - mx);
            syy += w[i] * (y[i] - my) * (y[i] - my);
        }

        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Macro-F1 over negative, neutral and positive with row weights (the fixed ±0.05 thresholds decide the class).</summary>
    internal static double WeightedMacroF1(double[] scores, double[] target, double[] weights)
    {
        var tp = new double[3];
        var fp = new double[3];
        var fn = new double[3];
        for (var i = 0; i < scores.Length; i++)
        {
            var p = SentimentAnalyzer.LabelOf(scores[i]) switch { SentimentLabel.Negative => 0, SentimentLabel.Positive => 2, _ => 1 };
            var g = (int)target[i] + 1;
            if (p == g)
            {
                tp[g] += weights[i];
            }
            else
            {
                fp[p] += weights[i];
                fn[g] += weights[i];
            }
        }

        double sum = 0;
        for (var c = 0; c < 3; c++)
        {
            sum += tp[c] == 0 ? 0 : 2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]);
        }

        return sum / 3;
    }

    /// <summary>Row weights that give the GoEmotions rows half the total and the review rows (every other source) the other half.</summary>
    internal static double[] DevWeights(IReadOnlyList<LabelledText> dev)
    {
        var social = dev.Count(d => d.Source == "goemotions");
        var reviews = dev.Count - social;
        return dev.Select(d => social == 0 || reviews == 0 ? 1.0 : d.Source == "goemotions" ? dev.Count / (2.0 * social) : dev.Count / (2.0 * reviews)).ToArray();
    }

    /// <summary>
    /// The gate θ that maximises the weighted Pearson r between the gated score sᵢ = gᵢ·ruleᵢ + (1 − gᵢ)·modelᵢ,
    /// gᵢ = σ(θ·φᵢ), and the dev polarity yᵢ (r is the benchmark's measure, and it ignores the scale of the score), with a
    /// small L2 penalty, by full-batch AdaGrad (Duchi, Hazan &amp; Singer 2011) from θ = 0 (g = ½): deterministic, and a
    /// fraction of a second for a few thousand rows. ∂r/∂sᵢ = wᵢ((yᵢ − ȳ)/√(SₛₛSᵧᵧ) − r(sᵢ − s̄)/Sₛₛ).
    /// </summary>
    public static double[] FitGate(double[][] phi, double[] rule, double[] model, double[] target, double[] weights)
    {
        ArgumentNullException.ThrowIfNull(phi);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(weights);
        var n = phi.Length;
        var k = SentimentModel.GateCount;
        var theta = new double[k];
        var grad = new double[k];
        var g2 = new double[k];
        var s = new double[n];
        var g = new double[n];
        const double lambda = 1e-4, step = 0.1;
        for (var iter = 0; iter < 1500; iter++)
        {
            double sw = 0, ms = 0, my = 0;
            for (var i = 0; i < n; i++)
            {
                g[i] = SentimentModel.GateValue(theta, phi[i]);
                s[i] = SentimentModel.Blend(rule[i], model[i], g[i]);
                sw += weights[i];
                ms += weights[i] * s[i];
                my += weights[i] * target[i];
            }

            ms /= sw;
            my /= sw;
            double sxy = 0, sxx = 0, syy = 0;
            for (var i = 0; i < n; i++)
            {
                sxy += weights[i] * (s[i] - ms) * (target[i] - my);
                sxx += weights[i] * (s[i] - ms) * (s[i] - ms);
                syy += weights[i] * (target[i] - my) * (target[i] - my);
            }

            if (sxx <= 0 || syy <= 0)
            {
                break;
            }

            var r = sxy / Math.Sqrt(sxx * syy);
            Array.Clear(grad);
            for (var i = 0; i < n; i++)
            {
                var dr = weights[i] * ((target[i] - my) / Math.Sqrt(sxx * syy) - r * (s[i] - ms) / sxx);
                var d = dr * (rule[i] - model[i]) * g[i] * (1 - g[i]);
                for (var j = 0; j < k; j++)
                {
                    grad[j] += d * phi[i][j];
                }
            }

            for (var j = 0; j < k; j++)
            {
                var ascent = grad[j] - 2 * lambda * theta[j];
                g2[j] += ascent * ascent;
                theta[j] += step * ascent / (Math.Sqrt(g2[j]) + 1e-12);
            }
        }

        return theta;
    }

    internal static List<TrainingExample> Prepare(IReadOnlyList<LabelledText> rows, RuleSentimentScorer rules, int bits, int charGrams)
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
            if (charGrams > 0)
            {
                HashedFeatures.ExtractCharGrams(tokens, bits, charGrams, features);
            }
            var dense = new double[SentimentModel.DenseCount];
            SentimentModel.Dense(text, tokens, rule, dense);
            var target = new double[3];
            target[row.Label switch { LabelledText.Negative => 0, LabelledText.Positive => 2, _ => 1 }] = 1;
            list.Add(new TrainingExample([.. features], dense, target));
        }

        return list;
    }

    private static double LogLoss(LinearModel model, List<TrainingExample> set, double[] weights, double temperature)
    {
        double loss = 0, total = 0;
        Span<double> p = stackalloc double[model.Classes.Count];
        for (var i = 0; i < set.Count; i++)
        {
            var ex = set[i];
            model.Logits(ex.Features, ex.Dense, p);
            for (var c = 0; c < p.Length; c++)
            {
                p[c] /= temperature;
            }

            LinearModel.Softmax(p);
            for (var c = 0; c < p.Length; c++)
            {
                loss -= weights[i] * ex.Target[c] * Math.Log(Math.Max(p[c], 1e-12));
            }

            total += weights[i];
        }

        return loss / total;
    }
}
