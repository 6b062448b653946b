using Obsess.Analytics.Churn;

namespace Obsess.Analytics.Tests.Churn;

/// <summary>The Telco cross-validation (5 folds, seed 1, default options), run once and shared.</summary>
public sealed class TelcoCvFixture
{
    public TelcoCvFixture()
    {
        using var reader = new StreamReader(SharedData.PathOf("churn/WA_Fn-UseC_-Telco-Customer-Churn.csv"));
        Telco = ChurnTrainer.Evaluate(ChurnTable.Parse(reader), new ChurnOptions { LabelColumn = "Churn", Folds = 5, Seed = 1, MaxDegreeOfParallelism = 2 });
    }

    public ChurnEvaluation Telco { get; }
}

/// <summary>A 5-fold cross-validation of the seeded ground-truth logistic process, run once and shared.</summary>
public sealed class SyntheticCvFixture
{
    public SyntheticCvFixture()
    {
        Synthetic = SyntheticChurn.Generate(4000, seed: 7);
        SyntheticEvaluation = ChurnTrainer.Evaluate(Synthetic.Table, new ChurnOptions { LabelColumn = SyntheticChurnData.LabelColumn, MaxDegreeOfParallelism = 2 });
    }

    public SyntheticChurnData Synthetic { get; }

    public ChurnEvaluation SyntheticEvaluation { get; }
}

public class TelcoCrossValidationTests(TelcoCvFixture fixture) : IClassFixture<TelcoCvFixture>
{
    [Fact]
    public void Telco_five_fold_cv_auc_of_the_best_model_is_at_least_0_85()
    {
        var telco = fixture.Telco;

        telco.Rows.ShouldBe(7043);
        telco.Positives.ShouldBe(1869);
        telco.PositiveLabel.ShouldBe("Yes");
        telco.Best.Mean.RocAuc.ShouldBeGreaterThanOrEqualTo(0.85);
        telco.Models.ShouldAllBe(m => m.Mean.RocAuc > 0.83 && m.Folds.Count == 5);
    }

    [Fact]
    public void Telco_columns_are_typed_as_expected()
    {
        var columns = fixture.Telco.Columns.ToDictionary(c => c.Name);

        columns["customerID"].Role.ShouldBe(ColumnRole.Id);
        columns["Churn"].Role.ShouldBe(ColumnRole.Label);
        columns["TotalCharges"].Role.ShouldBe(ColumnRole.Numeric);
        columns["TotalCharges"].Features.ShouldBe(2);
        columns["tenure"].Role.ShouldBe(ColumnRole.Numeric);
        columns["SeniorCitizen"].Role.ShouldBe(ColumnRole.Boolean);
        columns["Contract"].Role.ShouldBe(ColumnRole.Categorical);
        columns["Contract"].Features.ShouldBe(3);
    }

    [Fact]
    public void Fold_metrics_average_to_the_reported_mean()
    {
        foreach (var m in fixture.Telco.Models)
        {
            m.Mean.RocAuc.ShouldBe(m.Folds.Average(f => f.RocAuc), 1e-12);
            m.Mean.Brier.ShouldBe(m.Folds.Average(f => f.Brier), 1e-12);
            m.OutOfFold.Count.ShouldBe(7043);
        }
    }

}

public class SyntheticCrossValidationTests(SyntheticCvFixture fixture) : IClassFixture<SyntheticCvFixture>
{
    [Fact]
    public void Synthetic_cv_auc_comes_close_to_the_true_auc()
    {
        var best = fixture.SyntheticEvaluation.Best.Mean.RocAuc;

        best.ShouldBe(fixture.Synthetic.TrueAuc, 0.02);
        fixture.SyntheticEvaluation[ChurnModelKind.LogisticRegression].Mean.RocAuc.ShouldBe(fixture.Synthetic.TrueAuc, 0.02);
    }

    [Fact]
    public void Synthetic_columns_are_typed_and_left_out_for_the_right_reasons()
    {
        var columns = fixture.SyntheticEvaluation.Columns.ToDictionary(c => c.Name);

        columns["customer_id"].Role.ShouldBe(ColumnRole.Id);
        columns["notes"].Reason.ShouldStartWith("free text");
        columns["country"].Reason.ShouldStartWith("constant");
        columns["support_calls"].Features.ShouldBe(2);
        columns["monthly_spend"].Reason.ShouldContain("log1p");
        columns["region"].Reason.ShouldContain("1 rare pooled");
        columns["autopay"].Role.ShouldBe(ColumnRole.Boolean);
    }

    [Fact]
    public void Calibrated_out_of_fold_probabilities_match_observed_rates()
    {
        var y = fixture.SyntheticEvaluation.Labels;
        foreach (var model in fixture.SyntheticEvaluation.Models)
        {
            var p = model.OutOfFold;
            var order = Enumerable.Range(0, p.Count).OrderBy(i => p[i]).ToArray();
            foreach (var decile in order.Chunk(order.Length / 5))
            {
                decile.Average(i => p[i]).ShouldBe(decile.Average(i => (double)y[i]), 0.05);
            }
        }
    }
}
