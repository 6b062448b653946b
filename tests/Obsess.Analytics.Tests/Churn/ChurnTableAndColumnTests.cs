using Obsess.Analytics.Churn;

namespace Obsess.Analytics.Tests.Churn;

public class ChurnTableAndColumnTests
{
    private static ChurnTable Table(string[] header, params string[][] rows) => new(header, rows);

    private static FeatureEncoder Fit(ChurnTable table, string label = "churn") =>
        FeatureEncoder.Fit(table, Enumerable.Range(0, table.RowCount).ToArray(), label, null);

    /// <summary>A 40-row table with a varied numeric, a categorical, a constant, an id, free text and a label.</summary>
    private static ChurnTable Mixed()
    {
        string[] plans = ["Basic", "Basic", "Standard", "Premium"];
        var rows = Enumerable.Range(0, 40).Select(i => new[]
        {
            $"cust-{i:D3}",
            i % 10 == 3 ? " " : (i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            i == 39 ? "Enterprise" : plans[i % 4],
            "EU",
            $"called about the bill on day {i}",
            $"X{i % 30}",
            i % 3 == 0 ? "Yes" : "No",
        }).ToArray();
        return Table(["Account Ref", "spend", "plan", "market", "notes", "surname", "churn"], rows);
    }

    [Fact]
    public void Parse_reads_quoted_fields_with_commas_quotes_and_crlf()
    {
        var table = ChurnTable.Parse(new StringReader("id,comment,churn\r\n1,\"says \"\"hi\"\", then, bye\",Yes\r\n2,plain,No\r\n"));

        table.RowCount.ShouldBe(2);
        table[0, 1].ShouldBe("says \"hi\", then, bye");
        table[1, 2].ShouldBe("No");
    }

    [Fact]
    public void Parse_names_the_line_of_a_ragged_row()
    {
        var ex = Should.Throw<FormatException>(() => ChurnTable.Parse(new StringReader("a,b\n1,2\n3\n")));

        ex.Message.ShouldContain("line 3");
    }

    [Fact]
    public void Numeric_column_with_blanks_gets_median_imputation_and_a_missing_flag()
    {
        var encoder = Fit(Mixed());

        var spend = encoder.Encodings.Single(e => e.Column == "spend");
        spend.Role.ShouldBe(ColumnRole.Numeric);
        spend.MissingIndicator.ShouldBeTrue();
        var x = encoder.Encode(Mixed());
        x[3][spend.FirstFeature].ShouldBe(spend.Median, 1e-12);
        x[3][spend.FirstFeature + 1].ShouldBe(1);
        x[4][spend.FirstFeature + 1].ShouldBe(0);
    }

    [Fact]
    public void Categorical_column_is_one_hot_with_rare_levels_and_unseen_levels_in_other()
    {
        var table = Mixed();
        var encoder = FeatureEncoder.Fit(table, Enumerable.Range(0, table.RowCount).ToArray(), "churn", null, rareLevelFraction: 0.05);

        var plan = encoder.Encodings.Single(e => e.Column == "plan");
        plan.Role.ShouldBe(ColumnRole.Categorical);
        plan.Levels.ShouldBe(["Basic", "Standard", "Premium"]);
        plan.HasOther.ShouldBeTrue();
        var unseen = Table(["Account Ref", "spend", "plan", "market", "notes", "surname", "churn"], ["z", "1", "Gold", "EU", "t", "s", ""]);
        var x = encoder.Encode(unseen)[0];
        x.Skip(plan.FirstFeature).Take(plan.FeatureCount).ShouldBe([0, 0, 0, 1]);
    }

    [Fact]
    public void Id_free_text_constant_and_name_like_columns_are_left_out_with_reasons()
    {
        var columns = Fit(Mixed()).Columns.ToDictionary(c => c.Name);

        columns["Account Ref"].Role.ShouldBe(ColumnRole.Id);
        columns["market"].Role.ShouldBe(ColumnRole.Ignored);
        columns["market"].Reason.ShouldContain("constant");
        columns["notes"].Role.ShouldBe(ColumnRole.Ignored);
        columns["notes"].Reason.ShouldContain("free text");
        columns["surname"].Role.ShouldBe(ColumnRole.Ignored);
        columns["churn"].Role.ShouldBe(ColumnRole.Label);
        columns["spend"].Features.ShouldBe(2);
    }

    [Theory]
    [InlineData("customerID", true)]
    [InlineData("user_id", true)]
    [InlineData("Id", true)]
    [InlineData("Paid", false)]
    [InlineData("Valid", false)]
    [InlineData("tenure", false)]
    public void Id_names_are_recognised_by_word_not_by_substring(string name, bool isId) =>
        FeatureEncoder.LooksLikeIdName(name).ShouldBe(isId);

    [Fact]
    public void Two_valued_columns_become_one_indicator_for_the_yes_like_value()
    {
        var rows = Enumerable.Range(0, 30).Select(i => new[] { i % 4 == 0 ? "Yes" : "No", i % 5 == 0 ? "1" : "0", i % 2 == 0 ? "Yes" : "No" }).ToArray();
        var encoder = Fit(Table(["Partner", "Senior", "churn"], rows));

        encoder.Features.Select(f => f.Name).ShouldBe(["Partner = Yes", "Senior = 1"]);
        encoder.Encodings.ShouldAllBe(e => e.Role == ColumnRole.Boolean);
    }

    [Fact]
    public void Unique_integer_column_is_an_id_but_unique_decimals_are_numeric()
    {
        var rows = Enumerable.Range(0, 30).Select(i => new[] { (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), (i * 1.37).ToString(System.Globalization.CultureInfo.InvariantCulture), i % 2 == 0 ? "Yes" : "No" }).ToArray();
        var columns = Fit(Table(["RowNumber", "Balance", "churn"], rows)).Columns;

        columns[0].Role.ShouldBe(ColumnRole.Id);
        columns[1].Role.ShouldBe(ColumnRole.Numeric);
    }

    [Fact]
    public void Heavily_skewed_non_negative_column_is_log_transformed()
    {
        var rows = Enumerable.Range(0, 50).Select(i => new[] { Math.Exp(i / 5.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture), (20 + (i % 40)).ToString(System.Globalization.CultureInfo.InvariantCulture), i % 2 == 0 ? "Yes" : "No" }).ToArray();
        var encoder = Fit(Table(["revenue", "age", "churn"], rows));

        encoder.Encodings[0].Log1p.ShouldBeTrue();
        encoder.Encodings[1].Log1p.ShouldBeFalse();
    }
}

public class ChurnDateColumnTests
{
    private static ChurnTable SignupTable()
    {
        var random = new Random(8);
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var rows = Enumerable.Range(0, 400).Select(i =>
        {
            var days = random.Next(0, 1000);
            var churn = random.NextDouble() < (days < 250 ? 0.7 : 0.15);
            var signup = start.AddDays(1000 - days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            return new[] { i % 37 == 5 ? "" : signup, random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture), churn ? "Yes" : "No" };
        }).ToArray();
        return new ChurnTable(["signup_date", "seats", "churn"], rows);
    }

