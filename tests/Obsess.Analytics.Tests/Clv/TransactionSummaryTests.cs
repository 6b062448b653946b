using Obsess.Analytics.Clv;

namespace Obsess.Analytics.Tests.Clv;

public sealed class CdnowRawFixture
{
    public CdnowRawFixture()
    {
        using var reader = new StreamReader(SharedData.PathOf("clv/CDNOW_sample.txt"));
        Transactions = TransactionSummary.ParseCdnow(reader);

        // The sample's cohort bought first in 1997 Q1; calibration is the 39 weeks to 1997-09-30, holdout the next 39.
        Summary = TransactionSummary.Build(Transactions, new DateOnly(1997, 9, 30), PeriodUnit.Week, new DateOnly(1998, 6, 30));
        Published = CdnowData.ReadCsv("clv/cdnow_customers_summary_with_transactions.csv");
    }

    public IReadOnlyList<Transaction> Transactions { get; }

    public IReadOnlyList<CustomerSummary> Summary { get; }

    public Dictionary<string, double[]> Published { get; }
}

public class TransactionSummaryTests(CdnowRawFixture cdnow) : IClassFixture<CdnowRawFixture>
{
    [Fact]
    public void Summary_of_raw_cdnow_matches_the_published_summary()
    {
        cdnow.Transactions.Count.ShouldBe(6919);
        cdnow.Summary.Count.ShouldBe(2357);
        var ids = cdnow.Published["ID"];
        var byId = cdnow.Summary.ToDictionary(c => int.Parse(c.CustomerId, System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < ids.Length; i++)
        {
            var c = byId[(int)ids[i]];
            c.Frequency.ShouldBe(cdnow.Published["x"][i], $"customer {ids[i]}");

            // The published file rounds to 2 decimals.
            c.Recency.ShouldBe(cdnow.Published["t_x"][i], 0.005 + 1e-9, $"customer {ids[i]}");
            c.T.ShouldBe(cdnow.Published["T"][i], 0.005 + 1e-9, $"customer {ids[i]}");
            c.MonetaryValue.ShouldBe(cdnow.Published["zbar"][i], 0.005 + 1e-9, $"customer {ids[i]}");
            c.DurationHoldout.ShouldBe(39);
        }
    }

    [Fact]
    public void First_customer_is_summarised_as_in_the_data_set()
    {
        // Customer 1: bought 1997-01-01 ($29.33), 1997-01-18 ($29.73), 1997-08-02 ($14.96), then once more in the holdout.
        var c = cdnow.Summary[0];
        c.CustomerId.ShouldBe("0001");
        c.Frequency.ShouldBe(2);
        c.Recency.ShouldBe(213 / 7.0, 1e-12);
        c.T.ShouldBe(272 / 7.0, 1e-12);
        c.MonetaryValue.ShouldBe((29.73 + 14.96) / 2, 1e-9);
        c.Revenue.ShouldBe(29.33 + 29.73 + 14.96, 1e-9);
        LifetimeValue.Historic(c, margin: 0.5).ShouldBe(c.Revenue / 2, 1e-12);
        c.FrequencyHoldout.ShouldBe(cdnow.Transactions.Count(t => t.CustomerId == "0001" && t.Date > new DateOnly(1997, 9, 30)));
    }

    [Fact]
    public void Purchases_on_the_same_day_count_once_with_their_values_summed()
    {
        Transaction T(string id, int month, int day, double amount) => new() { CustomerId = id, Date = new DateOnly(2024, month, day), Amount = amount };
        var rows = new[]
        {
            T("a", 1, 1, 10), T("a", 1, 1, 5), T("a", 1, 8, 20), T("a", 1, 8, 4), T("a", 1, 15, 6),
            T("a", 2, 5, 100), T("b", 1, 20, 7), T("c", 3, 1, 9),
        };
        var summary = TransactionSummary.Build(rows, new DateOnly(2024, 1, 31), PeriodUnit.Day, new DateOnly(2024, 2, 29));
        summary.Select(s => s.CustomerId).ShouldBe(["a", "b"]);
        var a = summary[0];
        a.Frequency.ShouldBe(2);
        a.Recency.ShouldBe(14);
        a.T.ShouldBe(30);
        a.MonetaryValue.ShouldBe((24 + 6) / 2.0);
        a.Revenue.ShouldBe(45);
        a.FrequencyHoldout.ShouldBe(1);
        a.MonetaryValueHoldout.ShouldBe(100);
        a.DurationHoldout.ShouldBe(29);
        summary[1].Frequency.ShouldBe(0);
        summary[1].Recency.ShouldBe(0);
        summary[1].MonetaryValue.ShouldBe(0);

        // Whole calendar weeks (Monday start): 2024-01-01 is a Monday, so the 1st, 8th and 15th are weeks 0, 1, 2.
        var weekly = TransactionSummary.Build(rows, new DateOnly(2024, 1, 31), PeriodUnit.Week, wholePeriods: true);
        weekly[0].Frequency.ShouldBe(2);
        weekly[0].Recency.ShouldBe(2);
        weekly[0].T.ShouldBe(4);

        // A week that straddles the calibration end (Wednesday 2024-01-31) is split at it.
        Transaction[] straddle = [T("d", 1, 1, 1), T("d", 1, 30, 2), T("d", 2, 1, 3)];
        var split = TransactionSummary.Build(straddle, new DateOnly(2024, 1, 31), PeriodUnit.Week, new DateOnly(2024, 2, 29), wholePeriods: true);
        split[0].Frequency.ShouldBe(1);
        split[0].FrequencyHoldout.ShouldBe(1);
        split[0].MonetaryValueHoldout.ShouldBe(3);

        // Whole calendar months: January's purchases collapse into one.
        var monthly = TransactionSummary.Build(rows, new DateOnly(2024, 2, 29), PeriodUnit.Month, wholePeriods: true);
        monthly[0].Frequency.ShouldBe(1);
        monthly[0].Recency.ShouldBe(1);
        monthly[0].MonetaryValue.ShouldBe(100);
        monthly[0].Revenue.ShouldBe(145);
    }

    [Fact]
    public void Bad_input_is_reported_with_its_line_or_row()
    {
        Should.Throw<FormatException>(() => TransactionSummary.ParseCdnow(new StringReader(" 00004 0001 19970101  2   29.33\n 1 2 1997011 2 3.0\n")))
            .Message.ShouldContain("line 2");
        Should.Throw<FormatException>(() => TransactionSummary.ParseCdnow(new StringReader("1 2 19970101 2\n"))).Message.ShouldContain("5 fields");
        var row = new Transaction { CustomerId = "x", Date = new DateOnly(2024, 1, 1), Amount = double.NaN };
        Should.Throw<ArgumentException>(() => TransactionSummary.Build([row], new DateOnly(2024, 2, 1))).Message.ShouldContain("Transaction 0");
        Should.Throw<ArgumentException>(() => TransactionSummary.Build([], new DateOnly(2024, 2, 1), observationEnd: new DateOnly(2024, 1, 1)))
            .Message.ShouldContain("before calibrationEnd");
    }
}

public class HoldoutAndValueTests(CdnowRawFixture cdnow, BgNbdCdnowFixture bgnbd) : IClassFixture<CdnowRawFixture>, IClassFixture<BgNbdCdnowFixture>
{
    [Fact]
    public void Holdout_check_compares_predictions_with_actual_purchases_by_calibration_frequency()
    {
        var report = HoldoutCheck.Compare(bgnbd.Fit.Parameters, cdnow.Summary);
        report.Customers.ShouldBe(2357);
        report.ActualTotal.ShouldBe(cdnow.Summary.Sum(c => c.FrequencyHoldout));
        report.ByFrequency.Count.ShouldBe(8);
        report.ByFrequency.Sum(r => r.Customers).ShouldBe(2357);
        report.ByFrequency[0].Customers.ShouldBe(cdnow.Summary.Count(c => c.Frequency == 0));
        report.ByFrequency[7].AndAbove.ShouldBeTrue();

        // The BG/NBD tracks the holdout (FHL 2005, Figure 4): predicted means rise with calibration frequency as the
        // actual ones do, and the total is within 15 % of what happened.
        for (var k = 1; k < 8; k++)
        {
            report.ByFrequency[k].PredictedMean.ShouldBeGreaterThan(report.ByFrequency[k - 1].PredictedMean);
        }

        (Math.Abs(report.PredictedTotal - report.ActualTotal) / report.ActualTotal).ShouldBeLessThan(0.15);
    }

