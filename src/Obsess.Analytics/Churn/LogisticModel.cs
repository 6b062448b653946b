namespace Obsess.Analytics.Churn;

/// <summary>
/// L2-penalised logistic regression fitted by Newton-Raphson (IRLS) on a standardised design. Numeric features may be
/// expanded with a restricted cubic spline; every design column maps back to the encoder feature it came from.
/// </summary>
public sealed record LogisticModel
{
    /// <summary>Spline knots per encoder feature (empty: the feature enters linearly only).</summary>
    public required double[][] Knots { get; init; }

    /// <summary>Encoder feature of each design column.</summary>
    public required int[] DesignFeature { get; init; }

    /// <summary>−1 for the feature itself, j ≥ 0 for the j-th spline term.</summary>
    public required int[] DesignTerm { get; init; }

    public required double[] Means { get; init; }

    /// <summary>Standard deviations; 0 marks a constant design column, which is dropped.</summary>
    public required double[] Scales { get; init; }

    public required double[] Coefficients { get; init; }

    public required double Intercept { get; init; }

    /// <summary>The L2 penalty λ on the summed log-likelihood that was used.</summary>
    public required double Penalty { get; init; }

    /// <summary>Log-odds of churn for one encoded row.</summary>
    public double Logit(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var eta = Intercept;
        for (var j = 0; j < Coefficients.Length; j++)
        {
            if (Scales[j] > 0)
            {
                eta += Coefficients[j] * (DesignValue(x, j) - Means[j]) / Scales[j];
            }
        }

        return eta;
    }

