using Obsess.Analytics.Churn;

namespace Obsess.Analytics.Tests.Churn;

public class ChurnModelTests
{
    private static double[] Normals(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();

    private static FeatureInfo Numeric(string name, int source) =>
        new() { Name = name, Column = name, Source = source, Kind = FeatureKind.Value };

    [Fact]
    public void Logistic_regression_recovers_known_coefficients()
    {
        var random = new Random(11);
        const int n = 20000;
        var a = Normals(random, n);
        var b = Normals(random, n).Select(v => 3 + (2 * v)).ToArray();
        var x = Enumerable.Range(0, n).Select(i => new[] { a[i], b[i] }).ToArray();
        var y = x.Select(r => random.NextDouble() < 1 / (1 + Math.Exp(-(-0.5 + (1.0 * r[0]) - (0.8 * (r[1] - 3))))) ? 1 : 0).ToArray();

        var model = LogisticModel.Fit(x, y, [Numeric("a", 0), Numeric("b", 1)], 0.01, new LogisticOptions { Splines = false });

        // Coefficients live on the standardised scale: divide by the scale for the raw-unit slope.
        (model.Coefficients[0] / model.Scales[0]).ShouldBe(1.0, 0.06);
        (model.Coefficients[1] / model.Scales[1]).ShouldBe(-0.8, 0.05);
        model.Logit([0, 3]).ShouldBe(-0.5, 0.06);
    }

    [Fact]
    public void Boosted_trees_fit_an_xor_pattern_that_logistic_regression_cannot()
    {
        static (double[][] X, int[] Y) Xor(int n, int seed)
        {
            var random = new Random(seed);
            var x = Enumerable.Range(0, n).Select(_ => new[] { (2 * random.NextDouble()) - 1, (2 * random.NextDouble()) - 1 }).ToArray();
            var y = x.Select(r => random.NextDouble() < (r[0] * r[1] > 0 ? 0.9 : 0.1) ? 1 : 0).ToArray();
            return (x, y);
        }

        var (xTrain, yTrain) = Xor(4000, 1);
        var (xTest, yTest) = Xor(2000, 2);
        FeatureInfo[] features = [Numeric("u", 0), Numeric("v", 1)];

        var trees = BoostedTrees.Fit(xTrain, yTrain, new BoostingOptions(), seed: 1);
        var linear = LogisticModel.Fit(xTrain, yTrain, features, 1, new LogisticOptions { Splines = false });

        ChurnMetrics.RocAuc(xTest.Select(trees.Logit).ToArray(), yTest).ShouldBeGreaterThan(0.85);
        ChurnMetrics.RocAuc(xTest.Select(linear.Logit).ToArray(), yTest).ShouldBeLessThan(0.6);
    }

    [Fact]
    public void Platt_scaling_recovers_the_slope_and_offset_of_a_miscalibrated_score()
    {
        var random = new Random(5);
        var s = Normals(random, 20000);
        var y = s.Select(v => random.NextDouble() < 1 / (1 + Math.Exp(-((3 * v) + 1))) ? 1 : 0).ToArray();

        var platt = PlattCalibrator.Fit(s, y);

        platt.Slope.ShouldBe(3, 0.15);
        platt.Offset.ShouldBe(1, 0.08);
        var p = s.Select(platt.Probability).ToArray();
        foreach (var (lo, hi) in new[] { (0.0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 1.0) })
        {
            var bin = Enumerable.Range(0, s.Length).Where(i => p[i] >= lo && p[i] < hi).ToArray();
            bin.Average(i => p[i]).ShouldBe(bin.Average(i => (double)y[i]), 0.03);
        }
    }

    [Fact]
    public void Reasons_name_the_column_that_drives_the_risk()
    {
        var random = new Random(2);
        var rows = Enumerable.Range(0, 600).Select(i =>
        {
            var plan = i % 3 == 0 ? "Basic" : i % 3 == 1 ? "Plus" : "Pro";
            var churn = random.NextDouble() < (plan == "Basic" ? 0.8 : 0.1);
            return new[] { $"c{i}", plan, random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture), churn ? "Yes" : "No" };
        }).ToArray();
        var table = new ChurnTable(["id", "plan", "noise", "churn"], rows);
        var model = ChurnTrainer.Train(table, new ChurnOptions { LabelColumn = "churn" });

        foreach (var kind in Enum.GetValues<ChurnModelKind>())
        {
            var basic = model.Score(table, kind, topReasons: 2)[0];
            basic.Id.ShouldBe("c0");
            basic.Reasons[0].Column.ShouldBe("plan");
            basic.Reasons[0].Description.ShouldBe("plan = Basic");
            basic.Reasons[0].Contribution.ShouldBeGreaterThan(0.5);
            model.Score(table, kind, topReasons: 3)[1].Reasons.ShouldNotContain(r => r.Column == "plan");
        }
    }

