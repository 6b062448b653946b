namespace Obsess.Analytics.Clv;

/// <summary>Maximum-likelihood fitting for the models fitted without an analytic gradient.</summary>
internal static class LikelihoodFit
{
    /// <summary>
    /// Maximises <paramref name="logLikelihood"/> (a function of the natural, positive parameters) over
    /// log-parameters: BFGS with central-difference gradients from <paramref name="start"/>; if it stalls,
    /// Nelder-Mead (with restarts) from where it stopped, then BFGS again to polish. Standard errors come from the central-difference Hessian of -ℓ in the natural parameters.
    /// </summary>
    public static ClvFit<TParameters> Run<TParameters>(
        Func<double[], double> logLikelihood,
        double[] start,
        IReadOnlyList<string> names,
        Func<double[], TParameters> create,
        double customers,
        int rows)
        where TParameters : IClvParameters
    {
        double Objective(double[] u)
        {
            var theta = new double[u.Length];
            for (var k = 0; k < u.Length; k++)
            {
                theta[k] = Math.Exp(u[k]);
                if (!double.IsFinite(theta[k]) || theta[k] <= 0)
                {
                    return double.PositiveInfinity;
                }
            }

            var ll = logLikelihood(theta);
            return double.IsFinite(ll) ? -ll : double.PositiveInfinity;
        }

        double ObjectiveWithGradient(double[] u, double[] gradient)
        {
            var f = Objective(u);
            var probe = (double[])u.Clone();
            for (var k = 0; k < u.Length; k++)
            {
                const double H = 1e-6;
                probe[k] = u[k] + H;
                var fp = Objective(probe);
                probe[k] = u[k] - H;
                var fm = Objective(probe);
                probe[k] = u[k];
                gradient[k] = (fp - fm) / (2 * H);
            }

            return f;
        }

        var logStart = start.Select(v => Math.Log(v)).ToArray();
        var best = Optimizer.Bfgs(ObjectiveWithGradient, logStart, gradientTolerance: 1e-9, maxIterations: 300);
        var iterations = best.Iterations;
        var converged = best.Converged;
        if (!converged)
        {
            // BFGS stalled (flat or rugged region): let the simplex find the basin, then polish again.
            var simplex = Optimizer.NelderMead(Objective, best.Point);
            var polished = Optimizer.Bfgs(ObjectiveWithGradient, simplex.Point, gradientTolerance: 1e-9, maxIterations: 300);
            iterations += simplex.Iterations + polished.Iterations;
            converged = simplex.Converged || polished.Converged;
            best = polished.Value <= simplex.Value ? polished : simplex;
        }

        var estimate = best.Point.Select(v => Math.Exp(v)).ToArray();
        var hessian = Optimizer.Hessian(theta => -logLikelihood(theta), estimate);
        return new ClvFit<TParameters>
        {
            Parameters = create(estimate),
            StandardErrors = ClvMath.Ordered(names, Optimizer.StandardErrors(hessian)),
            LogLikelihood = -best.Value,
            Customers = customers,
            Rows = rows,
            Iterations = iterations,
            Converged = converged,
        };
    }
}
