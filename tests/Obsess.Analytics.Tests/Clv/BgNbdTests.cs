using MathNet.Numerics.Distributions;
using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public sealed class BgNbdCdnowFixture
{
    public BgNbdCdnowFixture()
    {
        var data = CdnowData.ReadCsv("clv/cdnow_customers_summary.csv");
        X = data["frequency"];
        Tx = data["recency"];
        T = data["T"];
        Fit = BgNbd.Fit(X, Tx, T);
    }

    public double[] X { get; }

    public double[] Tx { get; }

    public double[] T { get; }

    public ClvFit<BgNbdParameters> Fit { get; }
}

public class BgNbdTests(BgNbdCdnowFixture cdnow) : IClassFixture<BgNbdCdnowFixture>
{
    // Fader, Hardie & Lee (2005), section 4: the published CDNOW estimates and LL = -9582.4.
    private static readonly BgNbdParameters Published = new() { R = 0.243, Alpha = 4.414, A = 0.793, B = 2.426 };

    [Fact]
    public void Fit_matches_published_parameters_on_cdnow()
    {
        var p = cdnow.Fit.Parameters;
        p.R.ShouldBe(0.243, 0.0005);
        p.Alpha.ShouldBe(4.414, 0.0005);
        p.A.ShouldBe(0.793, 0.0005);
        p.B.ShouldBe(2.426, 0.0005);
        cdnow.Fit.LogLikelihood.ShouldBe(-9582.4, 0.05);
        cdnow.Fit.Converged.ShouldBeTrue();
        cdnow.Fit.Customers.ShouldBe(2357);
        cdnow.Fit.Rows.ShouldBe(2357);
    }

    [Fact]
    public void Fit_reports_finite_standard_errors_in_published_order()
    {
        cdnow.Fit.StandardErrors.Keys.ShouldBe(["r", "alpha", "a", "b"]);
        cdnow.Fit.Parameters.ToDictionary().Keys.ShouldBe(["r", "alpha", "a", "b"]);
        foreach (var (name, se) in cdnow.Fit.StandardErrors)
        {
            se.ShouldBeGreaterThan(0, name);
            double.IsFinite(se).ShouldBeTrue(name);

            // Each parameter is estimated, not pinned: its standard error is a modest fraction of the estimate.
            (se / cdnow.Fit.Parameters.ToDictionary()[name]).ShouldBeLessThan(0.5, name);
        }
    }

    [Fact]
    public void Log_likelihood_at_the_fit_is_at_least_that_at_the_published_point()
    {
        var atPublished = BgNbd.LogLikelihood(Published, cdnow.X, cdnow.Tx, cdnow.T);
        cdnow.Fit.LogLikelihood.ShouldBeGreaterThanOrEqualTo(atPublished);
        BgNbd.LogLikelihood(cdnow.Fit.Parameters, cdnow.X, cdnow.Tx, cdnow.T).ShouldBe(cdnow.Fit.LogLikelihood, 1e-9);
    }

    [Fact]
    public void Conditional_expectation_matches_the_papers_worked_example()
    {
        // FHL 2005, section 5: x = 2, tx = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
        BgNbd.ConditionalExpectedPurchases(Published, 39, 2, 30.43, 38.86).ShouldBe(1.226, 0.0005);
    }

    [Theory]
    [InlineData(2, 30.43, 38.86, 39)]
    [InlineData(0, 0, 38.86, 52)]
    [InlineData(7, 35.0, 38.0, 10)]
    [InlineData(1, 2.0, 30.0, 100)]
    public void Conditional_expectation_and_p_alive_match_brute_force_posterior(double x, double tx, double T, double t)
    {
        var p = Published;

        // Individual level (FHL 2005, section 2): alive part (1-q)^x λ^x e^{-λT}; dead part q(1-q)^{x-1} λ^x e^{-λ tx};
        // an alive customer's expected purchases in t: (1 - e^{-λ q t}) / q.
        double Alive(double lambda, double q) => Math.Pow(1 - q, x) * Math.Pow(lambda, x) * Math.Exp(-lambda * T);
        double Likelihood(double lambda, double q) =>
            Alive(lambda, q) + (x > 0 ? q * Math.Pow(1 - q, x - 1) * Math.Pow(lambda, x) * Math.Exp(-lambda * tx) : 0);

        double LambdaAt(double u) => Gamma.InvCDF(p.R, p.Alpha, u);
        double QAt(double v) => Beta.InvCDF(p.A, p.B, v);
        var pAlive = Quadrature.PosteriorRatio(LambdaAt, QAt, Alive, Likelihood);
        var expected = Quadrature.PosteriorRatio(LambdaAt, QAt, (l, q) => Alive(l, q) * Quadrature.OneMinusExp(l * q * t) / q, Likelihood);

        BgNbd.ProbabilityAlive(p, x, tx, T).ShouldBe(pAlive, 2e-3);
        BgNbd.ConditionalExpectedPurchases(p, t, x, tx, T).ShouldBe(expected, 2e-3 * Math.Max(1, expected));
    }