    /// <summary>
    /// Adds each design column's share of the logit, β_j·(z_j − mean z_j) with mean z_j = 0 on training rows,
    /// to the encoder feature it came from.
    /// </summary>
    public void AddContributions(double[] x, double[] perFeature, double weight)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(perFeature);
        for (var j = 0; j < Coefficients.Length; j++)
        {
            if (Scales[j] > 0)
            {
                perFeature[DesignFeature[j]] += weight * Coefficients[j] * (DesignValue(x, j) - Means[j]) / Scales[j];
            }
        }
    }

    private double DesignValue(double[] x, int j)
    {
        var v = x[DesignFeature[j]];
        return DesignTerm[j] < 0 ? v : SplineTerm(v, Knots[DesignFeature[j]], DesignTerm[j]);
    }

    /// <summary>
    /// Restricted cubic spline term j (Harrell 2015, Regression Modeling Strategies, eq. 2.25), linear beyond the outer
    /// knots, scaled by (t_k − t_1)² for conditioning.
    /// </summary>
    internal static double SplineTerm(double x, double[] t, int j)
    {
        var k = t.Length;
        static double Cube(double v) => v > 0 ? v * v * v : 0;
        var tk = t[k - 1];
        var tk1 = t[k - 2];
        var value = Cube(x - t[j])
            - (Cube(x - tk1) * (tk - t[j]) / (tk - tk1))
            + (Cube(x - tk) * (tk1 - t[j]) / (tk - tk1));
        var span = tk - t[0];
        return value / (span * span);
    }

    /// <summary>Fits the design (knots, means, scales) and the coefficients on the given rows.</summary>
    public static LogisticModel Fit(
        double[][] x, int[] y, IReadOnlyList<FeatureInfo> features, double penalty, LogisticOptions options, LogisticModel? warmStart = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        var design = Design(x, features, options.Splines);
        var z = Sparse(x, design);
        return FitPrepared(design, z, y, penalty, options, warmStart);
    }

    private static LogisticModel FitPrepared(
        DesignSpec design, SparseDesign z, int[] y, double penalty, LogisticOptions options, LogisticModel? warmStart)
    {
        var start = warmStart is not null && warmStart.Coefficients.Length == design.Feature.Length
            ? ((double[])warmStart.Coefficients.Clone(), warmStart.Intercept)
            : ((double[]?)null, 0.0);
        var (beta, intercept) = Newton(z, y, penalty, options.MaxIterations, start.Item1, start.Item2);
        return new LogisticModel
        {
            Knots = design.Knots,
            DesignFeature = design.Feature,
            DesignTerm = design.Term,
            Means = design.Mean,
            Scales = design.Scale,
            Coefficients = beta,
            Intercept = intercept,
            Penalty = penalty,
        };
    }

    /// <summary>
    /// Chooses λ from <see cref="LogisticOptions.Penalties"/> by inner stratified CV log loss, returning the fit on all
    /// rows and the out-of-fold logits for the chosen λ (used to calibrate without touching held-out data).
    /// </summary>
    public static (LogisticModel Model, double[] OutOfFoldLogits) FitWithInnerCv(
        double[][] x, int[] y, IReadOnlyList<FeatureInfo> features, LogisticOptions options, int innerFolds, int seed)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(options);
        var penalties = options.Penalties.OrderByDescending(p => p).ToArray();
        if (penalties.Length == 0 || penalties.Any(p => !(p > 0)))
        {
            throw new ArgumentException("LogisticOptions.Penalties must hold positive values.", nameof(options));
        }

        var assignment = StratifiedFolds.Assign(y, innerFolds, seed);
        var oof = new double[penalties.Length][];
        for (var k = 0; k < penalties.Length; k++)
        {
            oof[k] = new double[y.Length];
        }

        for (var fold = 0; fold < innerFolds; fold++)
        {
            var (train, test) = StratifiedFolds.Split(assignment, fold);
            var xTrain = train.Select(i => x[i]).ToArray();
            var yTrain = train.Select(i => y[i]).ToArray();
            var design = Design(xTrain, features, options.Splines);
            var z = Sparse(xTrain, design);
            var zTest = Sparse(test.Select(i => x[i]).ToArray(), design);
            var yTest = test.Select(i => y[i]).ToArray();
            var eta = new double[test.Length];
            LogisticModel? previous = null;
            for (var k = 0; k < penalties.Length; k++)
            {
                // Warm start along the path from the strongest penalty down.
                previous = FitPrepared(design, z, yTrain, penalties[k], options, previous);
                Objective(zTest, yTest, [.. previous.Coefficients, previous.Intercept], 0, eta);
                for (var t = 0; t < test.Length; t++)
                {
                    oof[k][test[t]] = eta[t];
                }
            }
        }

        var best = 0;
        var bestLoss = double.PositiveInfinity;
        for (var k = 0; k < penalties.Length; k++)
        {
            var loss = ChurnMetrics.LogLoss(oof[k].Select(Sigmoid).ToArray(), y);
            if (loss < bestLoss - 1e-12)
            {
                bestLoss = loss;
                best = k;
            }
        }

        return (Fit(x, y, features, penalties[best], options), oof[best]);
    }

    internal static double Sigmoid(double eta) => eta >= 0 ? 1 / (1 + Math.Exp(-eta)) : Math.Exp(eta) / (1 + Math.Exp(eta));

    /// <summary>log(1 + e^η) without overflow.</summary>
    internal static double Softplus(double eta) => eta > 0 ? eta + Math.Log(1 + Math.Exp(-eta)) : Math.Log(1 + Math.Exp(eta));

    private sealed record DesignSpec(double[][] Knots, int[] Feature, int[] Term, double[] Mean, double[] Scale);

    private static DesignSpec Design(double[][] x, IReadOnlyList<FeatureInfo> features, bool splines)
    {
        var p = features.Count;
        var knots = new double[p][];
        var feature = new List<int>();
        var term = new List<int>();
        for (var f = 0; f < p; f++)
        {
            knots[f] = [];
            feature.Add(f);
            term.Add(-1);
            if (!splines || !features[f].Continuous)
            {
                continue;
            }

            var sorted = x.Select(r => r[f]).ToArray();
            Array.Sort(sorted);
            double[] candidate = [.. new[] { 0.05, 0.35, 0.65, 0.95 }.Select(q => FeatureEncoder.Quantile(sorted, q))];
            if (candidate.Zip(candidate.Skip(1)).All(pair => pair.Second > pair.First))
            {
                knots[f] = candidate;
                for (var j = 0; j < candidate.Length - 2; j++)
                {
                    feature.Add(f);
                    term.Add(j);
                }
            }
        }

        var d = feature.Count;
        var mean = new double[d];
        var scale = new double[d];
        var spec = new DesignSpec(knots, [.. feature], [.. term], mean, scale);
        for (var j = 0; j < d; j++)
        {
            // Welford's running mean/variance keeps the scale accurate for large offsets.
            double m = 0, s = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var v = RawDesign(x[i], spec, j);
                var delta = v - m;
                m += delta / (i + 1);
                s += delta * (v - m);
            }

            mean[j] = m;
            var sd = Math.Sqrt(s / x.Length);
            scale[j] = sd > 1e-12 * Math.Max(1, Math.Abs(m)) ? sd : 0;
        }

        return spec;
    }

    private static double RawDesign(double[] row, DesignSpec spec, int j)
    {
        var v = row[spec.Feature[j]];
        return spec.Term[j] < 0 ? v : SplineTerm(v, spec.Knots[spec.Feature[j]], spec.Term[j]);
    }

    /// <summary>
    /// The design in compressed sparse rows: one-hot and spline columns are mostly zero, so the Newton Hessian is
    /// accumulated over non-zeros and standardised afterwards. Mostly non-zero columns are stored centred, which keeps
    /// the later "A − m·Bᵀ − B·mᵀ + W·m·mᵀ" correction free of cancellation.
    /// </summary>
    private sealed record SparseDesign(int[] RowStart, int[] Index, double[] Value, double[] Mean, double[] Scale);

    private static SparseDesign Sparse(double[][] x, DesignSpec spec)
    {
        var n = x.Length;
        var d = spec.Feature.Length;
        var nonZero = new int[d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                if (RawDesign(x[i], spec, j) != 0)
                {
                    nonZero[j]++;
                }
            }
        }

        var shift = new double[d];
        var mean = new double[d];
        for (var j = 0; j < d; j++)
        {
            shift[j] = nonZero[j] > n / 2 ? spec.Mean[j] : 0;
            mean[j] = spec.Mean[j] - shift[j];
        }

        var rowStart = new int[n + 1];
        var index = new List<int>(n * 8);
        var value = new List<double>(n * 8);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                if (spec.Scale[j] > 0)
                {
                    var v = RawDesign(x[i], spec, j) - shift[j];
                    if (v != 0)
                    {
                        index.Add(j);
                        value.Add(v);
                    }
                }
            }

            rowStart[i + 1] = index.Count;
        }

        return new SparseDesign(rowStart, [.. index], [.. value], mean, spec.Scale);
    }

    /// <summary>
    /// Minimises Σ logistic loss + λ/2 ‖β‖² over standardised columns z_j = (x_j − μ_j)/s_j (intercept unpenalised) by
    /// Newton steps with step halving; the Hessian Zᵀ W Z + λI is positive definite for λ &gt; 0, so each step solves by
    /// Cholesky.
    /// </summary>
    private static (double[] Beta, double Intercept) Newton(
        SparseDesign z, int[] y, double lambda, int maxIterations, double[]? startBeta, double startIntercept)
    {
        var n = y.Length;
        var d = z.Scale.Length;
        var m = d + 1;
        var w = new double[m];
        if (startBeta is not null)
        {
            Array.Copy(startBeta, w, d);
            w[d] = startIntercept;
        }
        else
        {
            var rate = Math.Clamp(y.Average(), 1e-6, 1 - 1e-6);
            w[d] = Math.Log(rate / (1 - rate));
        }

        var eta = new double[n];
        var loss = Objective(z, y, w, lambda, eta);
        var a = new double[d * d];
        var b = new double[d];
        var rx = new double[d];
        var grad = new double[m];
        var hess = new double[m * m];
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            Array.Clear(a);
            Array.Clear(b);
            Array.Clear(rx);
            double sumR = 0, sumH = 0;
            for (var i = 0; i < n; i++)
            {
                var p = Sigmoid(eta[i]);
                var r = p - y[i];
                var h = Math.Max(p * (1 - p), 1e-12);
                sumR += r;
                sumH += h;
                var end = z.RowStart[i + 1];
                for (var e = z.RowStart[i]; e < end; e++)
                {
                    var j = z.Index[e];
                    var hv = h * z.Value[e];
                    rx[j] += r * z.Value[e];
                    b[j] += hv;
                    var offset = j * d;
                    for (var e2 = z.RowStart[i]; e2 <= e; e2++)
                    {
                        a[offset + z.Index[e2]] += hv * z.Value[e2];
                    }
                }
            }

            Array.Clear(hess);
            for (var j = 0; j < d; j++)
            {
                var sj = z.Scale[j];
                if (sj <= 0)
                {
                    grad[j] = 0;
                    hess[(j * m) + j] = 1;
                    continue;
                }

                var mj = z.Mean[j];
                grad[j] = ((rx[j] - (mj * sumR)) / sj) + (lambda * w[j]);
                for (var k = 0; k <= j; k++)
                {
                    var sk = z.Scale[k];
                    if (sk > 0)
                    {
                        var mk = z.Mean[k];
                        hess[(j * m) + k] = (a[(j * d) + k] - (mj * b[k]) - (mk * b[j]) + (sumH * mj * mk)) / (sj * sk);
                    }
                }

                hess[(j * m) + j] += lambda;
                hess[(d * m) + j] = (b[j] - (mj * sumH)) / sj;
            }

            grad[d] = sumR;
            hess[(d * m) + d] = sumH + 1e-9;
            var step = CholeskySolve(hess, grad, m);
            var t = 1.0;
            var candidate = new double[m];
            double candidateLoss;
            do
            {
                for (var j = 0; j < m; j++)
                {
                    candidate[j] = w[j] - (t * step[j]);
                }

                candidateLoss = Objective(z, y, candidate, lambda, null);
                t /= 2;
            }
            while (candidateLoss > loss + 1e-12 && t > 1e-6);

            if (candidateLoss > loss + 1e-12)
            {
                break;
            }

            var change = 0.0;
            for (var j = 0; j < m; j++)
            {
                change = Math.Max(change, Math.Abs(candidate[j] - w[j]));
            }

            var improvement = loss - candidateLoss;
            (w, candidate) = (candidate, w);
            loss = Objective(z, y, w, lambda, eta);

            // Stop when the mean log loss moves by under 1e-7: further digits do not change any probability materially.
            if (change < 1e-7 || improvement < 1e-7 * n)
            {
                break;
            }
        }

        return (w[..d], w[d]);
    }

    /// <summary>Penalised loss at w; fills the linear predictor when <paramref name="eta"/> is given.</summary>
    private static double Objective(SparseDesign z, int[] y, double[] w, double lambda, double[]? eta)
    {
        var d = w.Length - 1;
        var slope = new double[d];
        var constant = w[d];
        double penalty = 0;
        for (var j = 0; j < d; j++)
        {
            penalty += w[j] * w[j];
            if (z.Scale[j] > 0)
            {
                slope[j] = w[j] / z.Scale[j];
                constant -= slope[j] * z.Mean[j];
            }
        }

        double loss = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var value = constant;
            var end = z.RowStart[i + 1];
            for (var e = z.RowStart[i]; e < end; e++)
            {
                value += slope[z.Index[e]] * z.Value[e];
            }

            if (eta is not null)
            {
                eta[i] = value;
            }

            loss += y[i] == 1 ? Softplus(-value) : Softplus(value);
        }

        return loss + (0.5 * lambda * penalty);
    }

    /// <summary>Solves A x = b for symmetric positive-definite A given by its lower triangle (row-major, m×m).</summary>
    private static double[] CholeskySolve(double[] a, double[] b, int m)
    {
        var l = new double[m * m];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[(i * m) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * m) + k] * l[(j * m) + k];
                }

                if (i == j)
                {
                    l[(i * m) + i] = Math.Sqrt(Math.Max(sum, 1e-12));
                }
                else
                {
                    l[(i * m) + j] = sum / l[(j * m) + j];
                }
            }
        }

        var x = new double[m];
        for (var i = 0; i < m; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[(i * m) + k] * x[k];
            }

            x[i] = sum / l[(i * m) + i];
        }

        for (var i = m - 1; i >= 0; i--)
        {
            var sum = x[i];
            for (var k = i + 1; k < m; k++)
            {
                sum -= l[(k * m) + i] * x[k];
            }

            x[i] = sum / l[(i * m) + i];
        }

        return x;
    }
}
