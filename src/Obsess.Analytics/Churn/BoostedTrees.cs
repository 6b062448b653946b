namespace Obsess.Analytics.Churn;

/// <summary>One regression tree in flat arrays; node 0 is the root, <see cref="Feature"/> −1 marks a leaf.</summary>
public sealed record RegressionTree
{
    public required int[] Feature { get; init; }

    /// <summary>Rows with x[feature] ≤ threshold go left.</summary>
    public required double[] Threshold { get; init; }

    public required int[] Left { get; init; }

    public required int[] Right { get; init; }

    /// <summary>Shrunk Newton value of every node (leaves and internal nodes, the latter for path contributions).</summary>
    public required double[] Value { get; init; }

    public double Predict(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var node = 0;
        while (Feature[node] >= 0)
        {
            node = x[Feature[node]] <= Threshold[node] ? Left[node] : Right[node];
        }

        return Value[node];
    }
}

/// <summary>
/// Gradient-boosted trees for the logistic loss (Friedman 2001, "Greedy function approximation"), with second-order
/// leaf values −G/(H+λ) and split gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) (Chen &amp; Guestrin 2016, eqs. 5–7),
/// quantile histograms for split finding, row subsampling (Friedman 2002) and early stopping on a stratified hold-out.
/// </summary>
public sealed record BoostedTrees
{
    public required double InitialLogit { get; init; }

    public required IReadOnlyList<RegressionTree> Trees { get; init; }

    public double Logit(double[] x)
    {
        var eta = InitialLogit;
        foreach (var tree in Trees)
        {
            eta += tree.Predict(x);
        }

        return eta;
    }

    /// <summary>
    /// Path contributions (Saabas 2014, "Interpreting random forests"): along each tree's path, the change in node value
    /// at a split is credited to the split feature. They sum, with the root values, to the logit.
    /// </summary>
    /// <returns>The logit, from the same walk.</returns>
    public double AddContributions(double[] x, double[] perFeature, double weight)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(perFeature);
        var eta = InitialLogit;
        foreach (var tree in Trees)
        {
            var node = 0;
            while (tree.Feature[node] >= 0)
            {
                var next = x[tree.Feature[node]] <= tree.Threshold[node] ? tree.Left[node] : tree.Right[node];
                perFeature[tree.Feature[node]] += weight * (tree.Value[next] - tree.Value[node]);
                node = next;
            }

            eta += tree.Value[node];
        }

