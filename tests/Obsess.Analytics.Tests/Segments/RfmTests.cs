using Obsess.Analytics.Segments;

namespace Obsess.Analytics.Tests.Segments;

public class RfmTests
{
    [Fact]
    public void Quintiles_give_each_fifth_of_distinct_values_one_score()
    {
        Rfm.Quintiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).ShouldBe(new byte[] { 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 });
    }

    [Fact]
    public void Quintiles_give_equal_values_equal_scores_from_the_share_strictly_below()
    {
        // Sorted: 10 (0 below → 1), 20 20 (1 below → 1 + ⌊5/10⌋ = 1), 30 (3 → 2), 40 (4 → 3), 50 (5 → 3),
        // 60 (6 → 4), 70 (7 → 4), 80 (8 → 5), 90 (9 → 5).
        Rfm.Quintiles([50, 20, 90, 10, 20, 70, 30, 80, 60, 40]).ShouldBe(new byte[] { 3, 1, 5, 1, 1, 4, 2, 5, 4, 3 });
    }

    [Fact]
    public void Quintiles_score_the_lowest_value_one_however_many_share_it()
    {
        // 7 of 10 bought once: they beat nobody. The 2s beat 7 (→ 4), the 5 beats 9 (→ 5).
        Rfm.Quintiles([1, 1, 2, 1, 1, 5, 1, 2, 1, 1]).ShouldBe(new byte[] { 1, 1, 4, 1, 1, 5, 1, 4, 1, 1 });
        Rfm.Quintiles([3, 3, 3]).ShouldAllBe(s => s == 1);
    }

    [Fact]
    public void Quintiles_do_not_depend_on_input_order()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 500).Select(_ => (double)random.Next(40)).ToArray();
        var scores = Rfm.Quintiles(values);
        var order = Enumerable.Range(0, values.Length).OrderBy(_ => random.Next()).ToArray();
        var shuffled = Rfm.Quintiles(order.Select(i => values[i]).ToArray());
        for (var k = 0; k < order.Length; k++)
        {
            shuffled[k].ShouldBe(scores[order[k]]);
        }
    }

    private static readonly double[] Recency = [5, 200, 5, double.NaN, 60, 30];
    private static readonly int[] Frequency = [10, 1, 1, 0, 3, 6];
    private static readonly double[] Monetary = [500, 20, 40, 0, 150, 300];

    [Fact]
    public void Score_reverses_recency_and_leaves_customers_without_purchases_unscored()
    {
        var result = Rfm.Score(Recency, Frequency, Monetary);

        // R on −recency among the 5 buyers: 200 days → 1, 60 → 2, 30 → 3, the two 5-day customers (3 below) → 4.
        result.Recency.ShouldBe(new byte[] { 4, 1, 4, 0, 2, 3 });
        result.Frequency.ShouldBe(new byte[] { 5, 1, 1, 0, 3, 4 });
        result.Monetary.ShouldBe(new byte[] { 5, 1, 2, 0, 3, 4 });
        result.Segments.ShouldBe(
        [
            RfmSegment.LoyalCustomers, RfmSegment.Lost, RfmSegment.Promising, RfmSegment.NoPurchases,
            RfmSegment.AtRisk, RfmSegment.LoyalCustomers,
        ]);
        result.CountOf(RfmSegment.LoyalCustomers).ShouldBe(2);
        result.CountOf(RfmSegment.NoPurchases).ShouldBe(1);
    }

    [Fact]
    public void Frequency_and_monetary_axis_moves_a_big_spender_right()
    {
        var result = Rfm.Score(Recency, Frequency, Monetary, new RfmOptions { Axis = RfmSegmentAxis.FrequencyAndMonetary });

        // Customer 2: R 4, F 1, M 2 → FM (1 + 2 + 1) / 2 = 2 → potential loyalist instead of promising.
        result.Segments[2].ShouldBe(RfmSegment.PotentialLoyalists);
        result.Segments[1].ShouldBe(RfmSegment.Lost);
        result.Grid.Count(4, 2).ShouldBe(1);
        result.Grid.Count(4, 1).ShouldBe(0);
    }

    [Fact]
    public void Grid_counts_customers_and_sums_revenue_per_r_f_cell()
    {
        var total = Rfm.Score(Recency, Frequency, Monetary);
        total.Grid.Count(4, 5).ShouldBe(1);
        total.Grid.RevenueAt(4, 5).ShouldBe(500);
        total.Grid.RevenueAt(3, 4).ShouldBe(300);
        total.Grid.Counts.Sum().ShouldBe(5);
        total.Grid.Revenue.Sum().ShouldBe(1010);

        // An average spend is multiplied back by the number of purchases.
        var average = Rfm.Score(Recency, Frequency, Monetary, new RfmOptions { Monetary = MonetaryKind.Average });
        average.Grid.RevenueAt(4, 5).ShouldBe(5000);
        average.Grid.RevenueAt(2, 3).ShouldBe(450);
    }

    [Theory]
    [InlineData(5, 5, RfmSegment.Champions)]
    [InlineData(5, 4, RfmSegment.Champions)]
    [InlineData(4, 4, RfmSegment.LoyalCustomers)]
    [InlineData(3, 5, RfmSegment.LoyalCustomers)]
    [InlineData(5, 3, RfmSegment.PotentialLoyalists)]
    [InlineData(4, 2, RfmSegment.PotentialLoyalists)]
    [InlineData(5, 1, RfmSegment.NewCustomers)]
    [InlineData(4, 1, RfmSegment.Promising)]
    [InlineData(3, 3, RfmSegment.NeedAttention)]
    [InlineData(3, 1, RfmSegment.AboutToSleep)]
    [InlineData(2, 4, RfmSegment.AtRisk)]
    [InlineData(1, 3, RfmSegment.AtRisk)]
    [InlineData(1, 5, RfmSegment.CannotLoseThem)]
    [InlineData(2, 2, RfmSegment.Hibernating)]
    [InlineData(1, 1, RfmSegment.Lost)]
    [InlineData(1, 2, RfmSegment.Lost)]
    public void Segment_map_names_hand_picked_cells(int r, int f, RfmSegment expected)
    {
        Rfm.Segment(r, f).ShouldBe(expected);
    }

    [Fact]
    public void Segment_map_uses_all_eleven_names_and_rejects_scores_outside_one_to_five()
    {
        var named = new HashSet<RfmSegment>();
        for (var r = 1; r <= 5; r++)
        {
            for (var f = 1; f <= 5; f++)
            {
                named.Add(Rfm.Segment(r, f));
            }
        }

        named.Count.ShouldBe(11);
        named.ShouldNotContain(RfmSegment.NoPurchases);
        Rfm.DisplayName(RfmSegment.CannotLoseThem).ShouldBe("Can't lose them");
        Should.Throw<ArgumentOutOfRangeException>(() => Rfm.Segment(0, 3));
        Should.Throw<ArgumentOutOfRangeException>(() => Rfm.Segment(3, 6));
    }

    [Fact]
    public void Score_rejects_bad_rows_naming_them()
    {
        Should.Throw<ArgumentException>(() => Rfm.Score([1, 2], [1], [1, 2])).Message.ShouldContain("same length");
        Should.Throw<ArgumentException>(() => Rfm.Score([1], [-1], [1])).Message.ShouldContain("frequency[0]");
        Should.Throw<ArgumentException>(() => Rfm.Score([3, -2], [1, 1], [1, 1])).Message.ShouldContain("recencyDays[1]");
        Should.Throw<ArgumentException>(() => Rfm.Score([3], [1], [double.NaN])).Message.ShouldContain("monetary[0]");
    }
}
