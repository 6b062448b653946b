using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Obsess.Analytics.Clv;

/// <summary>BG/BB parameters: transaction probability p ~ Beta(alpha, beta); drop-out probability θ ~ Beta(gamma, delta).</summary>
public sealed record BgBbParameters : ITransactionModelParameters
{
    /// <summary>First shape of the beta distribution of per-opportunity transaction probabilities.</summary>
    public required double Alpha { get; init; }

    /// <summary>Second shape of the beta distribution of per-opportunity transaction probabilities.</summary>
    public required double Beta { get; init; }

    /// <summary>First shape of the beta distribution of per-opportunity drop-out probabilities.</summary>
    public required double Gamma { get; init; }

    /// <summary>Second shape of the beta distribution of per-opportunity drop-out probabilities.</summary>
    public required double Delta { get; init; }

    /// <inheritdoc />
    public string ModelName => "BG/BB";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ToDictionary() => ClvMath.Ordered(("alpha", Alpha), ("beta", Beta), ("gamma", Gamma), ("delta", Delta));

    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double t, double x, double tx, double T) => BgBb.ConditionalExpectedPurchases(this, t, x, tx, T);

    /// <inheritdoc />
    public double ProbabilityAlive(double x, double tx, double T) => BgBb.ProbabilityAlive(this, x, tx, T);

    /// <inheritdoc />
    public double ExpectedPurchases(double t) => BgBb.ExpectedPurchases(this, t);

    internal void Validate()
    {
        CustomerData.CheckParameter(Alpha, "alpha");
        CustomerData.CheckParameter(Beta, "beta");
        CustomerData.CheckParameter(Gamma, "gamma");
        CustomerData.CheckParameter(Delta, "delta");
    }
}

/// <summary>
/// The BG/BB model for discrete transaction opportunities (Fader, Hardie &amp; Shang 2010, "Customer-Base Analysis in a
/// Discrete-Time Noncontractual Setting", Marketing Science 29(6)). Per customer: x transactions in the n opportunities
/// after the first, the last at opportunity tx (0 when x = 0); all whole numbers with x &lt;= tx &lt;= n.
/// </summary>
public static class BgBb
{
    /// <summary>Parameter names in published order.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["alpha", "beta", "gamma", "delta"];

    /// <summary>
    /// Maximum-likelihood fit, usually on the compressed form (one row per distinct (x, tx, n) with the number of
    /// customers as weight). Nelder-Mead over log-parameters from all-ones, then BFGS polishing.
    /// </summary>
    /// <exception cref="ArgumentException">A row is not a valid (x, tx, n) summary; the message names the row.</exception>
    public static ClvFit<BgBbParameters> Fit(ReadOnlySpan<double> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> periods, ReadOnlySpan<double> weights = default)
    {
        var data = CustomerData.Validate(frequency, recency, periods, weights, discrete: true).Compress();
        return LikelihoodFit.Run(
            theta => LogLikelihoodCore(data, theta[0], theta[1], theta[2], theta[3]),
            [1, 1, 1, 1],
            ParameterNames,
            e => new BgBbParameters { Alpha = e[0], Beta = e[1], Gamma = e[2], Delta = e[3] },
            data.TotalWeight,
            frequency.Length);
    }

