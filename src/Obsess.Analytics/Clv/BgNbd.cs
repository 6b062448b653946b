using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Obsess.Analytics.Clv;

/// <summary>BG/NBD parameters: purchase rates λ ~ Gamma(shape r, rate alpha); drop-out probability p ~ Beta(a, b).</summary>
public sealed record BgNbdParameters : ITransactionModelParameters
{
    /// <summary>Shape of the gamma mixing distribution of purchase rates.</summary>
    public required double R { get; init; }

    /// <summary>Rate (in 1 / time unit) of the gamma mixing distribution of purchase rates.</summary>
    public required double Alpha { get; init; }

    /// <summary>First shape of the beta mixing distribution of drop-out probabilities.</summary>
    public required double A { get; init; }

    /// <summary>Second shape of the beta mixing distribution of drop-out probabilities.</summary>
    public required double B { get; init; }

    /// <inheritdoc />
    public string ModelName => "BG/NBD";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ToDictionary() => ClvMath.Ordered(("r", R), ("alpha", Alpha), ("a", A), ("b", B));

    /// <inheritdoc />
    public double ConditionalExpectedPurchases(double t, double x, double tx, double T) => BgNbd.ConditionalExpectedPurchases(this, t, x, tx, T);

    /// <inheritdoc />
    public double ProbabilityAlive(double x, double tx, double T) => BgNbd.ProbabilityAlive(this, x, tx, T);

    /// <inheritdoc />
    public double ExpectedPurchases(double t) => BgNbd.ExpectedPurchases(this, t);

    internal void Validate()
    {
        CustomerData.CheckParameter(R, "r");
        CustomerData.CheckParameter(Alpha, "alpha");
        CustomerData.CheckParameter(A, "a");
        CustomerData.CheckParameter(B, "b");
    }
}

/// <summary>
/// The BG/NBD model of repeat purchasing in continuous time (Fader, Hardie &amp; Lee 2005, "'Counting Your Customers'
/// the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2)).
/// Inputs per customer: x repeat purchases, tx the time of the last one, T the time since the first purchase,
/// all in one time unit (e.g. weeks).
/// </summary>
public static class BgNbd
{
    /// <summary>Parameter names in published order.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["r", "alpha", "a", "b"];

