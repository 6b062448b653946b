using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public sealed class ParetoNbdCdnowFixture
{
    public ParetoNbdCdnowFixture()
    {
        var data = CdnowData.ReadCsv("clv/cdnow_customers_summary.csv");
        Fit = ParetoNbd.Fit(data["frequency"], data["recency"], data["T"]);
    }

    public ClvFit<ParetoNbdParameters> Fit { get; }
}

public class ParetoNbdTests(ParetoNbdCdnowFixture cdnow) : IClassFixture<ParetoNbdCdnowFixture>
{
    [Fact]
    public void Fit_matches_published_parameters_on_cdnow()
    {
        // Published CDNOW estimates (Fader, Hardie & Lee 2005, Table 1 / Fader & Hardie's Pareto/NBD note).
        var p = cdnow.Fit.Parameters;
        p.R.ShouldBe(0.553, 0.0005);
        p.Alpha.ShouldBe(10.578, 0.0005);
        p.S.ShouldBe(0.606, 0.0005);
        p.Beta.ShouldBe(11.669, 0.0005);
        cdnow.Fit.LogLikelihood.ShouldBe(-9595.0, 0.05);
        cdnow.Fit.Converged.ShouldBeTrue();
    }
}