    /// <summary>Weighted log-likelihood of the data under <paramref name="p"/>.</summary>
    public static double LogLikelihood(BgBbParameters p, ReadOnlySpan<double> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> periods, ReadOnlySpan<double> weights = default)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var data = CustomerData.Validate(frequency, recency, periods, weights, discrete: true);
        return LogLikelihoodCore(data, p.Alpha, p.Beta, p.Gamma, p.Delta);
    }

    private static double LogLikelihoodCore(CustomerData data, double alpha, double beta, double gamma, double delta)
    {
        var sums = ChunkedSum.Run(data.Count, 1, (start, end, acc) =>
        {
            var total = 0.0;
            for (var i = start; i < end; i++)
            {
                if (data.Weights[i] != 0)
                {
                    total += data.Weights[i] * CustomerLogLikelihood(alpha, beta, gamma, delta, data.X[i], data.Tx[i], data.T[i]);
                }
            }

            acc[0] = total;
        }, ChunkedSum.CostlyRowChunkSize);
        return sums[0];
    }

    /// <summary>
    /// ln L(α, β, γ, δ | x, tx, n) (FHS 2010, the individual likelihood integrated over the beta mixing distributions):
    /// L = B(α+x, β+n-x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    ///   + Σ_{i=0}^{n-tx-1} B(α+x, β+tx-x+i)/B(α,β) · B(γ+1, δ+tx+i)/B(γ,δ),
    /// summed in log space.
    /// </summary>
    private static double CustomerLogLikelihood(double alpha, double beta, double gamma, double delta, double x, double tx, double n)
    {
        var lnBab = ClvMath.BetaLn(alpha, beta);
        var lnBgd = ClvMath.BetaLn(gamma, delta);
        var total = ClvMath.BetaLn(alpha + x, beta + n - x) - lnBab + ClvMath.BetaLn(gamma, delta + n) - lnBgd;
        var steps = (int)(n - tx);
        for (var i = 0; i < steps; i++)
        {
            total = ClvMath.LogAddExp(total, ClvMath.BetaLn(alpha + x, beta + tx - x + i) - lnBab + ClvMath.BetaLn(gamma + 1, delta + tx + i) - lnBgd);
        }

        return total;
    }

    /// <summary>
    /// P(alive at opportunity n+1 | x, tx, n) (FHS 2010): B(α+x, β+n-x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L.
    /// </summary>
    public static double ProbabilityAlive(BgBbParameters p, double x, double tx, double n)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.Check(x, tx, n, discrete: true);
        var log = ClvMath.BetaLn(p.Alpha + x, p.Beta + n - x) - ClvMath.BetaLn(p.Alpha, p.Beta)
            + ClvMath.BetaLn(p.Gamma, p.Delta + n + 1) - ClvMath.BetaLn(p.Gamma, p.Delta)
            - CustomerLogLikelihood(p.Alpha, p.Beta, p.Gamma, p.Delta, x, tx, n);
        return Math.Exp(log);
    }

    /// <summary>
    /// Expected transactions in the next <paramref name="futurePeriods"/> opportunities (n, n+n*] (FHS 2010):
    /// 1/L · B(α+x+1, β+n-x)/B(α,β) · δ/(γ-1) · Γ(γ+δ)/Γ(1+δ)
    ///   · [Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)], continuous at γ = 1.
    /// </summary>
    public static double ConditionalExpectedPurchases(BgBbParameters p, double futurePeriods, double x, double tx, double n)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.Check(x, tx, n, discrete: true);
        CheckWhole(futurePeriods);
        var logScale = ClvMath.BetaLn(p.Alpha + x + 1, p.Beta + n - x) - ClvMath.BetaLn(p.Alpha, p.Beta)
            - CustomerLogLikelihood(p.Alpha, p.Beta, p.Gamma, p.Delta, x, tx, n);
        return Math.Exp(logScale) * SurvivalSum(p.Gamma, p.Delta, n, futurePeriods);
    }

    /// <summary>
    /// Draws (x, tx) for customers with the given numbers of opportunities from the BG/BB story (FHS 2010):
    /// p ~ Beta(α, β), θ ~ Beta(γ, δ); at each opportunity a living customer first drops out with probability θ and,
    /// if still alive, transacts with probability p. Deterministic for a given seed.
    /// </summary>
    public static (double[] X, double[] Tx) Simulate(BgBbParameters p, ReadOnlySpan<double> periods, int seed)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var random = new Random(seed);
        var x = new double[periods.Length];
        var tx = new double[periods.Length];
        for (var i = 0; i < periods.Length; i++)
        {
            var n = periods[i];
            if (!double.IsFinite(n) || n < 1 || n != Math.Floor(n))
            {
                throw new ArgumentException($"periods[{i}] = {n} must be a positive whole number.", nameof(periods));
            }

            var transact = Beta.Sample(random, p.Alpha, p.Beta);
            var dropout = Beta.Sample(random, p.Gamma, p.Delta);
            for (var k = 1; k <= n; k++)
            {
                if (random.NextDouble() < dropout)
                {
                    break;
                }

                if (random.NextDouble() < transact)
                {
                    x[i]++;
                    tx[i] = k;
                }
            }
        }

        return (x, tx);
    }

    /// <summary>
    /// Expected transactions in the first n opportunities for a new customer (FHS 2010):
    /// E[X(n)] = α/(α+β) · δ/(γ-1) · [1 - Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))], continuous at γ = 1.
    /// </summary>
    public static double ExpectedPurchases(BgBbParameters p, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CheckWhole(t);
        return p.Alpha / (p.Alpha + p.Beta) * SurvivalSum(p.Gamma, p.Delta, 0, t);
    }

    /// <summary>
    /// δ/(γ-1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) - Γ(1+δ+n+m)/Γ(γ+δ+n+m)] = Σ_{i=n+1}^{n+m} B(γ, δ+i)/B(γ, δ),
    /// the expected number of the opportunities n+1..n+m survived. The 0/0 at γ = 1 is bridged symmetrically.
    /// </summary>
    private static double SurvivalSum(double gamma, double delta, double n, double m)
    {
        if (m == 0)
        {
            return 0;
        }

        const double H = 1e-5;
        return Math.Abs(gamma - 1) < H
            ? 0.5 * (SurvivalSumAwayFromOne(1 + H, delta, n, m) + SurvivalSumAwayFromOne(1 - H, delta, n, m))
            : SurvivalSumAwayFromOne(gamma, delta, n, m);
    }

    private static double SurvivalSumAwayFromOne(double gamma, double delta, double n, double m)
    {
        var front = Math.Log(delta) + SpecialFunctions.GammaLn(gamma + delta) - SpecialFunctions.GammaLn(1 + delta);
        var first = SpecialFunctions.GammaLn(1 + delta + n) - SpecialFunctions.GammaLn(gamma + delta + n);
        var second = SpecialFunctions.GammaLn(1 + delta + n + m) - SpecialFunctions.GammaLn(gamma + delta + n + m);

        // first > second exactly when γ > 1; the difference divided by (γ-1) is positive either way.
        var difference = -ClvMath.Expm1(second - first) * Math.Exp(first);
        return Math.Exp(front) * difference / (gamma - 1);
    }

    private static void CheckWhole(double periods)
    {
        if (!double.IsFinite(periods) || periods < 0 || periods != Math.Floor(periods))
        {
            throw new ArgumentOutOfRangeException(nameof(periods), periods, "The number of future opportunities must be a non-negative whole number.");
        }
    }
}