    /// <summary>
    /// Maximum-likelihood fit (FHL 2005, eq. 6) by BFGS over log-parameters with the analytic gradient, from
    /// r = a = b = 1 and alpha = Σw·T / Σw·x (so that the start's mean rate r/alpha matches the data's, whatever the time unit),
    /// falling back to Nelder-Mead when BFGS stalls. The likelihood is summed in parallel over fixed chunks of customers
    /// in a fixed order, so the result does not depend on the number of cores.
    /// </summary>
    /// <param name="x">Repeat purchases per customer (whole numbers).</param>
    /// <param name="tx">Recency: time of the last repeat purchase since the first purchase (0 when x = 0).</param>
    /// <param name="T">Age: time from the first purchase to the end of calibration.</param>
    /// <param name="weights">Optional number of customers each row stands for (empty: 1 each).</param>
    /// <exception cref="ArgumentException">A row is not a valid (x, tx, T) summary; the message names the row.</exception>
    public static ClvFit<BgNbdParameters> Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> T, ReadOnlySpan<double> weights = default)
    {
        var data = CustomerData.Validate(x, tx, T, weights);
        var maxX = data.X.Max();
        double sumX = 0, sumT = 0;
        for (var i = 0; i < data.Count; i++)
        {
            sumX += data.Weights[i] * data.X[i];
            sumT += data.Weights[i] * data.T[i];
        }

        var alpha0 = sumX > 0 ? sumT / sumX : sumT / data.TotalWeight;
        var start = new[] { 0.0, Math.Log(alpha0), 0.0, 0.0 };
        var theta = new double[4];
        var gradTheta = new double[4];

        double Objective(double[] u, double[] gradU)
        {
            for (var k = 0; k < 4; k++)
            {
                theta[k] = Math.Exp(u[k]);
            }

            var ll = LogLikelihoodCore(data, maxX, theta, gradTheta);
            for (var k = 0; k < 4; k++)
            {
                // Chain rule to log-parameters: ∂ℓ/∂ln θ = θ ∂ℓ/∂θ.
                gradU[k] = -gradTheta[k] * theta[k];
            }

            return -ll;
        }

        var result = Optimizer.Bfgs(Objective, start);
        var iterations = result.Iterations;
        if (!result.Converged)
        {
            var scratch = new double[4];
            var nm = Optimizer.NelderMead(u => Objective(u, scratch), result.Point);
            var polished = Optimizer.Bfgs(Objective, nm.Point);
            iterations += nm.Iterations + polished.Iterations;
            result = polished.Value <= nm.Value ? polished : nm;
        }

        var estimate = result.Point.Select(Math.Exp).ToArray();
        var hessian = Optimizer.HessianFromGradient(
            (t, g) =>
            {
                LogLikelihoodCore(data, maxX, t, g);
                for (var k = 0; k < 4; k++)
                {
                    g[k] = -g[k];
                }
            },
            estimate);
        var se = Optimizer.StandardErrors(hessian);
        return new ClvFit<BgNbdParameters>
        {
            Parameters = new BgNbdParameters { R = estimate[0], Alpha = estimate[1], A = estimate[2], B = estimate[3] },
            StandardErrors = ClvMath.Ordered(ParameterNames, se),
            LogLikelihood = -result.Value,
            Customers = data.TotalWeight,
            Rows = data.Count,
            Iterations = iterations,
            Converged = result.Converged,
        };
    }

    /// <summary>Weighted log-likelihood of the data under <paramref name="p"/> (FHL 2005, eq. 6).</summary>
    public static double LogLikelihood(BgNbdParameters p, ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> T, ReadOnlySpan<double> weights = default)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var data = CustomerData.Validate(x, tx, T, weights);
        return LogLikelihoodCore(data, data.X.Max(), [p.R, p.Alpha, p.A, p.B], null);
    }

    /// <summary>
    /// Log-likelihood and (when <paramref name="gradient"/> is given) its gradient in (r, alpha, a, b).
    /// FHL 2005, eq. 6:
    /// L = Γ(r+x) α^r / Γ(r) · [ B(a, b+x)/B(a,b) · (α+T)^-(r+x) + δ(x&gt;0) B(a+1, b+x-1)/B(a,b) · (α+tx)^-(r+x) ],
    /// taken in log space with log-sum-exp. Every factor that depends on x only through the whole number x is tabulated
    /// once per call, so each customer costs two logarithms and one exponential.
    /// </summary>
    private static double LogLikelihoodCore(CustomerData data, int maxX, double[] theta, double[]? gradient)
    {
        double r = theta[0], alpha = theta[1], a = theta[2], b = theta[3];
        var n = maxX + 1;
        var d = new double[n];
        var dR = new double[n];
        var c1 = new double[n];
        var c1A = new double[n];
        var c1B = new double[n];
        var c2 = new double[n];
        var c2A = new double[n];
        var c2B = new double[n];
        var lnAlpha = Math.Log(alpha);
        var gammaLnR = SpecialFunctions.GammaLn(r);
        var psiR = SpecialFunctions.DiGamma(r);
        var gammaLnB = SpecialFunctions.GammaLn(b);
        var psiB = SpecialFunctions.DiGamma(b);
        var gammaLnAB = SpecialFunctions.GammaLn(a + b);
        var psiAB = SpecialFunctions.DiGamma(a + b);
        var lnA = Math.Log(a);
        for (var k = 0; k < n; k++)
        {
            // ln[Γ(r+x) α^r / Γ(r)] and its r-derivative.
            d[k] = SpecialFunctions.GammaLn(r + k) - gammaLnR + r * lnAlpha;
            dR[k] = SpecialFunctions.DiGamma(r + k) - psiR + lnAlpha;
            var gammaLnABX = SpecialFunctions.GammaLn(a + b + k);
            var psiABX = SpecialFunctions.DiGamma(a + b + k);

            // ln[B(a, b+x)/B(a, b)] = lnΓ(b+x) - lnΓ(a+b+x) - lnΓ(b) + lnΓ(a+b).
            c1[k] = SpecialFunctions.GammaLn(b + k) - gammaLnABX - gammaLnB + gammaLnAB;
            c1A[k] = -psiABX + psiAB;
            c1B[k] = SpecialFunctions.DiGamma(b + k) - psiABX - psiB + psiAB;
            if (k > 0)
            {
                // ln[B(a+1, b+x-1)/B(a, b)] = ln a + lnΓ(b+x-1) - lnΓ(b) - lnΓ(a+b+x) + lnΓ(a+b).
                c2[k] = lnA + SpecialFunctions.GammaLn(b + k - 1) - gammaLnB - gammaLnABX + gammaLnAB;
                c2A[k] = 1 / a - psiABX + psiAB;
                c2B[k] = SpecialFunctions.DiGamma(b + k - 1) - psiB - psiABX + psiAB;
            }
        }

        var withGradient = gradient is not null;
        var sums = ChunkedSum.Run(data.Count, 5, (start, end, acc) =>
        {
            var xs = data.X;
            var txs = data.Tx;
            var ts = data.T;
            var ws = data.Weights;
            double ll = 0, gr = 0, ga = 0, gA = 0, gB = 0;
            for (var i = start; i < end; i++)
            {
                var w = ws[i];
                if (w == 0)
                {
                    continue;
                }

                var k = xs[i];
                var rx = r + k;
                var lnT = Math.Log(alpha + ts[i]);
                var u1 = c1[k] - rx * lnT;
                if (k == 0)
                {
                    ll += w * (d[0] + u1);
                    if (withGradient)
                    {
                        gr += w * (dR[0] - lnT);
                        ga += w * (r / alpha - r / (alpha + ts[i]));
                    }

                    continue;
                }

                var lnTx = Math.Log(alpha + txs[i]);
                var u2 = c2[k] - rx * lnTx;

                // Log-sum-exp of the two terms; p1 and p2 are their shares of the likelihood.
                double logSum, p1;
                if (u1 >= u2)
                {
                    var e = Math.Exp(u2 - u1);
                    logSum = u1 + ClvMath.Log1P(e);
                    p1 = 1 / (1 + e);
                }
                else
                {
                    var e = Math.Exp(u1 - u2);
                    logSum = u2 + ClvMath.Log1P(e);
                    p1 = e / (1 + e);
                }

                ll += w * (d[k] + logSum);
                if (withGradient)
                {
                    var p2 = 1 - p1;
                    gr += w * (dR[k] - p1 * lnT - p2 * lnTx);
                    ga += w * (r / alpha - rx * (p1 / (alpha + ts[i]) + p2 / (alpha + txs[i])));
                    gA += w * (p1 * c1A[k] + p2 * c2A[k]);
                    gB += w * (p1 * c1B[k] + p2 * c2B[k]);
                }
            }

            acc[0] = ll;
            acc[1] = gr;
            acc[2] = ga;
            acc[3] = gA;
            acc[4] = gB;
        });

        if (gradient is not null)
        {
            gradient[0] = sums[1];
            gradient[1] = sums[2];
            gradient[2] = sums[3];
            gradient[3] = sums[4];
        }

        return sums[0];
    }

    /// <summary>
    /// Expected repeat purchases in (T, T+t] for a customer with history (x, tx, T) (FHL 2005, eq. 10):
    /// E[Y(t)] = (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
    ///           / [1 + δ(x&gt;0) a/(b+x-1) ((α+T)/(α+tx))^(r+x)].
    /// The 2F1 product is evaluated through Euler's transformation as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z),
    /// which avoids multiplying an underflowing power by an overflowing series when x is large.
    /// </summary>
    public static double ConditionalExpectedPurchases(BgNbdParameters p, double t, double x, double tx, double T)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.Check(x, tx, T);
        CustomerData.CheckHorizon(t);
        var bracket = Bracket(p.R, p.Alpha, p.A, p.B, x, T, t);
        return bracket / (1 + AliveOdds(p, x, tx, T));
    }

    /// <summary>
    /// Probability that a customer with history (x, tx, T) is still alive at T (Fader, Hardie &amp; Lee 2008 note
    /// "Computing P(alive) using the BG/NBD model"): 1 / [1 + δ(x&gt;0) a/(b+x-1) ((α+T)/(α+tx))^(r+x)].
    /// It is 1 for x = 0: in the BG/NBD, drop-out can only happen right after a purchase.
    /// </summary>
    public static double ProbabilityAlive(BgNbdParameters p, double x, double tx, double T)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.Check(x, tx, T);
        return 1 / (1 + AliveOdds(p, x, tx, T));
    }

    /// <summary>
    /// Expected purchases in (0, t] for a randomly chosen new customer (FHL 2005, eq. 9):
    /// E[X(t)] = (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))].
    /// </summary>
    public static double ExpectedPurchases(BgNbdParameters p, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        CustomerData.CheckHorizon(t);
        return Bracket(p.R, p.Alpha, p.A, p.B, 0, 0, t);
    }

    /// <summary>
    /// Draws (x, tx) for customers of the given ages from the BG/NBD generative story (FHL 2005, section 2):
    /// λ ~ Gamma(r, α), p ~ Beta(a, b); purchases arrive as a Poisson process with rate λ, and after each purchase
    /// the customer drops out with probability p. Deterministic for a given seed.
    /// </summary>
    public static (double[] X, double[] Tx) Simulate(BgNbdParameters p, ReadOnlySpan<double> T, int seed)
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
            var dropout = Beta.Sample(random, p.A, p.B);
            double time = 0, count = 0, last = 0;
            while (true)
            {
                time += Exponential.Sample(random, lambda);
                if (time > T[i])
                {
                    break;
                }

                count++;
                last = time;
                if (random.NextDouble() < dropout)
                {
                    break;
                }
            }

            x[i] = count;
            tx[i] = last;
        }

        return (x, tx);
    }

    private static double AliveOdds(BgNbdParameters p, double x, double tx, double T)
    {
        if (x == 0)
        {
            return 0;
        }

        var logOdds = Math.Log(p.A) - Math.Log(p.B + x - 1) + (p.R + x) * (Math.Log(p.Alpha + T) - Math.Log(p.Alpha + tx));
        return Math.Exp(logOdds);
    }

    private static double Bracket(double r, double alpha, double a, double b, double x, double T, double t)
    {
        if (t == 0)
        {
            return 0;
        }

        // The expression is 0/0 at a = 1; its limit is the average of the two sides (error O(h²)).
        const double H = 1e-5;
        return Math.Abs(a - 1) < H
            ? 0.5 * (BracketAwayFromOne(r, alpha, 1 + H, b, x, T, t) + BracketAwayFromOne(r, alpha, 1 - H, b, x, T, t))
            : BracketAwayFromOne(r, alpha, a, b, x, T, t);
    }

    private static double BracketAwayFromOne(double r, double alpha, double a, double b, double x, double T, double t)
    {
        var z = t / (alpha + T + t);
        var c = a + b + x - 1;
        var oneMinusZ = (alpha + T) / (alpha + T + t);
        var product = Math.Pow(oneMinusZ, a - 1) * Hypergeometric.Hyp2F1(a + b - 1 - r, a - 1, c, z, oneMinusZ);
        return c / (a - 1) * (1 - product);
    }
}
