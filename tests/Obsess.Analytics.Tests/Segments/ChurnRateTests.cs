using Obsess.Analytics.Segments;

namespace Obsess.Analytics.Tests.Segments;

public class ChurnRateTests
{
    private static DateOnly D(int year, int month, int day) => new(year, month, day);

    // Window 30 days. Active at 1 Feb: bought 2–31 Jan; at 1 Mar: 30 Jan–28 Feb; at 1 Apr: 2–31 Mar.
    private static readonly (string Customer, DateOnly Date)[] Purchases =
    [
        ("A", D(2026, 1, 20)), ("A", D(2026, 2, 15)), ("A", D(2026, 3, 20)), // stays
        ("B", D(2026, 1, 10)),                                              // lost in February
        ("C", D(2026, 1, 5)), ("C", D(2026, 2, 25)),                        // lapses 5 Feb, comes back 25 Feb; lost in March
        ("D", D(2026, 2, 10)), ("D", D(2026, 3, 5)),                        // acquired mid-February, stays
        ("E", D(2025, 12, 1)), ("E", D(2026, 3, 10)),                       // lapsed before February, wins back in March
        ("F", D(2025, 11, 1)),                                              // long gone: never counted
        ("H", D(2026, 2, 20)),                                              // acquired in February, lost in March
    ];

    private static IReadOnlyList<ChurnPeriod> Monthly() => ChurnRate.ByPeriod<string>(
        Purchases.Select(p => p.Customer).ToArray(), Purchases.Select(p => p.Date).ToArray(), windowDays: 30,
        from: D(2026, 2, 1), to: D(2026, 4, 1), PeriodLength.Month);

    [Fact]
    public void Churn_rate_counts_lost_over_active_at_start_and_forgives_a_customer_who_came_back()
    {
        var february = Monthly()[0];

        february.Start.ShouldBe(D(2026, 2, 1));
        february.End.ShouldBe(D(2026, 3, 1));
        february.AtStart.ShouldBe(3);  // A, B, C
        february.Lost.ShouldBe(1);     // B; C lapsed on 5 Feb but is active again on 1 Mar
        february.Rate!.Value.ShouldBe(1.0 / 3, 1e-12);
        february.Acquired.ShouldBe(2); // D and H: not in the denominator
        february.AtEnd.ShouldBe(4);    // A, C, D, H
        february.Returned.ShouldBe(0);
    }

    [Fact]
    public void Customers_acquired_in_a_period_enter_the_next_denominator_and_win_backs_are_not_new()
    {
        var march = Monthly()[1];

        march.AtStart.ShouldBe(4);  // A, C, D, H
        march.Lost.ShouldBe(2);     // C and H
        march.Rate!.Value.ShouldBe(0.5, 1e-12);
        march.Returned.ShouldBe(1); // E
        march.Acquired.ShouldBe(0);
        march.AtEnd.ShouldBe(3);    // A, D, E = 4 − 2 + 1
    }

    [Fact]
    public void Window_counts_the_w_days_before_t_and_not_day_t_itself()
    {
        // At 1 Feb with W = 30: 2 Jan is inside, 1 Jan is not, 1 Feb itself only counts from 2 Feb.
        var periods = ChurnRate.Compute<int>([1, 2, 3], [D(2026, 1, 2), D(2026, 1, 1), D(2026, 2, 1)], 30, [D(2026, 2, 1), D(2026, 2, 2)]);

        periods[0].AtStart.ShouldBe(1);
        periods[0].Lost.ShouldBe(1);   // 2 Jan is 31 days before 2 Feb
        periods[0].AtEnd.ShouldBe(1);  // customer 3
        periods[0].Acquired.ShouldBe(1);
    }

    [Fact]
    public void Empty_start_gives_no_rate()
    {
        var periods = ChurnRate.Compute<int>([1], [D(2026, 2, 10)], 30, [D(2026, 2, 1), D(2026, 3, 1)]);
        periods[0].AtStart.ShouldBe(0);
        periods[0].Rate.ShouldBeNull();
    }

    [Fact]
    public void Periods_are_whole_months_or_monday_weeks_inside_the_range()
    {
        ChurnRate.Boundaries(D(2026, 1, 15), D(2026, 4, 1), PeriodLength.Month).ShouldBe([D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]);
        // 7 Jan 2026 is a Wednesday: weeks start Monday 12 and 19 Jan; the week from 26 Jan does not end by 28 Jan.
        ChurnRate.Boundaries(D(2026, 1, 7), D(2026, 1, 28), PeriodLength.Week).ShouldBe([D(2026, 1, 12), D(2026, 1, 19), D(2026, 1, 26)]);
        ChurnRate.ByPeriod<int>([1], [D(2026, 1, 1)], 30, D(2026, 1, 2), D(2026, 1, 20), PeriodLength.Month).ShouldBeEmpty();
    }

    [Fact]
    public void Churn_inputs_are_checked()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => ChurnRate.Compute<int>([1], [D(2026, 1, 1)], 0, [D(2026, 2, 1), D(2026, 3, 1)]));
        Should.Throw<ArgumentException>(() => ChurnRate.Compute<int>([1], [D(2026, 1, 1)], 30, [D(2026, 3, 1), D(2026, 2, 1)]))
            .Message.ShouldContain("increase strictly");
        Should.Throw<ArgumentException>(() => ChurnRate.ByPeriod<int>([1], [D(2026, 1, 1)], 30, D(2026, 3, 1), D(2026, 3, 1), PeriodLength.Week))
            .Message.ShouldContain("must be after");
    }
}
