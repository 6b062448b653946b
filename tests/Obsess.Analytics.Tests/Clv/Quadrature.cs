using MathNet.Numerics.Integration;

namespace Obsess.Analytics.Tests.Clv;

/// <summary>
/// Independent reference values: posterior expectations over two latent traits computed by brute-force Gauss-Legendre
/// quadrature on the prior quantile scale (u, v in (0, 1), trait = prior inverse CDF), so the prior density drops out.
/// Nothing here reuses the closed forms under test.
/// </summary>
internal static class Quadrature
{
    /// <summary>1 - e^{-z}, without cancellation for tiny z.</summary>
    public static double OneMinusExp(double z) => z < 1e-5 ? z * (1 - (z / 2) + (z * z / 6)) : 1 - Math.Exp(-z);

    /// <summary>E_prior[numerator(a)] / E_prior[denominator(a)] over one trait.</summary>
    public static double PosteriorRatio(Func<double, double> quantile, Func<double, double> numerator, Func<double, double> denominator, int order = 1024)
    {
        var rule = new GaussLegendreRule(0, 1, order);
        double top = 0, bottom = 0;
        for (var i = 0; i < order; i++)
        {
            var a = quantile(rule.Abscissas[i]);
            top += rule.Weights[i] * numerator(a);
            bottom += rule.Weights[i] * denominator(a);
        }

        return top / bottom;
    }

    /// <summary>E_prior[numerator(a, b)] / E_prior[denominator(a, b)].</summary>
    public static double PosteriorRatio(
        Func<double, double> firstQuantile,
        Func<double, double> secondQuantile,
        Func<double, double, double> numerator,
        Func<double, double, double> denominator,
        int order = 160)
    {
        var rule = new GaussLegendreRule(0, 1, order);
        var first = rule.Abscissas.Select(firstQuantile).ToArray();
        var second = rule.Abscissas.Select(secondQuantile).ToArray();
        double top = 0, bottom = 0;
        for (var i = 0; i < order; i++)
        {
            for (var j = 0; j < order; j++)
            {
                var w = rule.Weights[i] * rule.Weights[j];
                top += w * numerator(first[i], second[j]);
                bottom += w * denominator(first[i], second[j]);
            }
        }

        return top / bottom;
    }
}
