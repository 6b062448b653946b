using Obsess.Analytics.Churn;

namespace Obsess.Analytics.Tests.Churn;

public class ChurnMetricsTests
{
    [Fact]
    public void Roc_auc_counts_correctly_ordered_pairs()
    {
        // Pairs (pos, neg): (0.35, 0.1) ✓, (0.35, 0.4) ✗, (0.8, 0.1) ✓, (0.8, 0.4) ✓ → 3/4.
        ChurnMetrics.RocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).ShouldBe(0.75, 1e-12);
    }

    [Fact]
    public void Roc_auc_counts_a_tied_pair_as_one_half()
    {
        // Positives {0.5, 0.9}, negatives {0.5, 0.2}: 0.5 + 1 + 1 + 1 = 3.5 of 4 pairs.
        ChurnMetrics.RocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]).ShouldBe(0.875, 1e-12);
        ChurnMetrics.RocAuc([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 1]).ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void Average_precision_sums_precision_at_each_recall_step()
    {
        // Descending: 0.8 (pos, P = 1), 0.4 (neg), 0.35 (pos, P = 2/3): AP = ½·1 + ½·⅔ = 5/6.
        ChurnMetrics.AveragePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).ShouldBe(5.0 / 6, 1e-12);
    }

    [Fact]
    public void Average_precision_treats_tied_scores_as_one_threshold()
    {
        // All tied: one threshold at which recall is 1 and precision 2/4.
        ChurnMetrics.AveragePrecision([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 1]).ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void Brier_and_log_loss_match_hand_computation()
    {
        ChurnMetrics.Brier([0.9, 0.2], [1, 0]).ShouldBe((0.01 + 0.04) / 2, 1e-12);
        ChurnMetrics.LogLoss([0.9, 0.2], [1, 0]).ShouldBe(-(Math.Log(0.9) + Math.Log(0.8)) / 2, 1e-12);
        ChurnMetrics.LogLoss([0.0], [1]).ShouldBe(-Math.Log(1e-15), 1e-9);
    }

    [Fact]
    public void Roc_auc_needs_both_classes()
    {
        Should.Throw<ArgumentException>(() => ChurnMetrics.RocAuc([0.2, 0.3], [1, 1])).Message.ShouldContain("both classes");
    }

    [Fact]
    public void Stratified_folds_keep_the_class_ratio_and_cover_every_row_once()
    {
        var random = new Random(3);
        var labels = Enumerable.Range(0, 1003).Select(_ => random.NextDouble() < 0.27 ? 1 : 0).ToArray();
        var positives = labels.Sum();

        var folds = StratifiedFolds.Assign(labels, 5, seed: 1);

        var seen = new int[labels.Length];
        for (var k = 0; k < 5; k++)
        {
            var (train, test) = StratifiedFolds.Split(folds, k);
            (train.Length + test.Length).ShouldBe(labels.Length);
            foreach (var i in test)
            {
                seen[i]++;
            }

            test.Count(i => labels[i] == 1).ShouldBeInRange(positives / 5, (positives / 5) + 1);
            test.Length.ShouldBeInRange(labels.Length / 5, (labels.Length / 5) + 1);
        }

        seen.ShouldAllBe(s => s == 1);
        StratifiedFolds.Assign(labels, 5, seed: 1).ShouldBe(folds);
        StratifiedFolds.Assign(labels, 5, seed: 2).ShouldNotBe(folds);
    }
}
