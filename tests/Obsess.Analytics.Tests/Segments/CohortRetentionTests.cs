using Obsess.Analytics.Segments;

namespace Obsess.Analytics.Tests.Segments;

public class CohortRetentionTests
{
    private static DateOnly D(int year, int month, int day) => new(year, month, day);

    // A, B, C first buy in January; D, E in February; F only after asOf.
    private static readonly string[] Customers = ["A", "A", "A", "B", "B", "C", "D", "D", "E", "E", "F"];

    private static readonly DateOnly[] Dates =
    [
        D(2026, 1, 5), D(2026, 1, 20), D(2026, 2, 10), // A: months 0, 0, 1
        D(2026, 1, 31), D(2026, 3, 1),                 // B: months 0, 2
        D(2026, 1, 10),                                // C: month 0
        D(2026, 2, 2), D(2026, 3, 14),                 // D: months 0, 1
        D(2026, 2, 28), D(2026, 3, 20),                // E: month 0, then 1 but after asOf 15 March
        D(2026, 4, 1),                                 // F: after asOf
    ];

    [Fact]
    public void Cohort_table_matches_hand_count()
    {
        var table = CohortRetention.Compute<string>(Customers, Dates, asOf: D(2026, 3, 15));

        table.Cohorts.Count.ShouldBe(2);
        var january = table.Cohorts[0];
        january.Month.ShouldBe(D(2026, 1, 1));
        january.Size.ShouldBe(3);
        january.Purchasers.ShouldBe([3, 1, 1]);
        january.Retention[1].ShouldBe(1.0 / 3, 1e-12);
        january.LastOffsetPartial.ShouldBeTrue();

        var february = table.Cohorts[1];
        february.Size.ShouldBe(2);
        february.Purchasers.ShouldBe([2, 1]);
        february.Retention.ShouldBe([1.0, 0.5]);
    }

    [Fact]
    public void Purchases_after_as_of_are_not_observed_and_a_later_as_of_sees_them()
    {
        var table = CohortRetention.Compute<string>(Customers, Dates, asOf: D(2026, 3, 31));

        table.Cohorts.Count.ShouldBe(2); // F's April purchase is still in the future
        table.Cohorts[1].Purchasers.ShouldBe([2, 2]);
        table.Cohorts[1].LastOffsetPartial.ShouldBeFalse();
    }

    [Fact]
    public void Max_offset_caps_the_columns_and_repeat_purchases_in_a_month_count_once()
    {
        var table = CohortRetention.Compute<string>(Customers, Dates, asOf: D(2026, 3, 15), maxOffset: 1);

        table.Cohorts[0].Purchasers.ShouldBe([3, 1]); // A bought twice in January: still one of the 3
        table.Cohorts[0].LastOffsetPartial.ShouldBeFalse();
    }

    [Fact]
    public void Cohort_inputs_are_checked()
    {
        Should.Throw<ArgumentException>(() => CohortRetention.Compute<int>([1, 2], [D(2026, 1, 1)], D(2026, 2, 1)))
            .Message.ShouldContain("same length");
        Should.Throw<ArgumentOutOfRangeException>(() => CohortRetention.Compute<int>([1], [D(2026, 1, 1)], D(2026, 2, 1), maxOffset: -1));
    }
}