    [Fact]
    public void Probability_alive_is_one_without_repeat_purchases_and_falls_with_time_since_last_purchase()
    {
        BgNbd.ProbabilityAlive(Published, 0, 0, 38.86).ShouldBe(1.0);
        var recent = BgNbd.ProbabilityAlive(Published, 3, 30, 31);
        var lapsed = BgNbd.ProbabilityAlive(Published, 3, 5, 31);
        recent.ShouldBeGreaterThan(lapsed);
        recent.ShouldBeLessThanOrEqualTo(1);
        lapsed.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Expectations_grow_with_the_horizon()
    {
        var previous = 0.0;
        var previousNew = 0.0;
        foreach (var t in new[] { 1.0, 5, 20, 39, 78, 200, 1000 })
        {
            var e = BgNbd.ConditionalExpectedPurchases(Published, t, 2, 30.43, 38.86);
            var n = BgNbd.ExpectedPurchases(Published, t);
            e.ShouldBeGreaterThan(previous);
            n.ShouldBeGreaterThan(previousNew);
            previous = e;
            previousNew = n;
        }

        BgNbd.ConditionalExpectedPurchases(Published, 0, 2, 30.43, 38.86).ShouldBe(0);
    }

    [Fact]
    public void Expectations_are_continuous_through_a_equal_one()
    {
        var atOne = Published with { A = 1 };
        var below = Published with { A = 1 - 1e-4 };
        var above = Published with { A = 1 + 1e-4 };
        var e = BgNbd.ConditionalExpectedPurchases(atOne, 39, 2, 30.43, 38.86);
        e.ShouldBeInRange(
            Math.Min(BgNbd.ConditionalExpectedPurchases(below, 39, 2, 30.43, 38.86), BgNbd.ConditionalExpectedPurchases(above, 39, 2, 30.43, 38.86)) - 1e-6,
            Math.Max(BgNbd.ConditionalExpectedPurchases(below, 39, 2, 30.43, 38.86), BgNbd.ConditionalExpectedPurchases(above, 39, 2, 30.43, 38.86)) + 1e-6);
        BgNbd.ExpectedPurchases(atOne, 39).ShouldBe(0.5 * (BgNbd.ExpectedPurchases(below, 39) + BgNbd.ExpectedPurchases(above, 39)), 1e-6);
    }

    [Fact]
    public void Expected_purchases_for_a_new_customer_match_the_aggregate_model_fit()
    {
        // E[X(t)] is the mean of the model's P(X(t) = x) (FHL 2005, eq. 8); check it by simulating the model itself.
        var ages = Enumerable.Repeat(39.0, 200_000).ToArray();
        var (x, _) = BgNbd.Simulate(Published, ages, seed: 7);
        var simulated = x.Average();
        var se = Math.Sqrt(x.Select(v => (v - simulated) * (v - simulated)).Sum() / (x.Length - 1) / x.Length);
        BgNbd.ExpectedPurchases(Published, 39).ShouldBe(simulated, 4 * se);
    }

    [Fact]
    public void Weighted_fit_on_compressed_rows_equals_fit_on_all_rows()
    {
        var groups = Enumerable.Range(0, cdnow.X.Length)
            .GroupBy(i => (cdnow.X[i], cdnow.Tx[i], cdnow.T[i]))
            .ToArray();
        groups.Length.ShouldBeLessThan(cdnow.X.Length);
        var fit = BgNbd.Fit(
            groups.Select(g => g.Key.Item1).ToArray(),
            groups.Select(g => g.Key.Item2).ToArray(),
            groups.Select(g => g.Key.Item3).ToArray(),
            groups.Select(g => (double)g.Count()).ToArray());
        fit.Customers.ShouldBe(2357);
        fit.LogLikelihood.ShouldBe(cdnow.Fit.LogLikelihood, 1e-6);
        fit.Parameters.R.ShouldBe(cdnow.Fit.Parameters.R, 1e-5);
        fit.Parameters.Alpha.ShouldBe(cdnow.Fit.Parameters.Alpha, 1e-4);
        fit.Parameters.A.ShouldBe(cdnow.Fit.Parameters.A, 1e-4);
        fit.Parameters.B.ShouldBe(cdnow.Fit.Parameters.B, 1e-4);
    }

    [Fact]
    public void Fit_recovers_simulated_parameters_within_their_standard_errors_and_is_deterministic()
    {
        var random = new Random(11);
        var ages = Enumerable.Range(0, 50_000).Select(_ => 27 + 12 * random.NextDouble()).ToArray();
        var (x, tx) = BgNbd.Simulate(Published, ages, seed: 42);
        var fit = BgNbd.Fit(x, tx, ages);
        var again = BgNbd.Fit(x, tx, ages);
        fit.Converged.ShouldBeTrue();
        var truth = Published.ToDictionary();
        foreach (var (name, value) in fit.Parameters.ToDictionary())
        {
            Math.Abs(value - truth[name]).ShouldBeLessThan(4 * fit.StandardErrors[name], name);
        }

        // Fixed chunking and an ordered sum: the same answer to the last bit on every run and core count.
        again.LogLikelihood.ShouldBe(fit.LogLikelihood);
        again.Parameters.ShouldBe(fit.Parameters);
    }

    [Fact]
    public void Fit_scales_alpha_with_the_time_unit()
    {
        var days = cdnow.T.Select(v => v * 7).ToArray();
        var txDays = cdnow.Tx.Select(v => v * 7).ToArray();
        var fit = BgNbd.Fit(cdnow.X, txDays, days);
        fit.Parameters.Alpha.ShouldBe(cdnow.Fit.Parameters.Alpha * 7, 1e-3);
        fit.Parameters.R.ShouldBe(cdnow.Fit.Parameters.R, 1e-5);
    }

    [Theory]
    [InlineData(-1, 0, 10, "x (frequency) at row 1")]
    [InlineData(1.5, 2, 10, "whole number")]
    [InlineData(2, 12, 10, "exceeds T")]
    [InlineData(2, 0, 10, "positive recency")]
    [InlineData(0, 3, 10, "recency must be 0")]
    [InlineData(1, 1, 0, "T (customer age) at row 1")]
    [InlineData(1, double.NaN, 10, "tx (recency) at row 1")]
    public void Fit_rejects_invalid_rows_naming_the_field_and_row(double x, double tx, double T, string message)
    {
        var e = Should.Throw<ArgumentException>(() => BgNbd.Fit([1, x], [2, tx], [5, T]));
        e.Message.ShouldContain(message);
    }

    [Fact]
    public void Fit_rejects_mismatched_lengths_and_negative_weights()
    {
        Should.Throw<ArgumentException>(() => BgNbd.Fit([1, 2], [1], [5, 5])).Message.ShouldContain("same length");
        Should.Throw<ArgumentException>(() => BgNbd.Fit([1, 2], [1, 2], [5, 5], [1, -1])).Message.ShouldContain("weights[1]");
        Should.Throw<ArgumentException>(() => BgNbd.Fit([], [], [])).Message.ShouldContain("At least one customer");
    }

    [Fact]
    public void Predictions_reject_invalid_parameters_and_histories()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Published with { A = -1 }, 1, 1, 2)).Message.ShouldContain("a must be positive");
        Should.Throw<ArgumentException>(() => BgNbd.ConditionalExpectedPurchases(Published, 10, 1, 3, 2)).Message.ShouldContain("exceeds T");
        Should.Throw<ArgumentOutOfRangeException>(() => BgNbd.ConditionalExpectedPurchases(Published, -1, 1, 1, 2)).Message.ShouldContain("Horizon");
    }
}
