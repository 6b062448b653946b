using Obsess.Analytics.Feedback;

namespace Obsess.Analytics.Tests.Feedback;

public class FeedbackComparisonTests
{
    [Fact]
    public void Nps_change_uses_the_sum_of_the_two_variances()
    {
        // 30 (V = 61) → 45 (V = 100² · (0.75 − 0.45²)/100 = 54.75): SE = √115.75 = 10.7587, z = 1.3942, p = 0.1633.
        var result = FeedbackComparison.Nps(FeedbackScores.Nps(50, 30, 20), FeedbackScores.Nps(60, 25, 15));

        result.Difference!.Value.ShouldBe(15, 1e-9);
        result.PValue!.Value.ShouldBe(0.16325, 1e-5);
        result.Ci95!.Low.ShouldBe(-6.0867, 1e-4);
        result.Ci95.High.ShouldBe(36.0867, 1e-4);
        result.Significant.ShouldBeFalse();
        result.Sentence.ShouldBe("NPS rose 15 points, from 30 to 45; this is not a significant change (p = 0.16).");
    }

    [Fact]
    public void Nps_difference_between_two_segments_reads_as_higher_or_lower()
    {
        // Ten times the answers: SE = 10.7587/√10 = 3.4022, z = 4.409.
        var result = FeedbackComparison.Nps(FeedbackScores.Nps(500, 300, 200), FeedbackScores.Nps(600, 250, 150), new ComparedGroups("At risk", "Champions", OverTime: false));

        result.Significant.ShouldBeTrue();
        result.PValue!.Value.ShouldBeLessThan(0.001);
        result.Sentence.ShouldBe("NPS is 15 points higher in Champions (45) than in At risk (30); this is a significant difference (p < 0.001).");
    }

    [Fact]
    public void Csat_change_is_a_two_proportion_z_test()
    {
        // 80/100 → 70/100: pooled 0.75, SE = √(0.75 · 0.25 · 0.02) = 0.061237, z = −1.63299, p = 0.10247;
        // unpooled interval −10 ± 1.96 · √(0.0016 + 0.0021) · 100 = [−21.922, 1.922].
        var result = FeedbackComparison.Csat(FeedbackScores.Share(80, 100), FeedbackScores.Share(70, 100));

        result.Difference!.Value.ShouldBe(-10, 1e-9);
        result.PValue!.Value.ShouldBe(0.10247, 1e-5);
        result.Ci95!.Low.ShouldBe(-21.922, 1e-3);
        result.Ci95.High.ShouldBe(1.922, 1e-3);
        result.Sentence.ShouldBe("CSAT fell 10 points, from 80 to 70; this is not a significant change (p = 0.10).");
    }

    [Fact]
    public void Mean_change_is_welchs_t_test_matching_the_published_sleep_example()
    {
        // Student's sleep data (R: t.test(extra ~ group, data = sleep)): t = −1.8608, df = 17.776, p = 0.07939,
        // 95% interval of group 1 − group 2: [−3.3654832, 0.2054832].
        double[] g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        double[] g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        static MeanResult M(double[] xs) => FeedbackScores.Mean(xs.Select(x => new ScoreCount(x, 1)), threshold: 5);

        var result = FeedbackComparison.Mean("Hours", M(g1), M(g2));

        result.Difference!.Value.ShouldBe(1.58, 1e-9);
        result.PValue!.Value.ShouldBe(0.07939, 1e-5);
        result.Ci95!.Low.ShouldBe(-0.2054832, 1e-6);
        result.Ci95.High.ShouldBe(3.3654832, 1e-6);
        result.Sentence.ShouldBe("Hours rose 1.58, from 0.75 to 2.33; this is not a significant change (p = 0.08).");
    }

    [Fact]
    public void A_side_without_answers_cannot_be_compared_and_says_which()
    {
        var result = FeedbackComparison.Nps(FeedbackScores.Nps(5, 0, 1), FeedbackScores.Nps(0, 0, 0));

        result.PValue.ShouldBeNull();
        result.Difference.ShouldBeNull();
        result.Sentence.ShouldBe("Cannot compare NPS: the second period has no answers.");
        FeedbackComparison.Ces(FeedbackScores.Ces([new ScoreCount(5, 1)]), FeedbackScores.Ces([new ScoreCount(5, 3)])).Sentence
            .ShouldBe("Cannot compare CES: the first period has fewer than two answers.");
    }

    [Fact]
    public void No_change_is_said_plainly_and_small_samples_are_flagged()
    {
        var result = FeedbackComparison.Csat(FeedbackScores.Share(8, 10), FeedbackScores.Share(8, 10));

        result.PValue!.Value.ShouldBe(1, 1e-12);
        result.Sentence.ShouldBe("CSAT stayed at 80; this is not a significant change (p = 1.00).");
        result.Warning!.ShouldContain("only 10 answers");
    }

    [Fact]
    public void All_promoters_against_all_detractors_is_certain_but_flagged()
    {
        var result = FeedbackComparison.Nps(FeedbackScores.Nps(40, 0, 0), FeedbackScores.Nps(0, 0, 40));

        result.Difference!.Value.ShouldBe(-200);
        result.PValue.ShouldBe(0);
        result.Significant.ShouldBeTrue();
        result.Warning!.ShouldContain("one group");
    }

    [Theory]
    [InlineData(0.0004, "p < 0.001")]
    [InlineData(0.0042, "p = 0.004")]
    [InlineData(0.2149, "p = 0.21")]
    public void P_values_are_written_to_useful_precision(double p, string expected) =>
        FeedbackComparison.PValue(p).ShouldBe(expected);
}
