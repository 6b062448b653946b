using MathNet.Numerics;

namespace Obsess.Analytics.Clv;

/// <summary>
/// Gamma-Gamma spend parameters: a transaction's value ~ Gamma(p, ν), and across customers ν ~ Gamma(q, gamma).
/// </summary>
public sealed record GammaGammaParameters : IClvParameters
{
    /// <summary>Shape of the per-transaction spend distribution.</summary>
    public required double P { get; init; }

    /// <summary>Shape of the gamma mixing distribution of ν.</summary>
    public required double Q { get; init; }

    /// <summary>Scale (in money units) of the gamma mixing distribution of ν ("gamma" in the papers, "v" in some software).</summary>
    public required double Gamma { get; init; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ToDictionary() => ClvMath.Ordered(("p", P), ("q", Q), ("gamma", Gamma));

    /// <summary>Expected average transaction value for a customer with <paramref name="x"/> repeat purchases averaging <paramref name="averageSpend"/>.</summary>
    public double ConditionalExpectedAverageSpend(double x, double averageSpend) => GammaGamma.ConditionalExpectedAverageSpend(this, x, averageSpend);

    internal void Validate()
    {
        CustomerData.CheckParameter(P, "p");
        CustomerData.CheckParameter(Q, "q");
        CustomerData.CheckParameter(Gamma, "gamma");
    }
}

/// <summary>
/// The Gamma-Gamma model of average transaction value (Fader, Hardie &amp; Lee 2005, "RFM and CLV: Using Iso-Value
/// Curves for Customer Base Analysis", Journal of Marketing Research 42(4); Fader &amp; Hardie 2013,
/// "The Gamma-Gamma Model of Monetary Value"). It assumes spend is independent of the purchase process.
/// </summary>
public static class GammaGamma
{
    /// <summary>Parameter names in published order.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["p", "q", "gamma"];

    /// <summary>
    /// Maximum-likelihood fit on repeat buyers. Rows with x = 0 carry no spend information and are skipped
    /// (<see cref="ClvFit{T}.Customers"/> counts the rows used); x &gt; 0 rows need a positive finite average spend.
    /// Starts from p = q = 1, gamma = the mean average spend, on log-parameters.
    /// </summary>
    /// <param name="x">Repeat purchases per customer.</param>
    /// <param name="averageSpend">Mean value of the repeat purchases (z̄ / m_x).</param>
    /// <param name="weights">Optional number of customers each row stands for.</param>
    public static ClvFit<GammaGammaParameters> Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> averageSpend, ReadOnlySpan<double> weights = default)
    {
        if (x.Length != averageSpend.Length)
        {
            throw new ArgumentException($"x and averageSpend must have the same length (got {x.Length} and {averageSpend.Length}).", nameof(averageSpend));
        }

        if (!weights.IsEmpty && weights.Length != x.Length)
        {
            throw new ArgumentException($"weights must be empty or have one value per row (got {weights.Length} for {x.Length} rows).", nameof(weights));
        }

        var xs = new List<double>();
        var zs = new List<double>();
        var ws = new List<double>();
        for (var i = 0; i < x.Length; i++)
        {
            if (!double.IsFinite(x[i]) || x[i] < 0 || x[i] != Math.Floor(x[i]))
            {
                throw new ArgumentException($"x (frequency) at row {i} = {x[i]} must be a non-negative whole number.", nameof(x));
            }

            var w = weights.IsEmpty ? 1.0 : weights[i];
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"weights[{i}] = {w} must be a finite non-negative number.", nameof(weights));
            }

            if (x[i] == 0 || w == 0)
            {
                continue;
            }

            if (!double.IsFinite(averageSpend[i]) || averageSpend[i] <= 0)
            {
                throw new ArgumentException($"averageSpend at row {i} = {averageSpend[i]} must be positive for a customer with repeat purchases (x = {x[i]}).", nameof(averageSpend));
            }

            xs.Add(x[i]);
            zs.Add(averageSpend[i]);
            ws.Add(w);
        }

        if (xs.Count == 0)
        {
            throw new ArgumentException("No customer has repeat purchases (x > 0): the Gamma-Gamma model has nothing to fit.", nameof(x));
        }

        var xa = xs.ToArray();
        var za = zs.ToArray();
        var wa = ws.ToArray();
        var meanSpend = 0.0;
        for (var i = 0; i < za.Length; i++)
        {
            meanSpend += wa[i] * za[i];
        }

        meanSpend /= wa.Sum();
        return LikelihoodFit.Run(
            theta => LogLikelihoodCore(theta[0], theta[1], theta[2], xa, za, wa),
            [1, 1, meanSpend],
            ParameterNames,
            e => new GammaGammaParameters { P = e[0], Q = e[1], Gamma = e[2] },
            wa.Sum(),
            xa.Length);
    }

    /// <summary>
    /// Weighted log-likelihood over customers with x &gt; 0 (Fader &amp; Hardie 2013 note, the marginal density of z̄):
    /// f(z̄ | p, q, γ, x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q z̄^(px-1) x^(px) / (γ + x z̄)^(px+q).
    /// </summary>
    private static double LogLikelihoodCore(double p, double q, double gamma, double[] x, double[] z, double[] w)
    {
        var total = 0.0;
        var gammaLnQ = SpecialFunctions.GammaLn(q);
        var lnGamma = Math.Log(gamma);
        for (var i = 0; i < x.Length; i++)
        {
            var px = p * x[i];
            total += w[i] * (SpecialFunctions.GammaLn(px + q) - SpecialFunctions.GammaLn(px) - gammaLnQ
                + q * lnGamma + (px - 1) * Math.Log(z[i]) + px * Math.Log(x[i]) - (px + q) * Math.Log(gamma + x[i] * z[i]));
        }

        return total;
    }

    /// <summary>
    /// E[M | p, q, γ, x, z̄] = p(γ + x z̄) / (px + q - 1) (FHL 2005 "RFM and CLV", the conditional expectation of spend; Fader &amp; Hardie 2013):
    /// a weighted mean of the population mean pγ/(q-1) and the customer's own average z̄.
    /// For x = 0 it is the population mean, which needs q &gt; 1.
    /// </summary>
    public static double ConditionalExpectedAverageSpend(GammaGammaParameters parameters, double x, double averageSpend)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        if (!double.IsFinite(x) || x < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x (frequency) must be non-negative.");
        }

        if (x > 0 && (!double.IsFinite(averageSpend) || averageSpend <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(averageSpend), averageSpend, "averageSpend must be positive when x > 0.");
        }

        var denominator = parameters.P * x + parameters.Q - 1;
        if (denominator <= 0)
        {
            throw new ArgumentException($"E[M] is infinite for px + q <= 1 (p = {parameters.P}, q = {parameters.Q}, x = {x}).", nameof(parameters));
        }

        return parameters.P * (parameters.Gamma + (x > 0 ? x * averageSpend : 0)) / denominator;
    }
}
