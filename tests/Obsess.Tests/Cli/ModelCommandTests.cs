using System.Globalization;
using System.Text;
using System.Text.Json;
using Obsess.Cli;

namespace Obsess.Tests.Cli;

/// <summary>The file-in, file-out model verbs, run in process with their output captured.</summary>
public class ModelCommandTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ObsessCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Shared(string relative) => Obsess.Tests.Infrastructure.SharedDataPath.Of(relative);

    [Fact]
    public async Task Clv_fit_reproduces_the_published_bgnbd_estimates_on_cdnow()
    {
        var (exit, output, error) = await RunAsync("clv", "fit", "--model", "bgnbd", "--summary", Shared("clv/cdnow_customers_summary.csv"), "--columns", "ID,frequency,recency,T");

        exit.ShouldBe(0, error);
        var json = JsonDocument.Parse(output).RootElement;
        var p = json.GetProperty("parameters");
        p.GetProperty("r").GetDouble().ShouldBe(0.243, 0.0005);
        p.GetProperty("alpha").GetDouble().ShouldBe(4.414, 0.0005);
        p.GetProperty("a").GetDouble().ShouldBe(0.793, 0.0005);
        p.GetProperty("b").GetDouble().ShouldBe(2.426, 0.0005);
        json.GetProperty("logLikelihood").GetDouble().ShouldBe(-9582.4, 0.05);
        json.GetProperty("customers").GetDouble().ShouldBe(2357);
        json.GetProperty("standardErrors").GetProperty("r").GetDouble().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Clv_fit_bgbb_reads_the_compressed_donation_data()
    {
        var (exit, output, error) = await RunAsync("clv", "fit", "--model", "bgbb", "--summary", Shared("clv/donations.csv"), "--columns", "frequency,recency,periods,weights");

        exit.ShouldBe(0, error);
        var p = JsonDocument.Parse(output).RootElement.GetProperty("parameters");
        (p.GetProperty("alpha").GetDouble(), p.GetProperty("delta").GetDouble()).ShouldSatisfyAllConditions(
            () => p.GetProperty("alpha").GetDouble().ShouldBe(1.204, 0.001),
            () => p.GetProperty("delta").GetDouble().ShouldBe(2.783, 0.001));
    }

    [Fact]
    public async Task Clv_predictions_from_transactions_have_one_row_per_customer_with_probabilities()
    {
        var dir = new DirectoryInfo(CliRunner.TempDir());
        var transactions = Path.Combine(dir.FullName, "tx.csv");
        var csv = new StringBuilder("customer,date,amount\n");
        // Buy-till-you-die customers: each buys at their own rate and may drop out after any purchase.
        var rng = new Random(5);
        for (var c = 0; c < 120; c++)
        {
            var rate = 0.01 + 0.1 * rng.NextDouble();
            var dropout = 0.05 + 0.5 * rng.NextDouble();
            var spend = 20 + 80 * rng.NextDouble();
            var day = new DateOnly(2024, 1, 1).AddDays(rng.Next(0, 60));
            while (day.Year == 2024)
            {
                csv.Append(CultureInfo.InvariantCulture, $"c{c},{day:yyyy-MM-dd},{Math.Round(spend * (0.5 + rng.NextDouble()), 2)}\n");
                if (rng.NextDouble() < dropout)
                {
                    break;
                }

                day = day.AddDays(1 + (int)(-Math.Log(1 - rng.NextDouble()) / rate));
            }
        }

        await File.WriteAllTextAsync(transactions, csv.ToString());
        var predictions = Path.Combine(dir.FullName, "p.csv");

        var (exit, _, error) = await RunAsync("clv", "fit", "--model", "bgnbd", "--transactions", transactions, "--customer", "customer", "--date", "date", "--amount", "amount",
            "--calibration-end", "2024-12-31", "--period", "week", "--predict", predictions, "--horizon", "52");

        exit.ShouldBe(0, error);
        var lines = await File.ReadAllLinesAsync(predictions);
        lines[0].ShouldBe("id,frequency,recency,T,expected_purchases,probability_alive,expected_spend,clv");
        lines.Length.ShouldBe(121);
        foreach (var row in lines.Skip(1).Select(l => l.Split(',')))
        {
            double.Parse(row[5], CultureInfo.InvariantCulture).ShouldBeInRange(0, 1);
            double.Parse(row[7], CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(0);
        }

        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Clv_errors_name_the_option_and_the_column()
    {
        var (exit, _, error) = await RunAsync("clv", "fit", "--model", "bgnbd", "--summary", Shared("clv/cdnow_customers_summary.csv"), "--columns", "ID,freq,recency,T");
        exit.ShouldBe(1);
        error.ShouldContain("--columns");
        error.ShouldContain("'freq'");

        (await RunAsync("clv", "fit", "--model", "gammagamma", "--summary", Shared("clv/cdnow_customers_summary.csv"), "--columns", "ID,frequency,recency,T")).Error.ShouldContain("average spend");
        (await RunAsync("clv", "fit", "--model", "bgnbd")).Error.ShouldContain("--summary");
    }

    [Fact]
    public async Task Churn_train_then_score_gives_probabilities_and_reasons_and_evaluate_reports_folds()
    {
        var dir = new DirectoryInfo(CliRunner.TempDir());
        var data = Path.Combine(dir.FullName, "customers.csv");
        var csv = new StringBuilder("id,tenure,plan,tickets,churned\n");
        var rng = new Random(9);
        for (var i = 0; i < 400; i++)
        {
            var tenure = rng.Next(1, 60);
            var plan = rng.Next(3) switch { 0 => "basic", 1 => "pro", _ => "team" };
            var tickets = rng.Next(0, 6);
            var risk = 1 / (1 + Math.Exp(-(1.5 - 0.08 * tenure + 0.5 * tickets + (plan == "basic" ? 0.8 : 0))));
            csv.Append(CultureInfo.InvariantCulture, $"u{i},{tenure},{plan},{tickets},{(rng.NextDouble() < risk ? "yes" : "no")}\n");
        }

        await File.WriteAllTextAsync(data, csv.ToString());
        var model = Path.Combine(dir.FullName, "model.json");

        var evaluate = await RunAsync("churn", "evaluate", "--data", data, "--label", "churned", "--positive", "yes", "--id", "id", "--folds", "4");
        evaluate.Exit.ShouldBe(0, evaluate.Error);
        var report = JsonDocument.Parse(evaluate.Output).RootElement;
        foreach (var m in report.GetProperty("models").EnumerateArray())
        {
            m.GetProperty("folds").GetArrayLength().ShouldBe(4);
            m.GetProperty("mean").GetProperty("rocAuc").GetDouble().ShouldBeGreaterThan(0.6);
        }

        (await RunAsync("churn", "train", "--data", data, "--label", "churned", "--positive", "yes", "--id", "id", "--out", model)).Exit.ShouldBe(0);
        var scored = await RunAsync("churn", "score", "--model", model, "--data", data);
        scored.Exit.ShouldBe(0, scored.Error);
        var rows = scored.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        rows[0].ShouldBe("row,id,probability,reason_1,reason_2,reason_3");
        rows.Length.ShouldBe(401);
        var first = rows[1].Split(',');
        first[1].ShouldBe("u0");
        double.Parse(first[2], CultureInfo.InvariantCulture).ShouldBeInRange(0, 1);

        var missing = await RunAsync("churn", "evaluate", "--data", data, "--label", "gone");
        missing.Exit.ShouldBe(1);
        missing.Error.ShouldContain("--label");
        dir.Delete(recursive: true);
    }
}
