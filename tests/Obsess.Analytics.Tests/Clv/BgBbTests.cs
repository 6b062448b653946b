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
    [Fact]
    public void Fit_matches_published_parameters_on_donations()
    {
        // Fader, Hardie & Shang (2010): alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783.
        var p = donations.Fit.Parameters;
        p.Alpha.ShouldBe(1.204, 0.0005);
        p.Beta.ShouldBe(0.750, 0.0005);
        p.Gamma.ShouldBe(0.657, 0.0005);
        p.Delta.ShouldBe(2.783, 0.0005);
        donations.Fit.Customers.ShouldBe(11104);
        donations.Fit.Converged.ShouldBeTrue();
    }
}
