namespace Obsess.Analytics.Clv;

/// <summary>Fitted parameters of a lifetime-value model, in the order the literature publishes them.</summary>
public interface IClvParameters
{
    /// <summary>Parameter names → values, in published order (e.g. r, alpha, a, b). Enumeration order is guaranteed.</summary>
    IReadOnlyDictionary<string, double> ToDictionary();
}

/// <summary>
/// A fitted transaction (purchase-count) model: what the app needs to rank and value customers
/// whichever model the user chose. For BG/BB, <c>t</c>, <c>tx</c> and <c>T</c> are whole numbers of opportunities.
/// </summary>
public interface ITransactionModelParameters : IClvParameters
{
    /// <summary>Model name as shown to users ("BG/NBD", "Pareto/NBD", "BG/BB").</summary>
    string ModelName { get; }

    /// <summary>Expected repeat purchases in (T, T + t] for a customer with history (x, tx, T).</summary>
    double ConditionalExpectedPurchases(double t, double x, double tx, double T);

    /// <summary>Probability that a customer with history (x, tx, T) is still active at T.</summary>
    double ProbabilityAlive(double x, double tx, double T);

    /// <summary>Expected purchases in (0, t] for a customer just acquired (E[X(t)]).</summary>
    double ExpectedPurchases(double t);
}

/// <summary>The result of a maximum-likelihood fit.</summary>
/// <typeparam name="TParameters">The model's parameter record.</typeparam>
public sealed record ClvFit<TParameters>
    where TParameters : IClvParameters
{
    /// <summary>Maximum-likelihood estimates.</summary>
    public required TParameters Parameters { get; init; }

    /// <summary>
    /// Asymptotic standard errors (name → value, same order as <see cref="IClvParameters.ToDictionary"/>):
    /// square roots of the diagonal of the inverse of the numerically computed Hessian of the negative
    /// log-likelihood at the optimum, in the natural parameters. NaN when the Hessian is not positive definite.
    /// </summary>
    public required IReadOnlyDictionary<string, double> StandardErrors { get; init; }

    /// <summary>Maximised log-likelihood (weighted sum over rows).</summary>
    public required double LogLikelihood { get; init; }

    /// <summary>Number of customers represented: the sum of the row weights (the row count when unweighted).</summary>
    public required double Customers { get; init; }

    /// <summary>Number of input rows.</summary>
    public required int Rows { get; init; }

    /// <summary>Optimiser iterations used.</summary>
    public required int Iterations { get; init; }

    /// <summary>Whether the optimiser met its convergence criterion.</summary>
    public required bool Converged { get; init; }

    /// <summary>The same fit with its parameters viewed through an interface (for "whichever model" code).</summary>
    public ClvFit<TOther> As<TOther>()
        where TOther : IClvParameters
    {
        if (Parameters is not TOther other)
        {
            throw new InvalidCastException($"{typeof(TParameters).Name} does not implement {typeof(TOther).Name}.");
        }

        return new ClvFit<TOther>
        {
            Parameters = other,
            StandardErrors = StandardErrors,
            LogLikelihood = LogLikelihood,
            Customers = Customers,
            Rows = Rows,
            Iterations = Iterations,
            Converged = Converged,
        };
    }
}
