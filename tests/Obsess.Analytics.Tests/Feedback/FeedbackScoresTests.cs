using Obsess.Analytics.Feedback;

namespace Obsess.Analytics.Tests.Feedback;

/// <summary>Every expected value here was computed by hand (or with a calculator) from the formulas cited in the code.</summary>
public class FeedbackScoresTests
{
    private static ScoreCount[] Counts(params (double Score, long Count)[] counts) => [.. counts.Select(c => new ScoreCount(c.Score, c.Count))];

    [Fact]
    public void Nps_is_promoters_minus_detractors_with_the_multinomial_interval()
    {
        // 50 promoters, 30 passives, 20 detractors: NPS = 50 − 20 = 30.
        // Var = 100² · (0.5 + 0.2 − 0.3²) / 100 = 61; half-width = 1.95996 · √61 = 15.3078.
        var nps = FeedbackScores.Nps(Counts((10, 30), (9, 20), (8, 20), (7, 10), (6, 5), (3, 10), (0, 5)));

        (nps.Responses, nps.Promoters, nps.Passives, nps.Detractors).ShouldBe((100L, 50L, 30L, 20L));
        nps.Score!.Value.ShouldBe(30, 1e-12);
        nps.Variance!.Value.ShouldBe(61, 1e-9);
        nps.Ci95!.Low.ShouldBe(14.6922, 1e-4);
        nps.Ci95.High.ShouldBe(45.3078, 1e-4);
        nps.Warning.ShouldBeNull();
    }

    [Fact]
    public void Nps_boundaries_are_9_for_promoters_and_7_for_passives_and_out_of_range_answers_are_ignored()
    {
        var nps = FeedbackScores.Nps(Counts((9, 1), (8.9, 1), (7, 1), (6.9, 1), (11, 5), (-1, 5)));

        (nps.Promoters, nps.Passives, nps.Detractors).ShouldBe((1L, 2L, 1L));
        nps.Score!.Value.ShouldBe(0, 1e-12);
    }

    [Fact]
    public void Nps_of_nobody_has_no_score_and_says_so()
    {
        var nps = FeedbackScores.Nps([]);

        nps.Responses.ShouldBe(0);
        nps.Score.ShouldBeNull();
        nps.Ci95.ShouldBeNull();
        nps.Warning.ShouldNotBeNull();
    }

    [Fact]
    public void Nps_when_everyone_is_a_promoter_is_100_with_a_zero_width_interval_and_a_warning()
    {
        var nps = FeedbackScores.Nps(promoters: 40, passives: 0, detractors: 0);

        nps.Score!.Value.ShouldBe(100);
        nps.Ci95.ShouldBe(new Interval(100, 100));
        nps.Warning!.ShouldContain("one group");
    }

    [Fact]
    public void Small_samples_carry_a_warning()
    {
        FeedbackScores.Nps(promoters: 10, passives: 5, detractors: 14).Warning!.ShouldContain("29 answers");
        FeedbackScores.Nps(promoters: 10, passives: 5, detractors: 15).Warning.ShouldBeNull();
        FeedbackScores.Share(3, 4).Warning.ShouldNotBeNull();
    }

    [Fact]
    public void Nps_interval_is_clipped_to_the_scale()
    {
        // 2 promoters, 1 detractor: NPS 33.3, Var = 1e4 (1 − 1/9)/3 = 2962.96, half-width 106.7: clipped at ±100.
        var nps = FeedbackScores.Nps(promoters: 2, passives: 0, detractors: 1);

        nps.Ci95!.Low.ShouldBe(-73.35, 0.01);
        nps.Ci95.High.ShouldBe(100);
    }

    [Fact]
    public void Csat_is_the_share_of_4_and_5_with_the_wilson_interval()
    {
        // 8 of 10 satisfied: Wilson (z = 1.96) gives 0.4902–0.9433 (the textbook 8/10 example).
        var csat = FeedbackScores.Csat(Counts((5, 5), (4, 3), (3, 1), (1, 1), (0, 4), (6, 2)));

        (csat.Responses, csat.Hits).ShouldBe((10L, 8L));
        csat.Score!.Value.ShouldBe(80, 1e-12);
        csat.Ci95!.Low.ShouldBe(49.016, 1e-3);
        csat.Ci95.High.ShouldBe(94.332, 1e-3);
    }

    [Fact]
    public void Wilson_interval_keeps_its_width_when_everyone_is_satisfied()
    {
        // 10 of 10: centre (1 + z²/20)/(1 + z²/10), lower bound 0.7225.
        var csat = FeedbackScores.Share(10, 10);

        csat.Score!.Value.ShouldBe(100);
        csat.Ci95!.Low.ShouldBe(72.25, 0.01);
        csat.Ci95.High.ShouldBe(100, 1e-9);
        FeedbackScores.Share(0, 0).Score.ShouldBeNull();
    }

    [Fact]
    public void Ces_is_the_mean_with_a_t_interval_and_the_share_of_5_or_more()
    {
        // 3, 4, 5, 5, 6, 7: mean 5, s = √2; t(0.975, 5) = 2.570582: 5 ± 1.48413.
        var ces = FeedbackScores.Ces(Counts((3, 1), (4, 1), (5, 2), (6, 1), (7, 1), (9, 3)));

        ces.Responses.ShouldBe(6);
        ces.Mean!.Value.ShouldBe(5, 1e-12);
        ces.StandardDeviation!.Value.ShouldBe(Math.Sqrt(2), 1e-12);
        ces.Ci95!.Low.ShouldBe(3.51587, 1e-5);
        ces.Ci95.High.ShouldBe(6.48413, 1e-5);
        (ces.Share.Hits, ces.Share.Responses).ShouldBe((4L, 6L));
        ces.Share.Score!.Value.ShouldBe(400.0 / 6, 1e-9);
    }

    [Fact]
    public void Mean_of_one_answer_has_no_interval_and_of_none_has_no_mean()
    {
        var one = FeedbackScores.Ces(Counts((6, 1)));
        one.Mean.ShouldBe(6);
        one.Ci95.ShouldBeNull();
        one.Warning.ShouldNotBeNull();

        FeedbackScores.Ces([]).Mean.ShouldBeNull();
    }

    [Fact]
    public void Response_rate_is_responses_over_invited()
    {
        var rate = FeedbackScores.ResponseRate(25, 100);

        rate.Score!.Value.ShouldBe(25);
        rate.Ci95!.Low.ShouldBeLessThan(25);
        rate.Ci95.High.ShouldBeGreaterThan(25);
        FeedbackScores.ResponseRate(3, 0).Score.ShouldBeNull();
    }
}
