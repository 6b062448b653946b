using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Obsess.Analytics.Clv;

/// <summary>Pareto/NBD parameters: purchase rates λ ~ Gamma(r, alpha); drop-out rates μ ~ Gamma(s, beta).</summary>
public sealed record ParetoNbdParameters : ITransactionModelParameters
{
    /// <summary>Shape of the gamma mixing distribution of purchase rates.</summary>
    public required double R { get; init; }

    /// <summary>Rate (1 / time unit) of the gamma mixing distribution of purchase rates.</summary>
    public required double Alpha { get; init; }

    /// <summary>Shape of the gamma mixing distribution of drop-out rates.</summary>
    public required double S { get; init; }

    /// <summary>Rate (1 / time unit) of the gamma mixing distribution of drop-out rates.</summary>
    public required double Beta { get; init; }

    /// <inheritdoc />
    public string ModelName => "Pareto/NBD";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ToDictionary() => ClvMath.Ordered(("r", R), ("alpha", Alpha), ("s", S), ("beta", Beta));

    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double t, double x, double tx, double T) => ParetoNbd.ConditionalExpectedPurchases(this, t, x, tx, T);

    /// <inheritdoc />
    public double ProbabilityAlive(double x, double tx, double T) => ParetoNbd.ProbabilityAlive(this, x, tx, T);

    /// <inheritdoc />
    public double ExpectedPurchases(double t) => ParetoNbd.ExpectedPurchases(this, t);

    internal void Validate()
    {
        CustomerData.CheckParameter(R, "r");
        CustomerData.CheckParameter(Alpha, "alpha");
        CustomerData.CheckParameter(S, "s");
        CustomerData.CheckParameter(Beta, "beta");
    }
}

/// <summary>
/// The Pareto/NBD model (Schmittlein, Morrison &amp; Colombo 1987, "Counting Your Customers: Who Are They and What
/// Will They Do Next?", Management Science 33(1)), with the expressions of Fader &amp; Hardie (2005),
/// "A Note on Deriving the Pareto/NBD Model and Related Expressions". Same (x, tx, T) inputs as <see cref="BgNbd"/>.
/// </summary>
public static class ParetoNbd
{
    /// <summary>Parameter names in published order.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["r", "alpha", "s", "beta"];