    [Fact]
    public void Undiscounted_value_telescopes_to_expected_purchases_times_expected_spend()
    {
        var model = bgnbd.Fit.Parameters;
        var spend = new GammaGammaParameters { P = 6.25, Q = 3.74, Gamma = 15.44 };
        var value = LifetimeValue.Discounted(model, spend, 2, 30.43, 38.86, 22.35, periods: 12, periodLength: 4.35, discountRate: 0, margin: 0.3);
        var expected = model.ConditionalExpectedPurchases(12 * 4.35, 2, 30.43, 38.86) * spend.ConditionalExpectedAverageSpend(2, 22.35) * 0.3;
        value.ShouldBe(expected, 1e-9 * expected);

        var discounted = LifetimeValue.Discounted(model, spend, 2, 30.43, 38.86, 22.35, periods: 12, periodLength: 4.35, discountRate: 0.01, margin: 0.3);
        discounted.ShouldBeLessThan(value);
        discounted.ShouldBeGreaterThan(value / Math.Pow(1.01, 12));
        LifetimeValue.Discounted(model, spend, 2, 30.43, 38.86, 22.35, periods: 0).ShouldBe(0);
    }

    [Fact]
    public void Value_for_many_customers_names_the_bad_row()
    {
        var spend = new GammaGammaParameters { P = 6.25, Q = 3.74, Gamma = 15.44 };
        var values = LifetimeValue.Discounted(bgnbd.Fit.Parameters, spend, [0, 2], [0, 30.43], [38.86, 38.86], [0, 22.35], periods: 3, periodLength: 4);
        values.Length.ShouldBe(2);
        values[1].ShouldBeGreaterThan(values[0]);
        Should.Throw<ArgumentException>(() => LifetimeValue.Discounted(bgnbd.Fit.Parameters, spend, [0, 2], [0, 40], [38.86, 38.86], [0, 22.35], periods: 3))
            .Message.ShouldContain("Row 1");
    }

    [Fact]
    public void Any_transaction_model_can_be_fitted_and_used_through_the_common_interface()
    {
        var (x, tx, T, _) = TransactionSummary.Columns(cdnow.Summary);
        var fit = TransactionModels.Fit(TransactionModelKind.BgNbd, x, tx, T);
        fit.Parameters.ModelName.ShouldBe("BG/NBD");
        fit.Parameters.ToDictionary().Keys.ShouldBe(TransactionModels.ParameterNames(TransactionModelKind.BgNbd));
        fit.Parameters.ToDictionary()["r"].ShouldBe(0.243, 0.0005);
        fit.Parameters.ProbabilityAlive(0, 0, 30).ShouldBe(1);
        fit.Parameters.ExpectedPurchases(39).ShouldBeGreaterThan(0);
    }
}