    [Fact]
    public void A_saved_model_loads_and_scores_identically()
    {
        var data = SyntheticChurn.Generate(1500, seed: 4);
        var model = ChurnTrainer.Train(data.Table, new ChurnOptions { LabelColumn = SyntheticChurnData.LabelColumn });

        var loaded = ChurnModel.FromJson(model.ToJson());

        var before = model.Score(data.Table);
        var after = loaded.Score(data.Table);
        after.Select(s => s.Probability).ShouldBe(before.Select(s => s.Probability));
        after.SelectMany(s => s.Reasons).ShouldBe(before.SelectMany(s => s.Reasons));
        loaded.ToJson().ShouldBe(model.ToJson());
        before.ShouldAllBe(s => s.Probability > 0 && s.Probability < 1);
    }

    [Fact]
    public void Scoring_a_table_without_a_used_column_names_the_column()
    {
        var data = SyntheticChurn.Generate(400, seed: 4);
        var model = ChurnTrainer.Train(data.Table, new ChurnOptions { LabelColumn = SyntheticChurnData.LabelColumn });
        var table = new ChurnTable(["customer_id", "age"], [["a", "40"]]);

        Should.Throw<ArgumentException>(() => model.Score(table)).Message.ShouldContain("'monthly_spend'");
    }

    [Fact]
    public void Missing_label_column_is_a_clear_error()
    {
        var table = new ChurnTable(["a", "b"], [["1", "Yes"], ["2", "No"]]);

        Should.Throw<ArgumentException>(() => ChurnTrainer.Train(table, new ChurnOptions { LabelColumn = "Churn" }))
            .Message.ShouldContain("Label column 'Churn' not found");
    }

    [Fact]
    public void Single_class_label_is_a_clear_error()
    {
        var table = new ChurnTable(["a", "Churn"], [["1", "No"], ["2", "No"], ["3", "No"]]);

        Should.Throw<ArgumentException>(() => ChurnTrainer.Train(table, new ChurnOptions { LabelColumn = "Churn" }))
            .Message.ShouldContain("single value 'No'");
    }

    [Fact]
    public void Three_valued_label_is_a_clear_error()
    {
        var table = new ChurnTable(["a", "Churn"], [["1", "No"], ["2", "Yes"], ["3", "Maybe"]]);

        Should.Throw<ArgumentException>(() => ChurnTrainer.Evaluate(table, new ChurnOptions { LabelColumn = "Churn" }))
            .Message.ShouldContain("3 distinct values");
    }

    [Fact]
    public void Empty_table_is_a_clear_error()
    {
        var table = ChurnTable.Parse(new StringReader("a,Churn\n"));

        Should.Throw<ArgumentException>(() => ChurnTrainer.Train(table, new ChurnOptions { LabelColumn = "Churn" }))
            .Message.ShouldContain("no data rows");
    }

    [Fact]
    public void Blank_label_names_the_row()
    {
        var table = new ChurnTable(["a", "Churn"], [["1", "No"], ["2", " "], ["3", "Yes"]]);

        Should.Throw<ArgumentException>(() => ChurnTrainer.Train(table, new ChurnOptions { LabelColumn = "Churn" }))
            .Message.ShouldContain("row 2");
    }

