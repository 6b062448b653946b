using MathNet.Numerics.Distributions;
using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public sealed class BgBbDonationsFixture
{
    public BgBbDonationsFixture()
    {
        var data = CdnowData.ReadCsv("clv/donations.csv");
        Frequency = data["frequency"];
        Recency = data["recency"];
        Periods = data["periods"];
        Weights = data["weights"];
        Fit = BgBb.Fit(Frequency, Recency, Periods, Weights);
    }

    public double[] Frequency { get; }

    public double[] Recency { get; }

    public double[] Periods { get; }

    public double[] Weights { get; }

    public ClvFit<BgBbParameters> Fit { get; }
}

public class BgBbTests(BgBbDonationsFixture donations) : IClassFixture<BgBbDonationsFixture>
{
    private static readonly BgBbParameters Published = new() { Alpha = 1.204, Beta = 0.750, Gamma = 0.657, Delta = 2.783 };

    [Fact]
    public void Fit_matches_published_parameters_on_donations()
    {
        // Fader, Hardie & Shang (2010): alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783 (11,104 donors).
        var p = donations.Fit.Parameters;
        p.Alpha.ShouldBe(1.204, 0.0005);
        p.Beta.ShouldBe(0.750, 0.0005);
        p.Gamma.ShouldBe(0.657, 0.0005);
        p.Delta.ShouldBe(2.783, 0.0005);
        donations.Fit.Customers.ShouldBe(11104);
        donations.Fit.Rows.ShouldBe(22);
        donations.Fit.Converged.ShouldBeTrue();
        donations.Fit.LogLikelihood.ShouldBeGreaterThanOrEqualTo(BgBb.LogLikelihood(Published, donations.Frequency, donations.Recency, donations.Periods, donations.Weights));
        donations.Fit.StandardErrors.Keys.ShouldBe(["alpha", "beta", "gamma", "delta"]);
    }

    [Theory]
    [InlineData(0, 0, 6, 5)]
    [InlineData(3, 4, 6, 5)]
    [InlineData(6, 6, 6, 1)]
    [InlineData(1, 1, 6, 10)]
    public void Conditional_expectation_and_p_alive_match_brute_force_posterior(double x, double tx, double n, double future)
    {
        var p = Published;

        // Individual level (FHS 2010): alive through n: p^x (1-p)^{n-x} (1-θ)^n; died after opportunity tx+i:
        // p^x (1-p)^{tx-x+i} θ (1-θ)^{tx+i}. Alive at n, the next opportunities i = 1.. bring p (1-θ)^i each.
        double Alive(double prob, double theta) => Math.Pow(prob, x) * Math.Pow(1 - prob, n - x) * Math.Pow(1 - theta, n);
        double Likelihood(double prob, double theta)
        {
            var total = Alive(prob, theta);
            for (var i = 0; i < n - tx; i++)
            {
                total += Math.Pow(prob, x) * Math.Pow(1 - prob, tx - x + i) * theta * Math.Pow(1 - theta, tx + i);
            }

            return total;
        }

        double FutureSum(double prob, double theta)
        {
            var s = 0.0;
            for (var i = 1; i <= future; i++)
            {
                s += prob * Math.Pow(1 - theta, i);
            }

            return s;
        }

        double PAt(double u) => Beta.InvCDF(p.Alpha, p.Beta, u);
        double ThetaAt(double v) => Beta.InvCDF(p.Gamma, p.Delta, v);
        var pAlive = Quadrature.PosteriorRatio(PAt, ThetaAt, (a, b) => Alive(a, b) * (1 - b), Likelihood);
        var expected = Quadrature.PosteriorRatio(PAt, ThetaAt, (a, b) => Alive(a, b) * FutureSum(a, b), Likelihood);

        BgBb.ProbabilityAlive(p, x, tx, n).ShouldBe(pAlive, 2e-3);
        BgBb.ConditionalExpectedPurchases(p, future, x, tx, n).ShouldBe(expected, 2e-3 * Math.Max(1, expected));
    }

    [Fact]
    public void Expected_transactions_of_a_new_customer_add_up_and_are_continuous_at_gamma_one()
    {
        // E[X(n)] is the sum over opportunities of P(alive) × E[p]; it must grow with n and bridge gamma = 1.
        BgBb.ExpectedPurchases(Published, 0).ShouldBe(0);
        BgBb.ExpectedPurchases(Published, 6).ShouldBeGreaterThan(BgBb.ExpectedPurchases(Published, 5));
        var one = Published with { Gamma = 1 };
        BgBb.ExpectedPurchases(one, 10).ShouldBe(BgBb.ExpectedPurchases(Published with { Gamma = 1 + 1e-6 }, 10), 1e-5);

        // A customer with no history (x = tx = n = 0 is not a valid row, so compare with n = 1, x = 0 by hand):
        // E[X(1)] = E[p] E[1-θ] = α/(α+β) · δ/(γ+δ).
        BgBb.ExpectedPurchases(Published, 1).ShouldBe(1.204 / (1.204 + 0.750) * 2.783 / (0.657 + 2.783), 1e-12);
    }

    [Fact]
    public void Fit_recovers_simulated_parameters_within_their_standard_errors()
    {
        var periods = Enumerable.Repeat(6.0, 11104).ToArray();
        var (x, tx) = BgBb.Simulate(Published, periods, seed: 2010);
        var fit = BgBb.Fit(x, tx, periods);
        fit.Converged.ShouldBeTrue();
        fit.Rows.ShouldBe(11104);
        var truth = Published.ToDictionary();
        foreach (var (name, value) in fit.Parameters.ToDictionary())
        {
            Math.Abs(value - truth[name]).ShouldBeLessThan(4 * fit.StandardErrors[name], name);
        }

        // A simulated donor base is summarised in at most 22 distinct (x, tx) patterns for 6 opportunities.
        x.Zip(tx).Distinct().Count().ShouldBeLessThanOrEqualTo(22);
    }

    [Fact]
    public void Fit_rejects_impossible_discrete_rows()
    {
        Should.Throw<ArgumentException>(() => BgBb.Fit([2, 3], [2, 2], [6, 6])).Message.ShouldContain("exceeds tx");
        Should.Throw<ArgumentException>(() => BgBb.Fit([2, 1], [2, 1.5], [6, 6])).Message.ShouldContain("whole numbers");
        Should.Throw<ArgumentException>(() => BgBb.Fit([2, 1], [2, 7], [6, 6])).Message.ShouldContain("exceeds T");
        Should.Throw<ArgumentOutOfRangeException>(() => BgBb.ConditionalExpectedPurchases(Published, 2.5, 1, 1, 6));
    }
}
