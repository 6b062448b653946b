using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Obsess.Analytics.Clv;

namespace Obsess.Cli;

/// <summary>
/// <c>obsess clv fit</c>: fits a lifetime-value model to a summary or a transaction file and prints one JSON object;
/// with <c>--predict</c> it also writes per-customer predictions. No database is needed.
/// </summary>
internal static class ClvCommand
{
    // A parameter at the edge of its space (e.g. no sign of dropout) can give infinite standard errors: say so as "Infinity".
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "bgnbd, paretonbd, gammagamma or bgbb", Required = true };
        model.AcceptOnlyFromAmong("bgnbd", "paretonbd", "gammagamma", "bgbb");
        var summary = new Option<FileInfo?>("--summary") { Description = "CSV with one row per customer (x, t_x, T[, m]); for bgbb frequency, recency, periods[, weights]" };
        var columns = new Option<string?>("--columns") { Description = "Summary columns in order: id,x,t_x,T[,m] (bgbb: frequency,recency,periods[,weights])" };
        var transactions = new Option<FileInfo?>("--transactions") { Description = "CSV with one row per purchase" };
        var customer = new Option<string?>("--customer") { Description = "Transactions: the customer id column" };
        var date = new Option<string?>("--date") { Description = "Transactions: the date column (yyyy-MM-dd or yyyyMMdd)" };
        var amount = new Option<string?>("--amount") { Description = "Transactions: the amount column (needed for spend and CLV)" };
        var calibrationEnd = new Option<string?>("--calibration-end") { Description = "Transactions: last day of the calibration period (yyyy-MM-dd)" };
        var period = new Option<string>("--period") { Description = "Transactions: day, week or month", DefaultValueFactory = _ => "week" };
        period.AcceptOnlyFromAmong("day", "week", "month");
        var predict = new Option<FileInfo?>("--predict") { Description = "Write per-customer predictions (CSV) to this file" };
        var horizon = new Option<double>("--horizon") { Description = "Prediction horizon in periods (for bgbb: whole opportunities)", DefaultValueFactory = _ => 52 };
        var discount = new Option<double?>("--discount-rate") { Description = "Discount rate per period for CLV (default: 10 % a year, converted to the period)" };

        var fit = new Command("fit", "Fit BG/NBD, Pareto/NBD, Gamma-Gamma or BG/BB and print the parameters as JSON")
        {
            model, summary, columns, transactions, customer, date, amount, calibrationEnd, period, predict, horizon, discount,
        };
        fit.SetAction(async (parse, ct) =>
        {
            try
            {
                var input = Input.From(parse.GetValue(model)!, parse.GetValue(summary), parse.GetValue(columns), parse.GetValue(transactions),
                    parse.GetValue(customer), parse.GetValue(date), parse.GetValue(amount), parse.GetValue(calibrationEnd), parse.GetValue(period)!);
                var watch = Stopwatch.StartNew();
                var result = Fit(parse.GetValue(model)!, input);
                var seconds = watch.Elapsed.TotalSeconds;
                parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new
                {
                    model = parse.GetValue(model),
                    parameters = result.Parameters,
                    standardErrors = result.StandardErrors,
                    logLikelihood = result.LogLikelihood,
                    customers = result.Customers,
                    seconds = Math.Round(seconds, 3),
                }, Json));
                if (parse.GetValue(predict) is { } file)
                {
                    var rate = parse.GetValue(discount) ?? Math.Pow(1.10, PeriodDays(input.Period) / 365.25) - 1;
                    await File.WriteAllTextAsync(file.FullName, Predictions(parse.GetValue(model)!, input, result, parse.GetValue(horizon), rate), ct).ConfigureAwait(false);
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"Wrote predictions for {input.Ids.Length:N0} customers to {file.FullName}.").ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception e) when (e is CliException or ArgumentException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });

        var clv = new Command("clv", "Lifetime-value models on files (BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB)") { fit };
        return clv;
    }

    private static double PeriodDays(string period) => period switch { "day" => 1, "month" => 365.25 / 12, _ => 7 };

    internal sealed record Input(string[] Ids, double[] X, double[] Tx, double[] T, double[]? M, double[]? Weights, string Period)
    {
        public static Input From(string model, FileInfo? summary, string? columns, FileInfo? transactions, string? customer, string? date, string? amount, string? calibrationEnd, string period)
        {
            if ((summary is null) == (transactions is null))
            {
                throw new CliException("give either --summary FILE or --transactions FILE.");
            }

            return summary is not null ? FromSummary(model, summary, columns, period) : FromTransactions(transactions!, customer, date, amount, calibrationEnd, period);
        }

        private static Input FromSummary(string model, FileInfo file, string? columns, string period)
        {
            var csv = CsvColumns.Read(file.FullName);
            var names = (columns ?? (model == "bgbb" ? "frequency,recency,periods,weights" : "id,x,t_x,T,m")).Split(',', StringSplitOptions.TrimEntries);
            if (model == "bgbb")
            {
                if (names.Length is < 3 or > 4)
                {
                    throw new CliException("--columns for bgbb: frequency,recency,periods[,weights].");
                }

                var idx = names.Select(n => csv.Column(n, "--columns")).ToArray();
                var rows = Enumerable.Range(0, csv.Count).ToArray();
                return new Input(
                    rows.Select(r => (r + 1).ToString(CultureInfo.InvariantCulture)).ToArray(),
                    rows.Select(r => csv.Number(r, idx[0], names[0])).ToArray(),
                    rows.Select(r => csv.Number(r, idx[1], names[1])).ToArray(),
                    rows.Select(r => csv.Number(r, idx[2], names[2])).ToArray(),
                    null,
                    names.Length == 4 ? rows.Select(r => csv.Number(r, idx[3], names[3])).ToArray() : null,
                    period);
            }

            if (names.Length is < 4 or > 5)
            {
                throw new CliException("--columns: id,x,t_x,T[,m].");
            }

            var ix = names.Select(n => csv.Column(n, "--columns")).ToArray();
            var all = Enumerable.Range(0, csv.Count).ToArray();
            return new Input(
                all.Select(r => csv.Text(r, ix[0])).ToArray(),
                all.Select(r => csv.Number(r, ix[1], names[1])).ToArray(),
                all.Select(r => csv.Number(r, ix[2], names[2])).ToArray(),
                all.Select(r => csv.Number(r, ix[3], names[3])).ToArray(),
                names.Length == 5 ? all.Select(r => csv.Number(r, ix[4], names[4])).ToArray() : null,
                null,
                period);
        }

        private static Input FromTransactions(FileInfo file, string? customer, string? date, string? amount, string? calibrationEnd, string period)
        {
            if (customer is null || date is null || calibrationEnd is null)
            {
                throw new CliException("--transactions needs --customer COL, --date COL and --calibration-end DATE.");
            }

            if (!DateOnly.TryParse(calibrationEnd, CultureInfo.InvariantCulture, out var end))
            {
                throw new CliException($"--calibration-end: \"{calibrationEnd}\" is not a date (yyyy-MM-dd).");
            }

            var csv = CsvColumns.Read(file.FullName);
            var (c, d) = (csv.Column(customer, "--customer"), csv.Column(date, "--date"));
            var a = amount is null ? -1 : csv.Column(amount, "--amount");
            var list = Enumerable.Range(0, csv.Count).Select(r => new Transaction
            {
                CustomerId = csv.Text(r, c).Trim(),
                Date = csv.Date(r, d, date),
                Amount = a < 0 ? 0 : csv.Number(r, a, amount!),
            }).ToList();
            var unit = period switch { "day" => PeriodUnit.Day, "month" => PeriodUnit.Month, _ => PeriodUnit.Week };
            var summaries = TransactionSummary.Build(list, end, unit).Where(s => s.T > 0).ToList();
            if (summaries.Count == 0)
            {
                throw new CliException($"no customer bought before --calibration-end {end:yyyy-MM-dd}.");
            }

            var (x, tx, T, m) = TransactionSummary.Columns(summaries);
            return new Input(summaries.Select(s => s.CustomerId).ToArray(), x, tx, T, amount is null ? null : m, null, period);
        }
    }

    internal sealed record FitResult(IReadOnlyDictionary<string, double> Parameters, IReadOnlyDictionary<string, double> StandardErrors, double LogLikelihood, double Customers, object Fitted);

    internal static FitResult Fit(string model, Input input)
    {
        switch (model)
        {
            case "gammagamma":
                {
                    var spend = input.M ?? throw new CliException("gammagamma needs average spend: a fifth summary column (m) or --amount.");
                    var f = GammaGamma.Fit(input.X, spend);
                    return new FitResult(f.Parameters.ToDictionary(), f.StandardErrors, f.LogLikelihood, f.Customers, f.Parameters);
                }

            default:
                {
                    var kind = model switch { "paretonbd" => TransactionModelKind.ParetoNbd, "bgbb" => TransactionModelKind.BgBb, _ => TransactionModelKind.BgNbd };
                    var f = TransactionModels.Fit(kind, input.X, input.Tx, input.T, input.Weights);
                    return new FitResult(f.Parameters.ToDictionary(), f.StandardErrors, f.LogLikelihood, f.Customers, f.Parameters);
                }
        }
    }

    private static string Predictions(string model, Input input, FitResult fit, double horizon, double discountRate)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (fit.Fitted is GammaGammaParameters spendOnly)
        {
            sb.AppendLine("id,frequency,average_spend,expected_spend");
            for (var i = 0; i < input.Ids.Length; i++)
            {
                sb.AppendLine(string.Create(inv, $"{Csv(input.Ids[i])},{input.X[i]},{input.M![i]},{spendOnly.ConditionalExpectedAverageSpend(input.X[i], input.M[i]):0.####}"));
            }

            return sb.ToString();
        }

        var transactionModel = (ITransactionModelParameters)fit.Fitted;
        GammaGammaParameters? spend = null;
        if (input.M is not null && input.X.Count(x => x > 0) >= 10)
        {
            spend = GammaGamma.Fit(input.X, input.M).Parameters;
        }

        sb.AppendLine(spend is null ? "id,frequency,recency,T,expected_purchases,probability_alive" : "id,frequency,recency,T,expected_purchases,probability_alive,expected_spend,clv");
        for (var i = 0; i < input.Ids.Length; i++)
        {
            var expected = transactionModel.ConditionalExpectedPurchases(model == "bgbb" ? Math.Round(horizon) : horizon, input.X[i], input.Tx[i], input.T[i]);
            var alive = transactionModel.ProbabilityAlive(input.X[i], input.Tx[i], input.T[i]);
            sb.Append(string.Create(inv, $"{Csv(input.Ids[i])},{input.X[i]},{input.Tx[i]},{input.T[i]},{expected:0.######},{alive:0.######}"));
            if (spend is not null)
            {
                var clv = LifetimeValue.Discounted(transactionModel, spend, input.X[i], input.Tx[i], input.T[i], input.M![i], (int)Math.Ceiling(horizon), 1, discountRate);
                sb.Append(string.Create(inv, $",{spend.ConditionalExpectedAverageSpend(input.X[i], input.M[i]):0.####},{clv:0.####}"));
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    private static string Csv(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
