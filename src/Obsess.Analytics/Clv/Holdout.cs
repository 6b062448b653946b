namespace Obsess.Analytics.Clv;

/// <summary>Actual vs predicted holdout purchases for customers with the same calibration frequency.</summary>
public sealed record HoldoutRow
{
    /// <summary>Calibration frequency x; the last row holds every x at or above it.</summary>
    public required int Frequency { get; init; }

    /// <summary>Whether this row gathers x &gt;= <see cref="Frequency"/>.</summary>
    public required bool AndAbove { get; init; }

    /// <summary>Customers in the row.</summary>
    public required int Customers { get; init; }

    /// <summary>Mean actual holdout purchases.</summary>
    public required double ActualMean { get; init; }

    /// <summary>Mean conditional expectation of holdout purchases.</summary>
    public required double PredictedMean { get; init; }
}

/// <summary>Holdout validation in the manner of Fader, Hardie &amp; Lee (2005), Figure 4 (conditional expectations by calibration frequency).</summary>
public sealed record HoldoutReport
{
    /// <summary>Customers compared.</summary>
    public required int Customers { get; init; }

    /// <summary>Sum of actual holdout purchases.</summary>
    public required double ActualTotal { get; init; }

    /// <summary>Sum of the conditional expectations over each customer's holdout duration.</summary>
    public required double PredictedTotal { get; init; }

    /// <summary>Mean absolute error of the per-customer predictions.</summary>
    public required double MeanAbsoluteError { get; init; }

    /// <summary>By calibration frequency 0, 1, ..., maxFrequency+.</summary>
    public required IReadOnlyList<HoldoutRow> ByFrequency { get; init; }
}

/// <summary>Compares a fitted transaction model's holdout predictions with what happened.</summary>
public static class HoldoutCheck
{
    /// <summary>
    /// For each customer, predicts the purchases in its holdout period with
    /// <see cref="ITransactionModelParameters.ConditionalExpectedPurchases"/>(DurationHoldout, x, tx, T) and compares
    /// them with <see cref="CustomerSummary.FrequencyHoldout"/>, in total and by calibration frequency.
    /// </summary>
    public static HoldoutReport Compare(ITransactionModelParameters model, IReadOnlyList<CustomerSummary> customers, int maxFrequency = 7)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFrequency);
        if (customers.Count == 0)
        {
            throw new ArgumentException("No customers to compare.", nameof(customers));
        }

        var count = new int[maxFrequency + 1];
        var actual = new double[maxFrequency + 1];
        var predicted = new double[maxFrequency + 1];
        double actualTotal = 0, predictedTotal = 0, absoluteError = 0;
        foreach (var c in customers)
        {
            var prediction = model.ConditionalExpectedPurchases(c.DurationHoldout, c.Frequency, c.Recency, c.T);
            var bucket = (int)Math.Min(c.Frequency, maxFrequency);
            count[bucket]++;
            actual[bucket] += c.FrequencyHoldout;
            predicted[bucket] += prediction;
            actualTotal += c.FrequencyHoldout;
            predictedTotal += prediction;
            absoluteError += Math.Abs(prediction - c.FrequencyHoldout);
        }

        var rows = new List<HoldoutRow>();
        for (var k = 0; k <= maxFrequency; k++)
        {
            rows.Add(new HoldoutRow
            {
                Frequency = k,
                AndAbove = k == maxFrequency,
                Customers = count[k],
                ActualMean = count[k] > 0 ? actual[k] / count[k] : 0,
                PredictedMean = count[k] > 0 ? predicted[k] / count[k] : 0,
            });
        }

        return new HoldoutReport
        {
            Customers = customers.Count,
            ActualTotal = actualTotal,
            PredictedTotal = predictedTotal,
            MeanAbsoluteError = absoluteError / customers.Count,
            ByFrequency = rows,
        };
    }
}
