using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Obsess.Analytics.Churn;

namespace Obsess.Cli;

/// <summary>
/// <c>obsess churn evaluate|train|score</c>: the churn classifier on any customer table with a label column.
/// Pure file-in, file-out: no database.
/// </summary>
internal static class ChurnCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var churn = new Command("churn", "Train, evaluate and apply the churn-risk classifier on a CSV table");
        churn.Subcommands.Add(Evaluate());
        churn.Subcommands.Add(Train());
        churn.Subcommands.Add(Score());
        return churn;
    }

    private sealed record TableOptions(Option<FileInfo> Data, Option<string> Label, Option<string?> Positive, Option<string?> Id, Option<int> Folds, Option<int> Seed);

    private static TableOptions AddTableOptions(Command command)
    {
        var data = new Option<FileInfo>("--data") { Description = "CSV with a header row, one row per customer", Required = true };
        data.AcceptExistingOnly();
        var label = new Option<string>("--label") { Description = "The column that says whether the customer churned", Required = true };
        var positive = new Option<string?>("--positive") { Description = "The label value that means churned (default: detected, e.g. Yes / 1 / true)" };
        var id = new Option<string?>("--id") { Description = "The customer id column (left out of the features)" };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds", DefaultValueFactory = _ => 5 };
        folds.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 2 or > 20)
            {
                r.AddError("--folds must be between 2 and 20.");
            }
        });
        var seed = new Option<int>("--seed") { Description = "Random seed (folds, subsampling)", DefaultValueFactory = _ => 1 };
        foreach (var o in new Option[] { data, label, positive, id, folds, seed })
        {
            command.Options.Add(o);
        }

        return new TableOptions(data, label, positive, id, folds, seed);
    }

    private static (ChurnTable Table, ChurnOptions Options) Load(ParseResult parse, TableOptions o)
    {
        var file = parse.GetValue(o.Data)!;
        ChurnTable table;
        using (var reader = new StreamReader(file.FullName))
        {
            table = ChurnTable.Parse(reader);
        }

        if (table.IndexOf(parse.GetValue(o.Label)!) < 0)
        {
            throw new CliException($"--label: {file.Name} has no column '{parse.GetValue(o.Label)}' (its columns: {string.Join(", ", table.Header)}).");
        }

        if (parse.GetValue(o.Id) is { } id && table.IndexOf(id) < 0)
        {
            throw new CliException($"--id: {file.Name} has no column '{id}'.");
        }

        return (table, new ChurnOptions
        {
            LabelColumn = parse.GetValue(o.Label)!,
            PositiveLabel = parse.GetValue(o.Positive),
            IdColumn = parse.GetValue(o.Id),
            Folds = parse.GetValue(o.Folds),
            Seed = parse.GetValue(o.Seed),
        });
    }

    private static Command Evaluate()
    {
        var command = new Command("evaluate", "Stratified k-fold cross-validation: ROC AUC, PR AUC, Brier score and log loss per model, as JSON");
        var o = AddTableOptions(command);
        command.SetAction(async (parse, ct) => await GuardAsync(parse, () =>
        {
            var (table, options) = Load(parse, o);
            var e = ChurnTrainer.Evaluate(table, options);
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new
            {
                rows = e.Rows,
                positives = e.Positives,
                positiveLabel = e.PositiveLabel,
                folds = e.Folds,
                seed = e.Seed,
                best = e.Best.Model.ToString(),
                models = e.Models.Select(m => new
                {
                    model = m.Model.ToString(),
                    mean = m.Mean,
                    folds = m.Folds,
                }),
                columns = e.Columns,
            }, Json));
            return Task.FromResult(0);
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Train()
    {
        var command = new Command("train", "Train the churn model on a table and save it as JSON");
        var o = AddTableOptions(command);
        var output = new Option<FileInfo>("--out") { Description = "Where to save the model", Required = true };
        command.Options.Add(output);
        command.SetAction(async (parse, ct) => await GuardAsync(parse, async () =>
        {
            var (table, options) = Load(parse, o);
            var model = ChurnTrainer.Train(table, options);
            await File.WriteAllTextAsync(parse.GetValue(output)!.FullName, model.ToJson(), ct).ConfigureAwait(false);
            await parse.InvocationConfiguration.Error.WriteLineAsync($"Trained on {table.RowCount:N0} rows; saved to {parse.GetValue(output)!.FullName}.").ConfigureAwait(false);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Score()
    {
        var modelFile = new Option<FileInfo>("--model") { Description = "A model saved by `obsess churn train`", Required = true };
        modelFile.AcceptExistingOnly();
        var data = new Option<FileInfo>("--data") { Description = "CSV with the same columns the model was trained on", Required = true };
        data.AcceptExistingOnly();
        var output = new Option<FileInfo?>("--out") { Description = "Write the scores here (default: standard output)" };
        var command = new Command("score", "Churn probability and the top reasons for every row, as CSV") { modelFile, data, output };
        command.SetAction(async (parse, ct) => await GuardAsync(parse, async () =>
        {
            var model = ChurnModel.FromJson(await File.ReadAllTextAsync(parse.GetValue(modelFile)!.FullName, ct).ConfigureAwait(false));
            ChurnTable table;
            using (var reader = new StreamReader(parse.GetValue(data)!.FullName))
            {
                table = ChurnTable.Parse(reader);
            }

            var csv = new StringBuilder("row,id,probability,reason_1,reason_2,reason_3\n");
            foreach (var s in model.Score(table))
            {
                var reasons = Enumerable.Range(0, 3).Select(i => i < s.Reasons.Count ? Quote(s.Reasons[i].Description) : "");
                csv.Append(CultureInfo.InvariantCulture, $"{s.Row + 1},{Quote(s.Id ?? "")},{s.Probability:0.######},{string.Join(',', reasons)}\n");
            }

            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, csv.ToString(), ct).ConfigureAwait(false);
            }
            else
            {
                parse.InvocationConfiguration.Output.Write(csv.ToString());
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;

    private static async Task<int> GuardAsync(ParseResult parse, Func<Task<int>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception e) when (e is CliException or ArgumentException or FormatException or JsonException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