    [Theory]
    [InlineData("Yes", "No", "Yes")]
    [InlineData("0", "1", "1")]
    [InlineData("stayed", "churned", "churned")]
    [InlineData("A", "B", "B")]
    public void Positive_label_is_detected(string first, string second, string expected)
    {
        // Two rows of `first`, one of `second`: with no yes-like value the rarer class is positive.
        var table = new ChurnTable(["x", "label"], [["1", first], ["2", first], ["3", second]]);

        ChurnTrainer.ResolveLabel(table, new ChurnOptions { LabelColumn = "label" }).Positive.ShouldBe(expected);
    }
}

public class ChurnExplanationTests
{
    [Fact]
    public void Tree_path_contributions_add_up_to_the_logit()
    {
        var data = SyntheticChurn.Generate(800, seed: 9);
        var rows = Enumerable.Range(0, 800).ToArray();
        var encoder = FeatureEncoder.Fit(data.Table, rows, SyntheticChurnData.LabelColumn, null);
        var x = encoder.Encode(data.Table);
        var (y, _) = ChurnTrainer.ResolveLabel(data.Table, new ChurnOptions { LabelColumn = SyntheticChurnData.LabelColumn });
        var trees = BoostedTrees.Fit(x, y, new BoostingOptions(), seed: 3);

        foreach (var row in x.Take(20))
        {
            var contributions = new double[encoder.Features.Count];
            var logit = trees.AddContributions(row, contributions, 1);
            var bias = trees.InitialLogit + trees.Trees.Sum(t => t.Value[0]);
            (bias + contributions.Sum()).ShouldBe(trees.Logit(row), 1e-9);
            logit.ShouldBe(trees.Logit(row));
        }
    }

    [Fact]
    public void Numeric_values_are_described_as_low_typical_or_high_against_training_quartiles()
    {
        var rows = Enumerable.Range(1, 40).Select(i => new[] { (i % 2 == 0 ? i : i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture), i % 2 == 0 ? "Yes" : "No" }).ToArray();
        var table = new ChurnTable(["tenure", "calls", "churn"], rows);
        var encoder = FeatureEncoder.Fit(table, Enumerable.Range(0, 40).ToArray(), "churn", null);

        encoder.Describe(0, "2").ShouldBe("tenure = 2 (low)");
        encoder.Describe(0, "20").ShouldBe("tenure = 20 (typical)");
        encoder.Describe(0, "39.5").ShouldBe("tenure = 39.5 (high)");
        encoder.Encodings[0].Role.ShouldBe(ColumnRole.Numeric);
        encoder.Describe(0, " ").ShouldBe("tenure is missing");
    }

    [Fact]
    public void Cross_validation_is_deterministic_for_a_seed()
    {
        var data = SyntheticChurn.Generate(600, seed: 12);
        var options = new ChurnOptions { LabelColumn = SyntheticChurnData.LabelColumn, Folds = 3, Seed = 5 };

        var first = ChurnTrainer.Evaluate(data.Table, options);
        var second = ChurnTrainer.Evaluate(data.Table, options with { MaxDegreeOfParallelism = 3 });

        second.Models.Select(m => m.OutOfFold).ShouldBe(first.Models.Select(m => m.OutOfFold));
        second.Models.Select(m => m.Mean).ShouldBe(first.Models.Select(m => m.Mean));
    }

    [Fact]
    public void Training_gives_the_same_model_whatever_the_parallelism()
    {
        var data = SyntheticChurn.Generate(600, seed: 13);
        var options = new ChurnOptions { LabelColumn = SyntheticChurnData.LabelColumn, Seed = 2 };

        var sequential = ChurnTrainer.Train(data.Table, options).ToJson();
        var parallel = ChurnTrainer.Train(data.Table, options with { MaxDegreeOfParallelism = 4 }).ToJson();

        parallel.ShouldBe(sequential);
    }
}
