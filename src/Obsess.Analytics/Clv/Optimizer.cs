using MathNet.Numerics.LinearAlgebra;

namespace Obsess.Analytics.Clv;

/// <summary>Result of an unconstrained minimisation.</summary>
internal readonly record struct OptimumResult(double[] Point, double Value, int Iterations, bool Converged);

/// <summary>
/// Small, deterministic unconstrained minimisers for the CLV likelihoods. The models optimise over
/// log-parameters, so every positive parameter is unconstrained and the objective is better scaled.
/// </summary>
internal static class Optimizer
{
    /// <summary>
    /// Nelder-Mead simplex (Nelder &amp; Mead 1965; standard coefficients 1, 2, 0.5, 0.5), restarted from the best
    /// vertex until a restart no longer improves the value, which guards against a prematurely collapsed simplex.
    /// Non-finite objective values are treated as +infinity.
    /// </summary>
    public static OptimumResult NelderMead(Func<double[], double> f, double[] start, double step = 0.5, double tolerance = 1e-11, int maxIterations = 20_000)
    {
        var best = (double[])start.Clone();
        var bestValue = Safe(f, best);
        var total = 0;
        var converged = false;
        for (var restart = 0; restart < 6 && total < maxIterations; restart++)
        {
            var (point, value, iterations, ok) = NelderMeadOnce(f, best, step, tolerance, maxIterations - total);
            total += iterations;
            var improved = bestValue - value > tolerance * (1 + Math.Abs(bestValue));
            if (value <= bestValue)
            {
                best = point;
                bestValue = value;
            }

            converged = ok;
            if (!improved && ok)
            {
                break;
            }

            step = 0.1;
        }

        return new OptimumResult(best, bestValue, total, converged);
    }

    private static OptimumResult NelderMeadOnce(Func<double[], double> f, double[] start, double step, double tolerance, int maxIterations)
    {
        var n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        simplex[0] = (double[])start.Clone();
        values[0] = Safe(f, simplex[0]);
        for (var i = 0; i < n; i++)
        {
            simplex[i + 1] = (double[])start.Clone();
            simplex[i + 1][i] += step;
            values[i + 1] = Safe(f, simplex[i + 1]);
        }

        var order = new int[n + 1];
        var centroid = new double[n];
        var trial = new double[n];
        var trial2 = new double[n];
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            for (var i = 0; i <= n; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (p, q) => values[p].CompareTo(values[q]));
            int bestIndex = order[0], worstIndex = order[n], secondWorstIndex = order[n - 1];

            var spread = Math.Abs(values[worstIndex] - values[bestIndex]);
            var size = 0.0;
            for (var i = 0; i <= n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    size = Math.Max(size, Math.Abs(simplex[i][j] - simplex[bestIndex][j]));
                }
            }

            if (spread <= tolerance * (1 + Math.Abs(values[bestIndex])) && size <= 1e-7)
            {
                return new OptimumResult((double[])simplex[bestIndex].Clone(), values[bestIndex], iteration, true);
            }

            Array.Clear(centroid);
            for (var i = 0; i <= n; i++)
            {
                if (i == worstIndex)
                {
                    continue;
                }

                for (var j = 0; j < n; j++)
                {
                    centroid[j] += simplex[i][j] / n;
                }
            }

            Along(centroid, simplex[worstIndex], -1.0, trial);
            var reflected = Safe(f, trial);
            if (reflected < values[bestIndex])
            {
                Along(centroid, simplex[worstIndex], -2.0, trial2);
                var expanded = Safe(f, trial2);
                if (expanded < reflected)
                {
                    Replace(simplex, values, worstIndex, trial2, expanded);
                }
                else
                {
                    Replace(simplex, values, worstIndex, trial, reflected);
                }

                continue;
            }

            if (reflected < values[secondWorstIndex])
            {
                Replace(simplex, values, worstIndex, trial, reflected);
                continue;
            }

            // Contract outside when the reflection beat the worst vertex, inside otherwise.
            var outside = reflected < values[worstIndex];
            Along(centroid, simplex[worstIndex], outside ? -0.5 : 0.5, trial2);
            var contracted = Safe(f, trial2);
            if (contracted < (outside ? reflected : values[worstIndex]))
            {
                Replace(simplex, values, worstIndex, trial2, contracted);
                continue;
            }

