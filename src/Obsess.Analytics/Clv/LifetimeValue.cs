namespace Obsess.Analytics.Clv;

/// <summary>Customer lifetime value from a transaction model and the Gamma-Gamma spend model.</summary>
public static class LifetimeValue
{
    /// <summary>
    /// Discounted expected value of a customer's purchases over the next <paramref name="periods"/> periods:
    /// Σ_{i=1..periods} [E(Y(i·L)) - E(Y((i-1)·L))] · E[M] · margin / (1 + d)^i,
    /// with E(Y(·)) the transaction model's conditional expectation for (x, tx, T), L the period length in the model's
    /// time unit, E[M] the Gamma-Gamma conditional expected spend and d the discount rate per period
    /// (the discrete-time form of Fader, Hardie &amp; Lee 2005, "RFM and CLV", with spend independent of purchasing).
    /// </summary>
    /// <param name="model">Fitted transaction model (BG/NBD, Pareto/NBD or BG/BB).</param>
    /// <param name="spend">Fitted Gamma-Gamma parameters.</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="T">Age.</param>
    /// <param name="averageSpend">Mean repeat-purchase value z̄ (ignored when x = 0).</param>
    /// <param name="periods">Number of future periods.</param>
    /// <param name="periodLength">Length of one period in the model's time unit (e.g. 4.35 weeks for a month).</param>
    /// <param name="discountRate">Discount rate per period (0.01 = 1 % a period).</param>
    /// <param name="margin">Profit margin applied to revenue (1 = revenue).</param>
    public static double Discounted(
        ITransactionModelParameters model,
        GammaGammaParameters spend,
        double x,
        double tx,
        double T,
        double averageSpend,
        int periods,
        double periodLength = 1,
        double discountRate = 0,
        double margin = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spend);
        ArgumentOutOfRangeException.ThrowIfNegative(periods);
        if (!double.IsFinite(periodLength) || periodLength <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(periodLength), periodLength, "periodLength must be positive.");
        }

        if (!double.IsFinite(discountRate) || discountRate <= -1)
        {
            throw new ArgumentOutOfRangeException(nameof(discountRate), discountRate, "discountRate must be greater than -1.");
        }

        if (!double.IsFinite(margin))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "margin must be finite.");
        }

        var expectedSpend = spend.ConditionalExpectedAverageSpend(x, averageSpend);
        double value = 0, previous = 0, factor = 1;
        for (var i = 1; i <= periods; i++)
        {
            var cumulative = model.ConditionalExpectedPurchases(i * periodLength, x, tx, T);
            factor /= 1 + discountRate;
            value += (cumulative - previous) * factor;
            previous = cumulative;
        }

        return value * expectedSpend * margin;
    }

    /// <summary><see cref="Discounted(ITransactionModelParameters, GammaGammaParameters, double, double, double, double, int, double, double, double)"/> for every customer.</summary>
    public static double[] Discounted(
        ITransactionModelParameters model,
        GammaGammaParameters spend,
        ReadOnlySpan<double> x,
        ReadOnlySpan<double> tx,
        ReadOnlySpan<double> T,
        ReadOnlySpan<double> averageSpend,
        int periods,
        double periodLength = 1,
        double discountRate = 0,
        double margin = 1)
    {
        if (tx.Length != x.Length || T.Length != x.Length || averageSpend.Length != x.Length)
        {
            throw new ArgumentException("x, tx, T and averageSpend must have the same length.", nameof(averageSpend));
        }

        var result = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            try
            {
                result[i] = Discounted(model, spend, x[i], tx[i], T[i], averageSpend[i], periods, periodLength, discountRate, margin);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Row {i}: {e.Message}", e.ParamName, e);
            }
        }

        return result;
    }

    /// <summary>Historic CLV: the value of the customer's purchases to date (calibration period, first purchase included), times the margin.</summary>
    public static double Historic(CustomerSummary customer, double margin = 1)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return customer.Revenue * margin;
    }
}
