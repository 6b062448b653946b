using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public class HypergeometricTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    [InlineData(0.999999)]
    public void Matches_closed_forms_up_to_z_near_one(double z)
    {
        // Abramowitz & Stegun 15.1.3, 15.1.8 and 15.1.6: logarithm (c - a - b = 0), binomial (c - a - b < 0),
        // arcsine (c - a - b = 1/2).
        // Integer c - a - b is bridged by averaging c ± 1e-5 in the continuation, good to ~1e-8 relative.
        Hypergeometric.Hyp2F1(1, 1, 2, z).ShouldBe(-Math.Log(1 - z) / z, 1e-7 * (-Math.Log(1 - z) / z));
        Hypergeometric.Hyp2F1(0.7, 2.3, 2.3, z).ShouldBe(Math.Pow(1 - z, -0.7), 1e-9 * Math.Pow(1 - z, -0.7));
        var root = Math.Sqrt(z);
        Hypergeometric.Hyp2F1(0.5, 0.5, 1.5, z).ShouldBe(Math.Asin(root) / root, 1e-9);
    }

    [Fact]
    public void Continuation_to_one_minus_z_agrees_with_the_series_where_both_converge()
    {
        // Euler's integral for c = a + 1 (the Pareto/NBD case): 2F1(a, b; a+1; z) = a ∫0^1 t^(a-1) (1 - z t)^(-b) dt.
        const double A = 2.5, B = 1.6, Z = 0.95;
        var rule = new MathNet.Numerics.Integration.GaussLegendreRule(0, 1, 256);
        var integral = 0.0;
        for (var i = 0; i < 256; i++)
        {
            integral += rule.Weights[i] * A * Math.Pow(rule.Abscissas[i], A - 1) * Math.Pow(1 - (Z * rule.Abscissas[i]), -B);
        }

        Hypergeometric.Hyp2F1(A, B, A + 1, Z).ShouldBe(integral, 1e-9 * integral);
    }

    [Fact]
    public void Rejects_arguments_outside_its_domain()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Hypergeometric.Hyp2F1(1, 1, 2, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => Hypergeometric.Hyp2F1(1, 1, -2, 0.5));
        Hypergeometric.Hyp2F1(1, 1, 2, 0).ShouldBe(1);
    }
}