    [Fact]
    public void Date_column_becomes_days_before_the_latest_training_date()
    {
        var table = SignupTable();
        var encoder = FeatureEncoder.Fit(table, Enumerable.Range(0, table.RowCount).ToArray(), "churn", null);

        var signup = encoder.Encodings[0];
        signup.Role.ShouldBe(ColumnRole.Numeric);
        signup.DateReference.ShouldNotBeNull();
        signup.MissingIndicator.ShouldBeTrue();
        encoder.Columns[0].Reason.ShouldStartWith("date → days before");
        var probe = new ChurnTable(["signup_date", "seats", "churn"], [[signup.DateReference!.Value.AddDays(-10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "1", ""]]);
        encoder.Encode(probe)[0][0].ShouldBe(signup.Log1p ? Math.Log(11) : 10, 1e-9);
    }

    [Fact]
    public void A_model_with_a_date_column_explains_recent_signups_and_round_trips()
    {
        var table = SignupTable();
        var model = ChurnTrainer.Train(table, new ChurnOptions { LabelColumn = "churn" });
        var loaded = ChurnModel.FromJson(model.ToJson());

        var scores = model.Score(table);
        loaded.Score(table).Select(s => s.Probability).ShouldBe(scores.Select(s => s.Probability));
        var riskiest = scores.MaxBy(s => s.Probability)!;
        riskiest.Reasons[0].Column.ShouldBe("signup_date");
        riskiest.Reasons[0].Description.ShouldEndWith("(recent)");
    }
}

public class ChurnNumberParsingTests
{
    [Theory]
    [InlineData("42", 42.0)]
    [InlineData(" -3.5e2 ", -350.0)]
    [InlineData("$1,234.50", 1234.5)]
    [InlineData("-$20", -20.0)]
    [InlineData("€ 7.25", 7.25)]
    [InlineData("12%", 12.0)]
    [InlineData("1,000,000", 1000000.0)]
    public void Decorated_numbers_parse(string cell, double expected)
    {
        FeatureEncoder.TryParseNumber(cell, out var value).ShouldBeTrue();
        value.ShouldBe(expected, 1e-9);
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("12,34")]
    [InlineData("Month-to-month")]
    [InlineData("$")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Ambiguous_or_non_numbers_do_not_parse(string cell) =>
        FeatureEncoder.TryParseNumber(cell, out _).ShouldBeFalse();
}
