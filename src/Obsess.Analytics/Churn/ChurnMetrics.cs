namespace Obsess.Analytics.Churn;

/// <summary>Discrimination and calibration of probabilities against 0/1 labels.</summary>
public sealed record ClassificationMetrics
{
    /// <summary>ROC AUC = Mann-Whitney U / (n+ n−), ties counted one half.</summary>
    public required double RocAuc { get; init; }

    /// <summary>Average precision: Σ (R_k − R_{k−1}) P_k over distinct thresholds (the PR-AUC step estimator).</summary>
    public required double PrAuc { get; init; }

    /// <summary>Mean squared error of the probability (Brier 1950).</summary>
    public required double Brier { get; init; }

    /// <summary>Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15].</summary>
    public required double LogLoss { get; init; }

    public static ClassificationMetrics Of(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels) => new()
    {
        RocAuc = ChurnMetrics.RocAuc(probabilities, labels),
        PrAuc = ChurnMetrics.AveragePrecision(probabilities, labels),
        Brier = ChurnMetrics.Brier(probabilities, labels),
        LogLoss = ChurnMetrics.LogLoss(probabilities, labels),
    };

    public static ClassificationMetrics Mean(IReadOnlyList<ClassificationMetrics> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        return new()
        {
            RocAuc = folds.Average(f => f.RocAuc),
            PrAuc = folds.Average(f => f.PrAuc),
            Brier = folds.Average(f => f.Brier),
            LogLoss = folds.Average(f => f.LogLoss),
        };
    }
}

public static class ChurnMetrics
{
    private const double Clip = 1e-15;

    /// <summary>ROC AUC from mid-ranks (Mann &amp; Whitney 1947; Hanley &amp; McNeil 1982, eq. 1): ties count 1/2.</summary>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var (positives, negatives) = Check(scores, labels);
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException("ROC AUC needs both classes among the labels.", nameof(labels));
        }

        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var midRank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]] == 1)
                {
                    rankSumPositive += midRank;
                }
            }

            i = j + 1;
        }

        var u = rankSumPositive - (positives * (positives + 1.0) / 2.0);
        return u / ((double)positives * negatives);
    }

    /// <summary>Average precision: rows sorted by descending score, tied scores form one threshold.</summary>
    public static double AveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var (positives, _) = Check(scores, labels);
        if (positives == 0)
        {
            throw new ArgumentException("Average precision needs at least one positive label.", nameof(labels));
        }

        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        double ap = 0;
        var truePositives = 0;
        var seen = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            var newPositives = 0;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                newPositives += labels[order[j]];
                j++;
            }

            seen += j - i;
            truePositives += newPositives;
            ap += (double)newPositives / positives * ((double)truePositives / seen);
            i = j;
        }

        return ap;
    }

    public static double Brier(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels)
    {
        Check(probabilities, labels);
        double sum = 0;
        for (var i = 0; i < probabilities.Count; i++)
        {
            var d = probabilities[i] - labels[i];
            sum += d * d;
        }

        return sum / probabilities.Count;
    }

    public static double LogLoss(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels)
    {
        Check(probabilities, labels);
        double sum = 0;
        for (var i = 0; i < probabilities.Count; i++)
        {
            var p = Math.Clamp(probabilities[i], Clip, 1 - Clip);
            sum -= labels[i] == 1 ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / probabilities.Count;
    }

    private static (int Positives, int Negatives) Check(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels.", nameof(labels));
        }

        if (scores.Count == 0)
        {
            throw new ArgumentException("No scores to evaluate.", nameof(scores));
        }

        var positives = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] is not (0 or 1))
            {
                throw new ArgumentException($"Label {i} is {labels[i]}; expected 0 or 1.", nameof(labels));
            }

            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
            }

            positives += labels[i];
        }

        return (positives, labels.Count - positives);
    }
}

public static class StratifiedFolds
{
    /// <summary>
    /// Assigns each row a fold in 0..k−1 so every fold keeps the class ratio (±1 row per class): rows of each class
    /// are shuffled with <c>new Random(seed)</c> and dealt round-robin, the second class continuing where the first stopped.
    /// </summary>
    public static int[] Assign(IReadOnlyList<int> labels, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (folds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), folds, "Need at least 2 folds.");
        }

        var random = new Random(seed);
        var assignment = new int[labels.Count];
        var next = 0;
        foreach (var cls in new[] { 1, 0 })
        {
            var rows = Enumerable.Range(0, labels.Count).Where(i => labels[i] == cls).ToArray();
            random.Shuffle(rows);
            foreach (var row in rows)
            {
                assignment[row] = next;
                next = (next + 1) % folds;
            }
        }

        return assignment;
    }

    /// <summary>(train, test) row indices of fold <paramref name="fold"/>.</summary>
    public static (int[] Train, int[] Test) Split(int[] assignment, int fold)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var train = new List<int>(assignment.Length);
        var test = new List<int>(assignment.Length / 2);
        for (var i = 0; i < assignment.Length; i++)
        {
            (assignment[i] == fold ? test : train).Add(i);
        }

        return (train.ToArray(), test.ToArray());
    }
}
