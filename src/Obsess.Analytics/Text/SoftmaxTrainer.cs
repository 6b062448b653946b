namespace Obsess.Analytics.Text;

internal sealed record TrainingExample(int[] Features, double[] Dense, double[] Target);

/// <summary>
/// Multinomial logistic regression by AdaGrad (Duchi, Hazan &amp; Singer 2011) with L2 on the touched rows.
/// Deterministic for a seed: the only randomness is the seeded shuffle of the example order.
/// </summary>
internal static class SoftmaxTrainer
{
    public static IEnumerable<(int Epoch, LinearModel Model)> TrainEpochs(
        IReadOnlyList<TrainingExample> data, string[] classes, int bits, int denseCount, int epochs,
        double learningRate, double l2, int seed, IReadOnlyDictionary<string, string> meta)
    {
        var k = classes.Length;
        var dim = 1 << bits;
        var w = new float[dim * k];
        var g2 = new float[dim * k];
        var bias = new double[k];
        var biasG2 = new double[k];
        var dense = new double[denseCount * k];
        var denseG2 = new double[denseCount * k];
        var order = Enumerable.Range(0, data.Count).ToArray();
        var random = new Random(seed);
        var z = new double[k];
        const double eps = 1e-8;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var n in order)
            {
                var ex = data[n];
                var x = ex.Features.Length == 0 ? 0 : 1 / Math.Sqrt(ex.Features.Length);

                // Forward pass.
                Array.Copy(bias, z, k);
                foreach (var f in ex.Features)
                {
                    for (var c = 0; c < k; c++)
                    {
                        z[c] += w[f * k + c] * x;
                    }
                }

                for (var d = 0; d < denseCount; d++)
                {
                    for (var c = 0; c < k; c++)
                    {
                        z[c] += dense[d * k + c] * ex.Dense[d];
                    }
                }

                LinearModel.Softmax(z);
                for (var c = 0; c < k; c++)
                {
                    var err = z[c] - ex.Target[c];
                    biasG2[c] += err * err;
                    bias[c] -= learningRate * err / Math.Sqrt(biasG2[c] + eps);
                    foreach (var f in ex.Features)
                    {
                        var i = f * k + c;
                        var grad = err * x + l2 * w[i];
                        g2[i] += (float)(grad * grad);
                        w[i] -= (float)(learningRate * grad / Math.Sqrt(g2[i] + eps));
                    }

                    for (var d = 0; d < denseCount; d++)
                    {
                        var i = d * k + c;
                        var grad = err * ex.Dense[d] + l2 * dense[i];
                        denseG2[i] += grad * grad;
                        dense[i] -= learningRate * grad / Math.Sqrt(denseG2[i] + eps);
                    }
                }
            }

            var epochMeta = new Dictionary<string, string>(meta, StringComparer.Ordinal) { ["epochs"] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            yield return (epoch, new LinearModel(classes, bits, denseCount, (float[])w.Clone(), (double[])bias.Clone(), (double[])dense.Clone(), epochMeta));
        }
    }
}
