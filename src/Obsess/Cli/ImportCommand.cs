using System.CommandLine;
using Obsess.Features.Import;
using Spectre.Console;

namespace Obsess.Cli;

/// <summary><c>obsess import customers|events|orders|reviews FILE [--format csv|jsonl] [--source NAME] [--map column=field ...]</c></summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var kind = new Argument<ImportKind>("KIND") { Description = "What the file holds: customers, orders or events" };
        var file = new Argument<FileInfo>("FILE") { Description = "CSV with a header row, or JSON Lines" };
        file.AcceptExistingOnly();
        var format = new Option<string?>("--format") { Description = "csv or jsonl (default: from the file's extension)" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var source = new Option<string>("--source") { Description = "The system the file comes from; its ids are that source's ids", DefaultValueFactory = _ => "import" };
        var map = new Option<string[]>("--map") { Description = "Rename a column: --map \"E-Mail Address=email\" (repeatable)", AllowMultipleArgumentsPerToken = true };
        var bulk = new Option<BulkMode>("--bulk")
        {
            Description = "Write tables without their secondary indexes and rebuild them before the commit: auto (when the import writes " +
                          $"≥ {BulkLoad.AutoMinimumRows:N0} rows to a table and at least as many as it holds), on, or off. On PostgreSQL the " +
                          "tables are locked against other readers and writers until the import commits",
            DefaultValueFactory = _ => BulkMode.Auto,
        };
        var command = new Command("import", "Import customers, orders, events or reviews from a file, all or nothing (re-importing the same file changes nothing)")
        {
            kind, file, format, source, map, bulk, CreateReviews(),
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var fmt = parse.GetValue(format) ?? (path.Extension.ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? "jsonl" : "csv");
            var src = Features.Ingestion.IngestionApi.SourceOf(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, parse.GetValue(source)!)])));
            var mapping = ImportReader.ParseMap(parse.GetValue(map) ?? []);
            await using var host = await CommandHost.OpenAsync(ObsessCli.StorageFrom(parse), ct).ConfigureAwait(false);
            var service = host.Services.GetRequiredService<ImportService>();

            ImportResult? result = null;
            try
            {
                using var reader = ImportReader.Open(path.FullName);
                var rows = ImportReader.Read(reader, fmt, mapping);
                var output = parse.InvocationConfiguration.Output;
                // The progress bar draws on the terminal; when output goes elsewhere (a file, a test) it would only add noise.
                if (Console.IsOutputRedirected || !ReferenceEquals(output, Console.Out))
                {
                    result = await service.ImportAsync(parse.GetValue(kind), rows, src, null, parse.GetValue(bulk), ct).ConfigureAwait(false);
                }
                else
                {
                    await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask($"Importing {path.Name}", maxValue: 1);
                        result = await service.ImportAsync(parse.GetValue(kind), rows, src, (stage, fraction) =>
                        {
                            task.Description = $"{stage} {path.Name}";
                            task.Value = fraction;
                        }, parse.GetValue(bulk), ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                }
            }
            catch (ImportFormatException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {path.Name}: {e.Message} Nothing was imported.").ConfigureAwait(false);
                return 1;
            }
            catch (System.Data.Common.DbException e)
            {
                // The rows were valid, but the database refused the write: e.g. a unique index (rebuilt after a bulk
                // load, or during the write) found a duplicate that another writer stored meanwhile.
                await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {path.Name}: the database refused the write ({e.Message}). Nothing was imported.").ConfigureAwait(false);
                return 1;
            }

            if (!result!.Succeeded)
            {
                foreach (var error in result.Errors)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"{path.Name}: {error}").ConfigureAwait(false);
                }

                if (result.ErrorCount > result.Errors.Count)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"… and {result.ErrorCount - result.Errors.Count:N0} more errors.").ConfigureAwait(false);
                }

                await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {result.ErrorCount:N0} invalid value(s) in {path.Name}; nothing was imported.").ConfigureAwait(false);
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(BulkLine(parse.GetValue(bulk), result.BulkTables)).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"Imported {result.Rows:N0} rows from {path.Name} as source '{src}' in {result.Elapsed.TotalSeconds:0.00} s " +
                $"({result.Rows / Math.Max(result.Elapsed.TotalSeconds, 1e-9):N0} rows/s): {result.NewCustomers:N0} new customers, {result.UpdatedCustomers:N0} updated, " +
                $"{result.NewIdentities:N0} new identities, {result.Orders:N0} orders, {result.Events:N0} events, {result.Merges:N0} merges, {result.Skipped:N0} already imported.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The one line that says what bulk-load mode did.</summary>
    internal static string BulkLine(BulkMode mode, IReadOnlyList<string> tables) => tables.Count > 0
        ? $"Bulk load (--bulk {mode.ToString().ToLowerInvariant()}): {string.Join(", ", tables)} written without their secondary indexes, " +
          "which were rebuilt from their catalog definitions before the commit."
        : mode == BulkMode.Off
            ? "Bulk load off (--bulk off): rows written into the indexed tables."
            : $"Bulk load not used (--bulk {mode.ToString().ToLowerInvariant()}): no table received ≥ {BulkLoad.AutoMinimumRows:N0} rows and at least as many as it held, so rows were written into the indexed tables.";

    /// <summary>
    /// <c>obsess import reviews FILE</c>: each row is a review (source, rating, text, date, optional customer e-mail / phone /
    /// customer_id + customer_source, scale_max, product, external_id), tied to an existing customer when an identity matches.
    /// </summary>
    private static Command CreateReviews()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "CSV with a header row, or JSON Lines" };
        file.AcceptExistingOnly();
        var format = new Option<string?>("--format") { Description = "csv or jsonl (default: from the file's extension)" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var source = new Option<string>("--source") { Description = "The review site, for rows without a source column", DefaultValueFactory = _ => "reviews" };
        var map = new Option<string[]>("--map") { Description = "Rename a column: --map \"Stars=rating\" (repeatable)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("reviews", "Import reviews (rating and text) from a file, all or nothing; re-importing the same file changes nothing")
        {
            file, format, source, map,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var fmt = parse.GetValue(format) ?? (path.Extension.ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? "jsonl" : "csv");
            var src = parse.GetValue(source)!.Trim();
            if (src.Length is 0 or > 64)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("obsess: --source must be 1 to 64 characters.").ConfigureAwait(false);
                return 1;
            }

            await using var host = await CommandHost.OpenAsync(ObsessCli.StorageFrom(parse), ct).ConfigureAwait(false);
            var service = host.Services.GetRequiredService<Features.Feedback.ReviewImportService>();
            Features.Feedback.ReviewImportResult? result = null;
            try
            {
                var mapping = ImportReader.ParseMap(parse.GetValue(map) ?? []);
                using var reader = ImportReader.Open(path.FullName);
                var rows = ImportReader.Read(reader, fmt, mapping);
                // The progress bar draws on the terminal; when output goes elsewhere (a file, a test) it would only add noise.
                if (Console.IsOutputRedirected || !ReferenceEquals(parse.InvocationConfiguration.Output, Console.Out))
                {
                    result = await service.ImportAsync(rows, src, null, ct).ConfigureAwait(false);
                }
                else
                {
                    await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask($"Importing {path.Name}", maxValue: 1);
                        result = await service.ImportAsync(rows, src, (stage, fraction) =>
                        {
                            task.Description = $"{stage} {path.Name}";
                            task.Value = fraction;
                        }, ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                }
            }
            catch (ImportFormatException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {path.Name}: {e.Message} Nothing was imported.").ConfigureAwait(false);
                return 1;
            }

            if (!result!.Succeeded)
            {
                foreach (var error in result.Errors)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"{path.Name}: {error}").ConfigureAwait(false);
                }

                if (result.ErrorCount > result.Errors.Count)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"… and {result.ErrorCount - result.Errors.Count:N0} more errors.").ConfigureAwait(false);
                }

                await parse.InvocationConfiguration.Error.WriteLineAsync($"obsess: {result.ErrorCount:N0} invalid value(s) in {path.Name}; nothing was imported.").ConfigureAwait(false);
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"Imported {result.Imported:N0} reviews from {path.Name} in {result.Elapsed.TotalSeconds:0.00} s: {result.Matched:N0} matched to customers, " +
                $"{result.Skipped:N0} already imported, {result.Rows:N0} rows read.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
