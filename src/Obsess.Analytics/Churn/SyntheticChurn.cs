using System.Globalization;

namespace Obsess.Analytics.Churn;

/// <summary>A generated churn table with its true churn probabilities, so fitted models can be checked against truth.</summary>
public sealed record SyntheticChurnData
{
    public required ChurnTable Table { get; init; }

    public required IReadOnlyList<double> TrueProbabilities { get; init; }

    /// <summary>ROC AUC of the true probabilities against the drawn labels: the best any model can do on this sample.</summary>
    public required double TrueAuc { get; init; }

    public const string LabelColumn = "churned";

    public const string IdColumn = "customer_id";
}

/// <summary>
/// A seeded ground-truth logistic churn process with mixed columns: a normal, a log-normal (skewed) and a uniform numeric,
/// a count with 15 % missing (missingness itself raising risk), a 4-level plan, a noise region with a rare level, a
/// yes/no flag, an id, free text and a constant column.
/// </summary>
public static class SyntheticChurn
{
    private static readonly string[] Plans = ["Basic", "Standard", "Premium", "Legacy"];
    private static readonly double[] PlanShare = [0.40, 0.35, 0.20, 0.05];
    private static readonly double[] PlanEffect = [0.6, 0.0, -0.5, 1.0];
    private static readonly string[] Regions = ["North", "South", "East", "West", "Islands"];
    private static readonly double[] RegionShare = [0.30, 0.30, 0.20, 0.195, 0.005];
    private static readonly string[] Words = ["slow", "billing", "great", "support", "price", "app", "crash", "fine", "love", "late", "refund", "upgrade"];

    /// <summary>logit = −1.2 − 0.03(age − 45) + 0.8(ln spend − 3.5) − 0.6(ln(1 + tenure) − 3) + 0.35·calls (0.7 if missing) + plan − 0.7·autopay.</summary>
    public static double TrueLogit(double age, double spend, int tenure, int? calls, int plan, bool autopay) =>
        -1.2
        - (0.03 * (age - 45))
        + (0.8 * (Math.Log(spend) - 3.5))
        - (0.6 * (Math.Log(1 + tenure) - 3))
        + (calls is { } c ? 0.35 * (c - 1.5) : 0.7)
        + PlanEffect[plan]
        - (autopay ? 0.7 : 0);

    public static SyntheticChurnData Generate(int rows, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 10);
        var random = new Random(seed);
        string[] header = ["customer_id", "age", "monthly_spend", "tenure_months", "support_calls", "plan", "region", "autopay", "notes", "country", SyntheticChurnData.LabelColumn];
        var data = new List<string[]>(rows);
        var truth = new double[rows];
        var labels = new int[rows];
        var ci = CultureInfo.InvariantCulture;
        for (var i = 0; i < rows; i++)
        {
            var age = Math.Clamp(45 + (12 * Normal(random)), 18, 90);
            var spend = Math.Exp(3.5 + (0.8 * Normal(random)));
            var tenure = random.Next(0, 73);
            int? calls = random.NextDouble() < 0.15 ? null : Poisson(random, 1.5);
            var plan = Pick(random, PlanShare);
            var region = Pick(random, RegionShare);
            var autopay = random.NextDouble() < 0.5;
            var p = LogisticModel.Sigmoid(TrueLogit(age, spend, tenure, calls, plan, autopay));
            var churned = random.NextDouble() < p;
            var note = string.Join(' ', Enumerable.Range(0, 3 + random.Next(5)).Select(_ => Words[random.Next(Words.Length)]));
            truth[i] = p;
            labels[i] = churned ? 1 : 0;
            data.Add(
            [
                $"C{i:D6}",
                age.ToString("F0", ci),
                spend.ToString("F2", ci),
                tenure.ToString(ci),
                calls?.ToString(ci) ?? (random.NextDouble() < 0.5 ? "" : "NA"),
                Plans[plan],
                Regions[region],
                autopay ? "Yes" : "No",
                $"{note} #{i}",
                "NZ",
                churned ? "Yes" : "No",
            ]);
        }

        return new SyntheticChurnData
        {
            Table = new ChurnTable(header, data),
            TrueProbabilities = truth,
            TrueAuc = labels.Distinct().Count() == 2 ? ChurnMetrics.RocAuc(truth, labels) : double.NaN,
        };
    }

    private static double Normal(Random random)
    {
        // Box-Muller; 1 − U keeps the logarithm's argument in (0, 1].
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    private static int Poisson(Random random, double mean)
    {
        // Knuth's multiplication method: fine for small means.
        var limit = Math.Exp(-mean);
        var k = 0;
        var product = random.NextDouble();
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }

    private static int Pick(Random random, double[] shares)
    {
        var u = random.NextDouble();
        for (var k = 0; k < shares.Length - 1; k++)
        {
            u -= shares[k];
            if (u < 0)
            {
                return k;
            }
        }

        return shares.Length - 1;
    }
}
