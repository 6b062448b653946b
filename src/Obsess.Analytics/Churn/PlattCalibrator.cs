namespace Obsess.Analytics.Churn;

/// <summary>
/// Platt scaling p = σ(A·s + B) of a model's log-odds s (Platt 1999, "Probabilistic outputs for support vector
/// machines", eq. 1), fitted on out-of-fold scores with the smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2) of §2.2.
/// A unit ridge on (A − 1) keeps tiny tables from fitting a steep slope through a few distinct fold-level scores (it is
/// negligible for thousands of rows), and A is kept ≥ 0 so calibration never reverses the model's ranking.
/// </summary>
public sealed record PlattCalibrator
{
    public required double Slope { get; init; }

    public required double Offset { get; init; }

    public static PlattCalibrator Identity { get; } = new() { Slope = 1, Offset = 0 };

    public double Logit(double score) => (Slope * score) + Offset;

    public double Probability(double score) => LogisticModel.Sigmoid(Logit(score));

    public static PlattCalibrator Fit(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count || scores.Count == 0)
        {
            throw new ArgumentException($"Calibration needs matching, non-empty scores and labels ({scores.Count} vs {labels.Count}).", nameof(scores));
        }

        var positives = labels.Count(l => l == 1);
        var negatives = labels.Count - positives;
        var hi = (positives + 1.0) / (positives + 2.0);
        var lo = 1.0 / (negatives + 2.0);
        var t = labels.Select(l => l == 1 ? hi : lo).ToArray();
        double a = 1, b = 0;
        var loss = Loss(scores, t, a, b);
        const double SlopeRidge = 1.0;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
            for (var i = 0; i < scores.Count; i++)
            {
                var p = LogisticModel.Sigmoid((a * scores[i]) + b);
                var r = p - t[i];
                var w = Math.Max(p * (1 - p), 1e-12);
                ga += r * scores[i];
                gb += r;
                haa += w * scores[i] * scores[i];
                hab += w * scores[i];
                hbb += w;
            }

            ga += SlopeRidge * (a - 1);
            haa += SlopeRidge;
            hbb += 1e-9;
            var det = (haa * hbb) - (hab * hab);
            if (det <= 0)
            {
                break;
            }

            var da = ((hbb * ga) - (hab * gb)) / det;
            var db = ((haa * gb) - (hab * ga)) / det;
            var step = 1.0;
            double na, nb, newLoss;
            do
            {
                na = Math.Max(0, a - (step * da));
                nb = b - (step * db);
                newLoss = Loss(scores, t, na, nb);
                step /= 2;
            }
            while (newLoss > loss + 1e-12 && step > 1e-8);

            if (newLoss > loss + 1e-12)
            {
                break;
            }

            var done = Math.Abs(na - a) + Math.Abs(nb - b) < 1e-10;
            (a, b, loss) = (na, nb, newLoss);
            if (done)
            {
                break;
            }
        }

        return new PlattCalibrator { Slope = a, Offset = b };
    }

    private static double Loss(IReadOnlyList<double> scores, double[] t, double a, double b)
    {
        var loss = 0.5 * (a - 1) * (a - 1);
        for (var i = 0; i < scores.Count; i++)
        {
            var eta = (a * scores[i]) + b;
            loss += (t[i] * LogisticModel.Softplus(-eta)) + ((1 - t[i]) * LogisticModel.Softplus(eta));
        }

        return loss;
    }
}
