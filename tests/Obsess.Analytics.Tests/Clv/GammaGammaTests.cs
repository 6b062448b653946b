using MathNet.Numerics.Distributions;
using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public sealed class GammaGammaCdnowFixture
{
    public GammaGammaCdnowFixture()
    {
        var data = CdnowData.ReadCsv("clv/cdnow_customers_summary_with_transactions.csv");
        X = data["x"];
        Zbar = data["zbar"];
        FitOnRoundedSummary = GammaGamma.Fit(X, Zbar);

        using var reader = new StreamReader(SharedData.PathOf("clv/CDNOW_sample.txt"));
        var summary = TransactionSummary.Build(TransactionSummary.ParseCdnow(reader), new DateOnly(1997, 9, 30));
        FitOnRawTransactions = GammaGamma.Fit(summary.Select(c => c.Frequency).ToArray(), summary.Select(c => c.MonetaryValue).ToArray());
    }

    public double[] X { get; }

    public double[] Zbar { get; }

    /// <summary>Fit on the CSV, whose z̄ are rounded to cents.</summary>
    public ClvFit<GammaGammaParameters> FitOnRoundedSummary { get; }

    /// <summary>Fit on z̄ computed at full precision from the raw CDNOW transactions.</summary>
    public ClvFit<GammaGammaParameters> FitOnRawTransactions { get; }
}

public class GammaGammaTests(GammaGammaCdnowFixture cdnow) : IClassFixture<GammaGammaCdnowFixture>
{
    [Fact]
    public void Fit_matches_published_parameters_on_cdnow_repeat_buyers()
    {
        // Fader, Hardie & Lee (2005), "RFM and CLV": p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers.
        var p = cdnow.FitOnRawTransactions.Parameters;
        p.P.ShouldBe(6.25, 0.005);
        p.Q.ShouldBe(3.74, 0.005);
        p.Gamma.ShouldBe(15.44, 0.005);
        cdnow.FitOnRawTransactions.Rows.ShouldBe(946);
        cdnow.FitOnRawTransactions.Converged.ShouldBeTrue();
        cdnow.FitOnRawTransactions.StandardErrors.Keys.ShouldBe(["p", "q", "gamma"]);
    }

    [Fact]
    public void Fit_on_the_cent_rounded_summary_moves_only_gamma_and_within_its_standard_error()
    {
        // Rounding z̄ to cents shifts gamma to 15.448 (15.45 at two decimals); p and q still match the paper.
        var rounded = cdnow.FitOnRoundedSummary;
        rounded.Parameters.P.ShouldBe(6.25, 0.005);
        rounded.Parameters.Q.ShouldBe(3.74, 0.005);
        rounded.Parameters.Gamma.ShouldBe(15.44, 0.01);
        Math.Abs(rounded.Parameters.Gamma - cdnow.FitOnRawTransactions.Parameters.Gamma).ShouldBeLessThan(0.01 * rounded.StandardErrors["gamma"]);
        rounded.Rows.ShouldBe(946);
        rounded.Customers.ShouldBe(946);
    }

    [Theory]
    [InlineData(2, 22.35)]
    [InlineData(1, 11.77)]
    [InlineData(10, 80)]
    public void Conditional_expected_spend_matches_brute_force_posterior(double x, double zbar)
    {
        var p = new GammaGammaParameters { P = 6.25, Q = 3.74, Gamma = 15.44 };

        // Individual level: E[Z | ν] = p/ν; the likelihood of z̄ given ν is ∝ ν^{px} e^{-ν x z̄} (Fader & Hardie 2013).
        double NuAt(double u) => Gamma.InvCDF(p.Q, p.Gamma, u);
        double Likelihood(double nu) => Math.Exp(p.P * x * Math.Log(nu) - nu * x * zbar);
        var expected = Quadrature.PosteriorRatio(NuAt, nu => p.P / nu * Likelihood(nu), Likelihood);
        GammaGamma.ConditionalExpectedAverageSpend(p, x, zbar).ShouldBe(expected, 1e-3 * expected);
    }

    [Fact]
    public void Conditional_spend_shrinks_towards_the_population_mean()
    {
        var p = new GammaGammaParameters { P = 6.25, Q = 3.74, Gamma = 15.44 };
        var populationMean = p.P * p.Gamma / (p.Q - 1);
        GammaGamma.ConditionalExpectedAverageSpend(p, 0, 0).ShouldBe(populationMean, 1e-12);
        var few = GammaGamma.ConditionalExpectedAverageSpend(p, 1, 100);
        var many = GammaGamma.ConditionalExpectedAverageSpend(p, 20, 100);
        few.ShouldBeInRange(populationMean, 100);
        many.ShouldBeInRange(few, 100);
    }

    [Fact]
    public void Fit_skips_non_buyers_and_rejects_bad_spend()
    {
        Should.Throw<ArgumentException>(() => GammaGamma.Fit([1, 2], [10, 0])).Message.ShouldContain("averageSpend at row 1");
        Should.Throw<ArgumentException>(() => GammaGamma.Fit([0, 0], [0, 0])).Message.ShouldContain("No customer has repeat purchases");
        Should.Throw<ArgumentException>(() => GammaGamma.Fit([1, 2.5], [10, 10])).Message.ShouldContain("x (frequency) at row 1");
    }
}
