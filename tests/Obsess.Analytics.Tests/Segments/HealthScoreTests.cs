using System.Text.Json;
using Obsess.Analytics.Segments;

namespace Obsess.Analytics.Tests.Segments;

public class HealthScoreTests
{
    private static readonly LinearMapping ZeroToTen = new(0, 10);

    [Fact]
    public void Weights_are_normalised_to_one_hundred()
    {
        var card = new HealthScore([new HealthMeasure("a", 2, ZeroToTen), new HealthMeasure("b", 6, ZeroToTen)]);

        var result = card.Evaluate([10, 5]);

        result.Contributions[0].ConfiguredWeight.ShouldBe(25, 1e-12);
        result.Contributions[1].ConfiguredWeight.ShouldBe(75, 1e-12);
        result.Contributions[1].Score!.Value.ShouldBe(50, 1e-12);
        result.Contributions[1].Points.ShouldBe(37.5, 1e-12);
        result.Score!.Value.ShouldBe(62.5, 1e-12); // 100·¼ + 50·¾
        result.Band.ShouldBe(HealthBand.Average);
        result.WeightsRedistributed.ShouldBeFalse();
    }

    [Fact]
    public void A_missing_measure_gives_its_weight_to_the_present_ones_in_proportion_and_says_so()
    {
        var card = new HealthScore(
        [
            new HealthMeasure("a", 50, ZeroToTen), new HealthMeasure("b", 30, ZeroToTen), new HealthMeasure("c", 20, ZeroToTen),
        ]);

        var result = card.Evaluate(new Dictionary<string, double> { ["a"] = 10, ["B"] = 0 });

        // a and b share 100 as 50 : 30 → 62.5 and 37.5; c (missing) does not count as a zero.
        result.Score!.Value.ShouldBe(62.5, 1e-12);
        result.Contributions[0].AppliedWeight.ShouldBe(62.5, 1e-12);
        result.Contributions[1].AppliedWeight.ShouldBe(37.5, 1e-12);
        result.Contributions[2].AppliedWeight.ShouldBe(0);
        result.Contributions[2].ConfiguredWeight.ShouldBe(20, 1e-12);
        result.Contributions[2].Score.ShouldBeNull();
        result.Missing.ShouldBe(["c"]);
        result.WeightsRedistributed.ShouldBeTrue();
    }

    [Fact]
    public void Nothing_present_gives_no_score_and_an_unknown_band()
    {
        var result = HealthScore.Default.Evaluate(new Dictionary<string, double>());
        result.Score.ShouldBeNull();
        result.Band.ShouldBe(HealthBand.Unknown);
        result.Missing.Count.ShouldBe(5);
    }

    [Theory]
    [InlineData(70, HealthBand.Good)]
    [InlineData(69.99, HealthBand.Average)]
    [InlineData(40, HealthBand.Average)]
    [InlineData(39.99, HealthBand.Poor)]
    public void Default_bands_are_70_and_40(double score, HealthBand band)
    {
        HealthScore.Default.BandOf(score).ShouldBe(band);
    }

    [Fact]
    public void Band_thresholds_are_configurable()
    {
        var card = new HealthScore([new HealthMeasure("a", 1, new LinearMapping(0, 100))], goodAtLeast: 80, averageAtLeast: 50);
        card.Evaluate([75]).Band.ShouldBe(HealthBand.Average);
        card.Evaluate([49]).Band.ShouldBe(HealthBand.Poor);
        card.Evaluate([80]).Band.ShouldBe(HealthBand.Good);
    }

    [Fact]
    public void Linear_mappings_clamp_and_can_prefer_lower_values()
    {
        var days = new LinearMapping(0, 120, HigherIsBetter: false);
        days.Map(30).ShouldBe(75, 1e-12);
        days.Map(500).ShouldBe(0);
        days.Map(-3).ShouldBe(100);
        new LinearMapping(-1, 1).Map(0.5).ShouldBe(75, 1e-12);
    }

    [Fact]
    public void Threshold_mappings_step_at_each_bound()
    {
        var tickets = new ThresholdMapping([1, 3, 6], [100, 75, 40, 0]);
        tickets.Map(0).ShouldBe(100);
        tickets.Map(1).ShouldBe(75);
        tickets.Map(2).ShouldBe(75);
        tickets.Map(3).ShouldBe(40);
        tickets.Map(6).ShouldBe(0);
        tickets.Map(40).ShouldBe(0);
    }

    [Fact]
    public void Default_scorecard_explains_a_healthy_customer()
    {
        var result = HealthScore.Default.Evaluate(new Dictionary<string, double>
        {
            [HealthScore.ProbabilityAlive] = 0.9,         // 90 × 30 %  = 27
            [HealthScore.DaysSinceLastActivity] = 30,     // 75 × 25 %  = 18.75
            [HealthScore.PurchaseFrequencyTrend] = 0,     // 50 × 20 %  = 10
            [HealthScore.SupportTickets90Days] = 0,       // 100 × 10 % = 10
            [HealthScore.Sentiment] = 0.5,                // 75 × 15 %  = 11.25
        });

        result.Score!.Value.ShouldBe(77, 1e-9);
        result.Band.ShouldBe(HealthBand.Good);
        result.Contributions.Sum(c => c.Points).ShouldBe(77, 1e-9);
        result.Contributions.Single(c => c.Name == HealthScore.DaysSinceLastActivity).Points.ShouldBe(18.75, 1e-9);
        HealthScore.Default.Measures.Sum(m => m.Weight).ShouldBe(100);
    }

    [Fact]
    public void Bad_configurations_fail_with_clear_messages()
    {
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("a", -1, ZeroToTen)]))
            .Message.ShouldContain("'a': weight -1");
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("a", 0, ZeroToTen), new HealthMeasure("b", 0, ZeroToTen)]))
            .Message.ShouldContain("All health measure weights are zero");
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("days", 1, new LinearMapping(120, 0))]))
            .Message.ShouldContain("'days': linear bounds are inverted");
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("t", 1, new ThresholdMapping([3, 1], [1, 2, 3]))]))
            .Message.ShouldContain("strictly increasing");
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("t", 1, new ThresholdMapping([1], [100]))]))
            .Message.ShouldContain("need 2 scores");
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("a", 1, ZeroToTen), new HealthMeasure("A", 1, ZeroToTen)]))
            .Message.ShouldContain("appears twice");
        Should.Throw<ArgumentException>(() => new HealthScore([]))
            .Message.ShouldContain("at least one measure");
        Should.Throw<ArgumentException>(() => new HealthScore([new HealthMeasure("a", 1, ZeroToTen)], goodAtLeast: 30, averageAtLeast: 60))
            .Message.ShouldContain("averageAtLeast ≤ goodAtLeast");
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        Should.Throw<ArgumentException>(() => HealthScore.Default.Evaluate(new Dictionary<string, double> { ["nps"] = 3 }))
            .Message.ShouldContain("'nps' is not a measure");
        Should.Throw<ArgumentException>(() => HealthScore.Default.Evaluate([1, 2]))
            .Message.ShouldContain("Expected 5 values");
    }

    [Fact]
    public void Measures_round_trip_through_json_for_workspace_settings()
    {
        var json = JsonSerializer.Serialize(HealthScore.Default.Measures);
        json.ShouldContain("\"kind\":\"thresholds\"");

        var measures = JsonSerializer.Deserialize<HealthMeasure[]>(json)!;
        var card = new HealthScore(measures);
        double[] values = [0.4, 200, 0.1, 4, -0.2];
        card.Evaluate(values).Score.ShouldBe(HealthScore.Default.Evaluate(values).Score);
    }
}
