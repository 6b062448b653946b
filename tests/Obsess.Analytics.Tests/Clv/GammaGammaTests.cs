using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public sealed class GammaGammaCdnowFixture
{
    public GammaGammaCdnowFixture()
    {
        var data = CdnowData.ReadCsv("clv/cdnow_customers_summary_with_transactions.csv");
        X = data["x"];
        Zbar = data["zbar"];
        Fit = GammaGamma.Fit(X, Zbar);
    }

    public double[] X { get; }

    public double[] Zbar { get; }

    public ClvFit<GammaGammaParameters> Fit { get; }
}

public class GammaGammaTests(GammaGammaCdnowFixture cdnow) : IClassFixture<GammaGammaCdnowFixture>
{
    [Fact]
    public void Fit_matches_published_parameters_on_cdnow_repeat_buyers()
    {
        // Fader, Hardie & Lee (2005), "RFM and CLV": p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers.
        var p = cdnow.Fit.Parameters;
        p.P.ShouldBe(6.25, 0.005);
        p.Q.ShouldBe(3.74, 0.005);
        p.Gamma.ShouldBe(15.44, 0.005);
        cdnow.Fit.Rows.ShouldBe(946);
        cdnow.Fit.Converged.ShouldBeTrue();
    }
}
