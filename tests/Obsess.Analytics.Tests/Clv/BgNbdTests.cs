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
    // Fader, Hardie & Lee (2005), section 4: the published CDNOW estimates.
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
    }
}