            for (var i = 0; i <= n; i++)
            {
                if (i == bestIndex)
                {
                    continue;
                }

                for (var j = 0; j < n; j++)
                {
                    simplex[i][j] = simplex[bestIndex][j] + 0.5 * (simplex[i][j] - simplex[bestIndex][j]);
                }

                values[i] = Safe(f, simplex[i]);
            }
        }

        var final = 0;
        for (var i = 1; i <= n; i++)
        {
            if (values[i] < values[final])
            {
                final = i;
            }
        }

        return new OptimumResult((double[])simplex[final].Clone(), values[final], maxIterations, false);
    }

    /// <summary>
    /// BFGS (Nocedal &amp; Wright 2006, Algorithm 6.1) with a backtracking Armijo line search and the
    /// scaled-identity first inverse Hessian (their eq. 6.20). <paramref name="valueAndGradient"/> fills the
    /// gradient and returns the value; non-finite values make the line search back off.
    /// Converges when the largest gradient component is at most <paramref name="gradientTolerance"/> × (1 + |f|)
    /// or when a step no longer changes f at all.
    /// </summary>
    public static OptimumResult Bfgs(Func<double[], double[], double> valueAndGradient, double[] start, double gradientTolerance = 1e-10, int maxIterations = 500)
    {
        var n = start.Length;
        var x = (double[])start.Clone();
        var g = new double[n];
        var fx = valueAndGradient(x, g);
        if (!double.IsFinite(fx))
        {
            return new OptimumResult(x, fx, 0, false);
        }

        var h = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            h[i, i] = 1.0 / Math.Max(1.0, MaxAbs(g));
        }

        var direction = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var s = new double[n];
        var y = new double[n];
        var firstStep = true;
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            if (MaxAbs(g) <= gradientTolerance * (1 + Math.Abs(fx)))
            {
                return new OptimumResult(x, fx, iteration - 1, true);
            }

            var slope = 0.0;
            for (var i = 0; i < n; i++)
            {
                var d = 0.0;
                for (var j = 0; j < n; j++)
                {
                    d -= h[i, j] * g[j];
                }

                direction[i] = d;
                slope += d * g[i];
            }

            if (slope >= 0)
            {
                // Not a descent direction (curvature information went stale): restart from steepest descent.
                ResetToScaledIdentity(h, 1.0 / Math.Max(1.0, MaxAbs(g)));
                for (var i = 0; i < n; i++)
                {
                    direction[i] = -h[i, i] * g[i];
                }

                slope = 0;
                for (var i = 0; i < n; i++)
                {
                    slope += direction[i] * g[i];
                }
            }

            // In log-parameter space a step longer than 2 is never wanted: cap it.
            var length = MaxAbs(direction);
            var alpha = length > 2 ? 2 / length : 1.0;
            var fNew = double.NaN;
            var accepted = false;
            for (var backtrack = 0; backtrack < 60; backtrack++)
            {
                for (var i = 0; i < n; i++)
                {
                    xNew[i] = x[i] + alpha * direction[i];
                }

                fNew = valueAndGradient(xNew, gNew);
                if (double.IsFinite(fNew) && fNew <= fx + 1e-4 * alpha * slope)
                {
                    accepted = true;
                    break;
                }

                alpha *= 0.5;
            }

            if (!accepted)
            {
                return new OptimumResult(x, fx, iteration, MaxAbs(g) <= 1e-6 * (1 + Math.Abs(fx)));
            }

            var sy = 0.0;
            for (var i = 0; i < n; i++)
            {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
                sy += s[i] * y[i];
            }

            var unchanged = fNew == fx;
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            fx = fNew;
            if (unchanged)
            {
                return new OptimumResult(x, fx, iteration, true);
            }

            if (sy > 1e-12 * Norm(s) * Norm(y))
            {
                if (firstStep)
                {
                    var yy = 0.0;
                    for (var i = 0; i < n; i++)
                    {
                        yy += y[i] * y[i];
                    }

                    ResetToScaledIdentity(h, sy / yy);
                    firstStep = false;
                }

                UpdateInverseHessian(h, s, y, sy);
            }
        }

        return new OptimumResult(x, fx, maxIterations, MaxAbs(g) <= gradientTolerance * (1 + Math.Abs(fx)));
    }

    /// <summary>
    /// Hessian of <paramref name="f"/> at <paramref name="x"/> by central differences on function values
    /// (Abramowitz &amp; Stegun 25.3.23/25.3.26-style stencils), with relative steps.
    /// </summary>
    public static double[,] Hessian(Func<double[], double> f, double[] x)
    {
        var n = x.Length;
        var h = new double[n];
        for (var i = 0; i < n; i++)
        {
            h[i] = 1e-4 * Math.Max(Math.Abs(x[i]), 1e-3);
        }

        var f0 = f(x);
        var result = new double[n, n];
        var p = (double[])x.Clone();
        for (var i = 0; i < n; i++)
        {
            p[i] = x[i] + h[i];
            var fp = f(p);
            p[i] = x[i] - h[i];
            var fm = f(p);
            p[i] = x[i];
            result[i, i] = (fp - 2 * f0 + fm) / (h[i] * h[i]);
            for (var j = 0; j < i; j++)
            {
                p[i] = x[i] + h[i];
                p[j] = x[j] + h[j];
                var fpp = f(p);
                p[j] = x[j] - h[j];
                var fpm = f(p);
                p[i] = x[i] - h[i];
                var fmm = f(p);
                p[j] = x[j] + h[j];
                var fmp = f(p);
                p[i] = x[i];
                p[j] = x[j];
                result[i, j] = result[j, i] = (fpp - fpm - fmp + fmm) / (4 * h[i] * h[j]);
            }
        }

        return result;
    }

    /// <summary>Hessian by central differences of an analytic gradient, symmetrised.</summary>
    public static double[,] HessianFromGradient(Action<double[], double[]> gradient, double[] x)
    {
        var n = x.Length;
        var result = new double[n, n];
        var p = (double[])x.Clone();
        var gp = new double[n];
        var gm = new double[n];
        for (var j = 0; j < n; j++)
        {
            var h = 1e-5 * Math.Max(Math.Abs(x[j]), 1e-3);
            p[j] = x[j] + h;
            gradient(p, gp);
            p[j] = x[j] - h;
            gradient(p, gm);
            p[j] = x[j];
            for (var i = 0; i < n; i++)
            {
                result[i, j] = (gp[i] - gm[i]) / (2 * h);
            }
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                result[i, j] = result[j, i] = 0.5 * (result[i, j] + result[j, i]);
            }
        }

        return result;
    }

    /// <summary>Square roots of the diagonal of the inverse Hessian; NaN everywhere when it is not positive definite.</summary>
    public static double[] StandardErrors(double[,] hessian)
    {
        var n = hessian.GetLength(0);
        var result = new double[n];
        try
        {
            var matrix = Matrix<double>.Build.DenseOfArray(hessian);
            var inverse = matrix.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(n));
            for (var i = 0; i < n; i++)
            {
                var v = inverse[i, i];
                result[i] = v > 0 && double.IsFinite(v) ? Math.Sqrt(v) : double.NaN;
            }
        }
        catch (ArgumentException)
        {
            Array.Fill(result, double.NaN);
        }

        return result;
    }

    private static double Safe(Func<double[], double> f, double[] x)
    {
        var v = f(x);
        return double.IsFinite(v) ? v : double.PositiveInfinity;
    }

    private static void Along(double[] centroid, double[] worst, double coefficient, double[] target)
    {
        // centroid + coefficient * (worst - centroid): -1 reflects, -2 expands, ±0.5 contracts.
        for (var j = 0; j < centroid.Length; j++)
        {
            target[j] = centroid[j] + coefficient * (worst[j] - centroid[j]);
        }
    }

    private static void Replace(double[][] simplex, double[] values, int index, double[] point, double value)
    {
        Array.Copy(point, simplex[index], point.Length);
        values[index] = value;
    }

    private static double MaxAbs(double[] v)
    {
        var m = 0.0;
        foreach (var e in v)
        {
            m = Math.Max(m, Math.Abs(e));
        }

        return m;
    }

    private static double Norm(double[] v)
    {
        var s = 0.0;
        foreach (var e in v)
        {
            s += e * e;
        }

        return Math.Sqrt(s);
    }

    private static void ResetToScaledIdentity(double[,] h, double scale)
    {
        var n = h.GetLength(0);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                h[i, j] = i == j ? scale : 0;
            }
        }
    }

    private static void UpdateInverseHessian(double[,] h, double[] s, double[] y, double sy)
    {
        // H+ = (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ, ρ = 1/(yᵀs)  (Nocedal & Wright 2006, eq. 6.17).
        var n = s.Length;
        var rho = 1.0 / sy;
        var hy = new double[n];
        var yhy = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                hy[i] += h[i, j] * y[j];
            }

            yhy += y[i] * hy[i];
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                h[i, j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
            }
        }
    }
}