    /// <summary>
    /// Maximum-likelihood fit by Nelder-Mead over log-parameters (then BFGS polishing), from r = s = 1 and
    /// alpha = beta = Σw·T / Σw·x (scale-aware, so the start suits any time unit).
    /// </summary>
    /// <exception cref="ArgumentException">A row is not a valid (x, tx, T) summary; the message names the row.</exception>
    public static ClvFit<ParetoNbdParameters> Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> T, ReadOnlySpan<double> weights = default)
    {
        var data = CustomerData.Validate(x, tx, T, weights).Compress();
        double sumX = 0, sumT = 0;
        for (var i = 0; i < data.Count; i++)
        {
            sumX += data.Weights[i] * data.X[i];
            sumT += data.Weights[i] * data.T[i];
        }

        var scale = sumX > 0 ? sumT / sumX : sumT / data.TotalWeight;
        return LikelihoodFit.Run(
            theta => LogLikelihoodCore(data, theta[0], theta[1], theta[2], theta[3]),
            [1, scale, 1, scale],
            ParameterNames,
            e => new ParetoNbdParameters { R = e[0], Alpha = e[1], S = e[2], Beta = e[3] },
            data.TotalWeight,
            x.Length);
    }

    /// <summary>Weighted log-likelihood of the data under <paramref name="p"/>.</summary>
    public static double LogLikelihood(ParetoNbdParameters p, ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> T, ReadOnlySpan<double> weights = default)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var data = CustomerData.Validate(x, tx, T, weights);
        return LogLikelihoodCore(data, p.R, p.Alpha, p.S, p.Beta);
    }

    private static double LogLikelihoodCore(CustomerData data, double r, double alpha, double s, double beta)
    {
        var gammaLnR = SpecialFunctions.GammaLn(r);
        var sums = ChunkedSum.Run(data.Count, 1, (start, end, acc) =>
        {
            var total = 0.0;
            for (var i = start; i < end; i++)
            {
                if (data.Weights[i] != 0)
                {
                    total += data.Weights[i] * CustomerLogLikelihood(r, alpha, s, beta, gammaLnR, data.X[i], data.Tx[i], data.T[i]);
                }
            }

            acc[0] = total;
        }, ChunkedSum.CostlyRowChunkSize);
        return sums[0];
    }

    /// <summary>
    /// ln L(r, α, s, β | x, tx, T) from Fader &amp; Hardie (2005 note, the likelihood function):
    /// L = Γ(r+x) α^r β^s / Γ(r) · { 1/[(α+T)^(r+x) (β+T)^s] + s/(r+s+x) · A0 },
    /// with A0 from <see cref="LogA0"/>. Summed in log space.
    /// </summary>
    private static double CustomerLogLikelihood(double r, double alpha, double s, double beta, double gammaLnR, int x, double tx, double T)
    {
        var head = SpecialFunctions.GammaLn(r + x) - gammaLnR + r * Math.Log(alpha) + s * Math.Log(beta);
        var first = -(r + x) * Math.Log(alpha + T) - s * Math.Log(beta + T);
        double logA0;
        try
        {
            logA0 = LogA0(r, alpha, s, beta, x, tx, T);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentOutOfRangeException)
        {
            // Only at extreme trial parameters (a 2F1 argument that rounds to 1, or a series that will not converge):
            // report "not computable" so the optimiser steps back instead of failing.
            return double.NaN;
        }

        var second = Math.Log(s / (r + s + x)) + logA0;
        return head + ClvMath.LogAddExp(first, second);
    }

    /// <summary>
    /// ln A0 (Fader &amp; Hardie 2005 note, the A0 expressions). The 2F1 argument must lie in [0, 1), hence the case split:
    /// for α ≥ β, A0 = 2F1(r+s+x, s+1; r+s+x+1; (α-β)/(α+tx)) / (α+tx)^(r+s+x) - 2F1(r+s+x, s+1; r+s+x+1; (α-β)/(α+T)) / (α+T)^(r+s+x);
    /// for α &lt; β, A0 = 2F1(r+s+x, r+x; r+s+x+1; (β-α)/(β+tx)) / (β+tx)^(r+s+x) - 2F1(r+s+x, r+x; r+s+x+1; (β-α)/(β+T)) / (β+T)^(r+s+x).
    /// The difference is taken in log space; -infinity when tx = T.
    /// </summary>
    private static double LogA0(double r, double alpha, double s, double beta, double x, double tx, double T)
    {
        var a = r + s + x;
        double Term(double y) => alpha >= beta
            ? Math.Log(Hypergeometric.Hyp2F1(a, s + 1, a + 1, (alpha - beta) / (alpha + y), (beta + y) / (alpha + y))) - a * Math.Log(alpha + y)
            : Math.Log(Hypergeometric.Hyp2F1(a, r + x, a + 1, (beta - alpha) / (beta + y), (alpha + y) / (beta + y))) - a * Math.Log(beta + y);

        return ClvMath.LogSubExp(Term(tx), Term(T));
    }

    /// <summary>
    /// P(alive at T | x, tx, T) (Fader &amp; Hardie 2005 note, "P(alive)"; SMC 1987):
    /// 1 / { 1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0 }.
    /// </summary>
    public static double ProbabilityAlive(ParetoNbdParameters p, double x, double tx, double T)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.Check(x, tx, T);
        return AliveCore(p, x, tx, T);
    }

    private static double AliveCore(ParetoNbdParameters p, double x, double tx, double T)
    {
        var logOdds = Math.Log(p.S / (p.R + p.S + x)) + (p.R + x) * Math.Log(p.Alpha + T) + p.S * Math.Log(p.Beta + T)
            + LogA0(p.R, p.Alpha, p.S, p.Beta, x, tx, T);
        return 1 / (1 + Math.Exp(logOdds));
    }

    /// <summary>
    /// Expected purchases in (T, T+t] (Fader &amp; Hardie 2005 note, "conditional expectation"; SMC 1987):
    /// (r+x)(β+T) / [(α+T)(s-1)] · [1 - ((β+T)/(β+T+t))^(s-1)] · P(alive), continuous at s = 1.
    /// </summary>
    public static double ConditionalExpectedPurchases(ParetoNbdParameters p, double t, double x, double tx, double T)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.Check(x, tx, T);
        CustomerData.CheckHorizon(t);
        var growth = ClvMath.OneMinusExpOverK(p.S - 1, Math.Log((p.Beta + T + t) / (p.Beta + T)));
        return (p.R + x) * (p.Beta + T) / (p.Alpha + T) * growth * AliveCore(p, x, tx, T);
    }

    /// <summary>
    /// Draws (x, tx) for customers of the given ages from the Pareto/NBD story (SMC 1987): λ ~ Gamma(r, α),
    /// μ ~ Gamma(s, β); the customer is alive for an exponential lifetime with rate μ and, while alive, buys as a
    /// Poisson process with rate λ. Deterministic for a given seed.
    /// </summary>
    public static (double[] X, double[] Tx) Simulate(ParetoNbdParameters p, ReadOnlySpan<double> T, int seed)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var random = new Random(seed);
        var x = new double[T.Length];
        var tx = new double[T.Length];
        for (var i = 0; i < T.Length; i++)
        {
            if (!double.IsFinite(T[i]) || T[i] <= 0)
            {
                throw new ArgumentException($"T[{i}] = {T[i]} must be positive and finite.", nameof(T));
            }

            var lambda = Gamma.Sample(random, p.R, p.Alpha);
            var mu = Gamma.Sample(random, p.S, p.Beta);
            var end = Math.Min(T[i], Exponential.Sample(random, mu));
            double time = 0, count = 0, last = 0;
            while (true)
            {
                time += Exponential.Sample(random, lambda);
                if (time > end)
                {
                    break;
                }

                count++;
                last = time;
            }

            x[i] = count;
            tx[i] = last;
        }

        return (x, tx);
    }

    /// <summary>
    /// Expected purchases in (0, t] for a new customer (SMC 1987; Fader &amp; Hardie 2005 note, "E[X(t)]"):
    /// E[X(t)] = rβ / [α(s-1)] · [1 - (β/(β+t))^(s-1)], continuous at s = 1.
    /// </summary>
    public static double ExpectedPurchases(ParetoNbdParameters p, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.CheckHorizon(t);
        return p.R * p.Beta / p.Alpha * ClvMath.OneMinusExpOverK(p.S - 1, Math.Log((p.Beta + t) / p.Beta));
    }
}