        return eta;
    }

    public static BoostedTrees Fit(double[][] x, int[] y, BoostingOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(options);
        if (x.Length != y.Length || x.Length == 0)
        {
            throw new ArgumentException($"Boosting needs matching, non-empty rows and labels ({x.Length} rows, {y.Length} labels).", nameof(x));
        }

        var random = new Random(seed);
        var n = x.Length;
        var p = x[0].Length;
        var isValidation = HoldOut(y, options.ValidationFraction, random);
        var train = Enumerable.Range(0, n).Where(i => !isValidation[i]).ToArray();
        var validation = Enumerable.Range(0, n).Where(i => isValidation[i]).ToArray();

        var maxBins = Math.Clamp(options.MaxBins, 2, 256);
        var edges = new double[p][];
        var bins = new byte[n * p];
        for (var f = 0; f < p; f++)
        {
            edges[f] = BinEdges(train.Select(i => x[i][f]).ToArray(), maxBins);
            for (var i = 0; i < n; i++)
            {
                bins[(i * p) + f] = (byte)BinOf(edges[f], x[i][f]);
            }
        }

        var rate = Math.Clamp(train.Average(i => (double)y[i]), 1e-6, 1 - 1e-6);
        var init = Math.Log(rate / (1 - rate));
        var eta = Enumerable.Repeat(init, n).ToArray();
        var grad = new double[n];
        var hess = new double[n];
        var trees = new List<RegressionTree>();
        var bestLoss = ValidationLoss(validation, y, eta);
        var bestRounds = 0;
        var builder = new TreeBuilder(bins, p, maxBins, edges, grad, hess, options);
        for (var round = 0; round < options.MaxRounds; round++)
        {
            foreach (var i in train)
            {
                var prob = LogisticModel.Sigmoid(eta[i]);
                grad[i] = prob - y[i];
                hess[i] = Math.Max(prob * (1 - prob), 1e-12);
            }

            var sample = options.Subsample >= 1
                ? (int[])train.Clone()
                : train.Where(_ => random.NextDouble() < options.Subsample).ToArray();
            if (sample.Length < 2 * options.MinSamplesLeaf)
            {
                sample = (int[])train.Clone();
            }

            var (tree, splitBins) = builder.Build(sample);
            trees.Add(tree);
            for (var i = 0; i < n; i++)
            {
                eta[i] += PredictBinned(tree, splitBins, bins, p, i);
            }

            if (validation.Length == 0)
            {
                bestRounds = trees.Count;
                continue;
            }

            var loss = ValidationLoss(validation, y, eta);
            if (loss < bestLoss - 1e-9)
            {
                bestLoss = loss;
                bestRounds = trees.Count;
            }
            else if (trees.Count - bestRounds >= options.EarlyStoppingRounds)
            {
                break;
            }
        }

        return new BoostedTrees { InitialLogit = init, Trees = trees.Take(bestRounds).ToArray() };
    }

    private static bool[] HoldOut(int[] y, double fraction, Random random)
    {
        var held = new bool[y.Length];
        if (fraction <= 0)
        {
            return held;
        }

        foreach (var cls in new[] { 1, 0 })
        {
            var rows = Enumerable.Range(0, y.Length).Where(i => y[i] == cls).ToArray();
            random.Shuffle(rows);
            var take = (int)Math.Round(fraction * rows.Length);
            if (take < 2 || rows.Length - take < 2)
            {
                // Too few of a class to hold any out: train on everything without early stopping.
                return new bool[y.Length];
            }

            for (var k = 0; k < take; k++)
            {
                held[rows[k]] = true;
            }
        }

        return held;
    }

    private static double ValidationLoss(int[] rows, int[] y, double[] eta)
    {
        double loss = 0;
        foreach (var i in rows)
        {
            loss += y[i] == 1 ? LogisticModel.Softplus(-eta[i]) : LogisticModel.Softplus(eta[i]);
        }

        return rows.Length == 0 ? 0 : loss / rows.Length;
    }

    /// <summary>Upper bin edges (x ≤ edge[b] lands in bin ≤ b); the last bin is open-ended.</summary>
    internal static double[] BinEdges(double[] values, int maxBins)
    {
        Array.Sort(values);
        var distinct = new List<double>();
        foreach (var v in values)
        {
            if (distinct.Count == 0 || v > distinct[^1])
            {
                distinct.Add(v);
            }
        }

        var edges = new List<double>();
        if (distinct.Count <= maxBins)
        {
            for (var k = 0; k + 1 < distinct.Count; k++)
            {
                edges.Add(distinct[k] + ((distinct[k + 1] - distinct[k]) / 2));
            }
        }
        else
        {
            for (var b = 1; b < maxBins; b++)
            {
                var q = values[(int)((long)b * values.Length / maxBins)];
                if (q < values[^1] && (edges.Count == 0 || q > edges[^1]))
                {
                    edges.Add(q);
                }
            }
        }

        return [.. edges];
    }

    internal static int BinOf(double[] edges, double v)
    {
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (v <= edges[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private static double PredictBinned(RegressionTree tree, int[] splitBins, byte[] bins, int p, int row)
    {
        var node = 0;
        while (tree.Feature[node] >= 0)
        {
            node = bins[(row * p) + tree.Feature[node]] <= splitBins[node] ? tree.Left[node] : tree.Right[node];
        }

        return tree.Value[node];
    }

    /// <summary>
    /// Grows one depth-limited tree. Per-node histograms of gradient, hessian and count are built over the smaller
    /// child only; the larger child's is the parent's minus it (the subtraction trick of LightGBM, Ke et al. 2017).
    /// </summary>
    private sealed class TreeBuilder(byte[] bins, int p, int stride, double[][] edges, double[] grad, double[] hess, BoostingOptions options)
    {
        private readonly Stack<Histogram> _pool = new();
        private readonly List<int> _feature = [];
        private readonly List<double> _threshold = [];
        private readonly List<int> _left = [];
        private readonly List<int> _right = [];
        private readonly List<double> _value = [];
        private readonly List<int> _splitBin = [];

        private sealed class Histogram(int size)
        {
            public double[] G { get; } = new double[size];

            public double[] H { get; } = new double[size];

            public int[] C { get; } = new int[size];
        }

        public (RegressionTree Tree, int[] SplitBins) Build(int[] rows)
        {
            _feature.Clear();
            _threshold.Clear();
            _left.Clear();
            _right.Clear();
            _value.Clear();
            _splitBin.Clear();
            var root = CanSplit(rows.Length, 0) ? Accumulate(rows, 0, rows.Length) : null;
            Grow(rows, 0, rows.Length, 0, root);
            var tree = new RegressionTree
            {
                Feature = [.. _feature],
                Threshold = [.. _threshold],
                Left = [.. _left],
                Right = [.. _right],
                Value = [.. _value],
            };
            return (tree, [.. _splitBin]);
        }

        private bool CanSplit(int count, int depth) => depth < options.MaxDepth && count >= 2 * options.MinSamplesLeaf;

        private Histogram Accumulate(int[] rows, int start, int end)
        {
            var hist = _pool.Count > 0 ? _pool.Pop() : new Histogram(p * stride);
            var g = hist.G;
            var h = hist.H;
            var c = hist.C;
            Array.Clear(g);
            Array.Clear(h);
            Array.Clear(c);
            for (var k = start; k < end; k++)
            {
                var i = rows[k];
                var gi = grad[i];
                var hi = hess[i];
                var offset = i * p;
                for (var f = 0; f < p; f++)
                {
                    var idx = (f * stride) + bins[offset + f];
                    g[idx] += gi;
                    h[idx] += hi;
                    c[idx]++;
                }
            }

            return hist;
        }

        private int Grow(int[] rows, int start, int end, int depth, Histogram? hist)
        {
            double g = 0, h = 0;
            for (var k = start; k < end; k++)
            {
                g += grad[rows[k]];
                h += hess[rows[k]];
            }

            var node = _feature.Count;
            _feature.Add(-1);
            _threshold.Add(0);
            _left.Add(-1);
            _right.Add(-1);
            _value.Add(-g / (h + options.L2) * options.LearningRate);
            _splitBin.Add(0);
            var count = end - start;
            if (hist is null || !CanSplit(count, depth))
            {
                if (hist is not null)
                {
                    _pool.Push(hist);
                }

                return node;
            }

            var parentScore = g * g / (h + options.L2);
            var bestGain = 1e-9;
            var bestFeature = -1;
            var bestBin = -1;
            for (var f = 0; f < p; f++)
            {
                var binCount = edges[f].Length + 1;
                var offset = f * stride;
                double gl = 0, hl = 0;
                var cl = 0;
                for (var b = 0; b < binCount - 1; b++)
                {
                    gl += hist.G[offset + b];
                    hl += hist.H[offset + b];
                    cl += hist.C[offset + b];
                    if (cl < options.MinSamplesLeaf)
                    {
                        continue;
                    }

                    if (count - cl < options.MinSamplesLeaf)
                    {
                        break;
                    }

                    var gr = g - gl;
                    var hr = h - hl;
                    if (hl < 1e-3 || hr < 1e-3)
                    {
                        continue;
                    }

                    var gain = (gl * gl / (hl + options.L2)) + (gr * gr / (hr + options.L2)) - parentScore;
                    if (gain > bestGain)
                    {
                        bestGain = gain;
                        bestFeature = f;
                        bestBin = b;
                    }
                }
            }

            if (bestFeature < 0)
            {
                _pool.Push(hist);
                return node;
            }

            // Partition in place: rows with bin ≤ bestBin first.
            int lo = start, hi = end - 1;
            while (lo <= hi)
            {
                if (bins[(rows[lo] * p) + bestFeature] <= bestBin)
                {
                    lo++;
                }
                else
                {
                    (rows[lo], rows[hi]) = (rows[hi], rows[lo]);
                    hi--;
                }
            }

            _feature[node] = bestFeature;
            _threshold[node] = edges[bestFeature][bestBin];
            _splitBin[node] = bestBin;
            Histogram? leftHist = null, rightHist = null;
            var leftSplits = CanSplit(lo - start, depth + 1);
            var rightSplits = CanSplit(end - lo, depth + 1);
            if (leftSplits || rightSplits)
            {
                var leftSmaller = lo - start <= end - lo;
                var small = leftSmaller ? Accumulate(rows, start, lo) : Accumulate(rows, lo, end);
                for (var k = 0; k < hist.G.Length; k++)
                {
                    hist.G[k] -= small.G[k];
                    hist.H[k] -= small.H[k];
                    hist.C[k] -= small.C[k];
                }

                (leftHist, rightHist) = leftSmaller ? (small, hist) : (hist, small);
            }
            else
            {
                _pool.Push(hist);
            }

            var left = Grow(rows, start, lo, depth + 1, leftHist);
            var right = Grow(rows, lo, end, depth + 1, rightHist);
            _left[node] = left;
            _right[node] = right;
            return node;
        }
    }
}
