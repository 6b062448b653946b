namespace Obsess.Analytics.Text;

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassScore(string Name, double Precision, double Recall, double F1, int Support);

/// <summary>Evaluation measures used by the benchmarks and the trainers' model selection.</summary>
public static class TextMetrics
{
    /// <summary>Pearson correlation (two-pass, numerically stable).</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count || x.Count < 2)
        {
            throw new ArgumentException("Pearson needs two series of the same length (at least 2).");
        }

        double mx = 0, my = 0;
        for (var i = 0; i < x.Count; i++)
        {
            mx += x[i];
            my += y[i];
        }

        mx /= x.Count;
        my /= y.Count;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            var dx = x[i] - mx;
            var dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Per-class scores for single-label predictions against single gold labels.</summary>
    public static IReadOnlyList<ClassScore> PerClass(IReadOnlyList<string> gold, IReadOnlyList<string> predicted, IEnumerable<string> classes)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        return PerClassSets(gold.Select(g => (IReadOnlyCollection<string>)[g]).ToList(), predicted.Select(p => (IReadOnlyCollection<string>)[p]).ToList(), classes);
    }

    /// <summary>Per-class scores for multi-label predictions (each text has a set of gold and predicted labels).</summary>
    public static IReadOnlyList<ClassScore> PerClassSets(IReadOnlyList<IReadOnlyCollection<string>> gold, IReadOnlyList<IReadOnlyCollection<string>> predicted, IEnumerable<string> classes)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classes);
        if (gold.Count != predicted.Count)
        {
            throw new ArgumentException("gold and predicted must have the same length.");
        }

        var result = new List<ClassScore>();
        foreach (var c in classes)
        {
            int tp = 0, fp = 0, fn = 0, support = 0;
            for (var i = 0; i < gold.Count; i++)
            {
                var g = gold[i].Contains(c);
                var p = predicted[i].Contains(c);
                support += g ? 1 : 0;
                tp += g && p ? 1 : 0;
                fp += !g && p ? 1 : 0;
                fn += g && !p ? 1 : 0;
            }

            var precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
            var recall = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            result.Add(new ClassScore(c, precision, recall, f1, support));
        }

        return result;
    }

    public static double MacroF1(IEnumerable<ClassScore> scores) => scores.Average(s => s.F1);

    public static double WeightedF1(IReadOnlyCollection<ClassScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var total = scores.Sum(s => s.Support);
        return total == 0 ? 0 : scores.Sum(s => s.F1 * s.Support) / total;
    }
}
