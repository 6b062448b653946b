using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Obsess.Bench.Platform;
using Obsess.Cli;
using Obsess.Data;
using Obsess.Features.Import;
using Obsess.Hosting;

namespace Obsess.Bench.Hub;

/// <summary>
/// CSV import of events end to end (read → validate → resolve identities → bulk write, one transaction) into a
/// fresh database per run, on SQLite and PostgreSQL; on PostgreSQL also the physical limit: the rows the import
/// wrote (customers, identities, events) exported with COPY TO, truncated, and timed going back in with binary
/// COPY FROM in one transaction, same tables, same indexes and constraints; and the physical limit of the bulk-load
/// strategy: the same COPY into the tables with the indexes a bulk import takes off (<see cref="BulkLoad.DropAsync"/>)
/// dropped, then those indexes built, in one transaction.
/// Usage: hub-import [--events N] [--customers N] [--runs R] [--postgres CONN] [--no-sqlite] [--no-copy] [--bulk auto|on|off].
/// <c>--no-copy</c> skips the COPY references (for profiling the import alone).
/// </summary>
public sealed class HubImportBenchmark : IBenchmark
{
    public string Name => "hub-import";

    public string Description => "CSV import of 1,000,000 events for 100,000 customers (rows/s) on SQLite and PostgreSQL, vs PostgreSQL COPY";

    private static readonly string[] CopiedTables = ["customers", "customer_identities", "events"];

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var events = DemoLoadBenchmark.IntArg(args, "--events", 1_000_000);
        var customers = DemoLoadBenchmark.IntArg(args, "--customers", 100_000);
        var runs = DemoLoadBenchmark.IntArg(args, "--runs", 3);
        var postgres = DemoLoadBenchmark.StringArg(args, "--postgres") ?? Environment.GetEnvironmentVariable("OBSESS_BENCH_POSTGRES");
        var bulk = Enum.Parse<BulkMode>(DemoLoadBenchmark.StringArg(args, "--bulk") ?? "auto", ignoreCase: true);
        var csv = HubData.WriteEventsCsv(events, customers, 42);
        await output.WriteLineAsync($"input: {csv} ({new FileInfo(csv).Length / 1e6:0.0} MB, {events:N0} rows, {customers:N0} customers)").ConfigureAwait(false);
        if (runs < 1)
        {
            // --runs 0 only writes the input (run-http.sh and cpu-ingest.sh read it).
            return 0;
        }

        await output.WriteLineAsync($"--bulk {bulk.ToString().ToLowerInvariant()}").ConfigureAwait(false);
        await output.WriteLineAsync("| engine | run | rows | new customers | identities | bulk tables | import (s) | read+validate+resolve / write / index (s) | rows/s | COPY (s) | COPY rows/s | import / COPY | COPY, indexes after (s) | its rows/s | import / it | load avg |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|").ConfigureAwait(false);
        var summary = new List<string>();
        if (!args.Contains("--no-sqlite"))
        {
            summary.Add(await RunEngineAsync("SQLite", csv, runs, bulk, _ => Storage.Create(BenchTemp.Directory("obsess-hub-"), null), false, output).ConfigureAwait(false));
        }

        if (postgres is not null)
        {
            summary.Add(await RunEngineAsync("PostgreSQL", csv, runs, bulk, run => FreshPostgres(postgres, $"obsess_hub_import_{run}"), !args.Contains("--no-copy"), output).ConfigureAwait(false));
        }
        else
        {
            await output.WriteLineAsync("(PostgreSQL skipped: pass --postgres \"Host=…\" or set OBSESS_BENCH_POSTGRES)").ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        foreach (var line in summary)
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<string> RunEngineAsync(string engine, string csv, int runs, BulkMode bulk, Func<int, Storage> storageFor, bool copy, TextWriter output)
    {
        var rates = new List<double>();
        var copyRates = new List<double>();
        var bulkCopyRates = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var storage = storageFor(run);
            await using var host = await CommandHost.OpenAsync(storage).ConfigureAwait(false);
            var service = host.Services.GetRequiredService<ImportService>();
            var load = HubData.Load();
            var watch = Stopwatch.StartNew();
            ImportResult result;
            var stages = new Dictionary<string, double>();
            // The importer's own CPU (all its threads) at each stage's start, next to the wall time: the machine is shared.
            var cpu = new Dictionary<string, double>();
            using var self = Process.GetCurrentProcess();
            double Cpu()
            {
                self.Refresh();
                return self.TotalProcessorTime.TotalSeconds;
            }

            var cpuStart = Cpu();
            var gcStart = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration());
            var jitStart = System.Runtime.JitInfo.GetCompilationTime();
            void Progress(string stage, double fraction) // called from one thread
            {
                if (stages.TryAdd(stage, watch.Elapsed.TotalSeconds))
                {
                    cpu[stage] = Cpu();
                }
            }

            using (var reader = ImportReader.Open(csv))
            {
                result = await service.ImportAsync(ImportKind.Events, ImportReader.Read(reader, "csv", new Dictionary<string, string>()), "bench", Progress, bulk).ConfigureAwait(false);
            }

            var seconds = watch.Elapsed.TotalSeconds;
            var cpuEnd = Cpu();
            var gc = string.Create(CultureInfo.InvariantCulture,
                $"GC {GC.CollectionCount(0) - gcStart.Item1}/{GC.CollectionCount(1) - gcStart.Item2}/{GC.CollectionCount(2) - gcStart.Item3} (gen 0/1/2), {(GC.GetTotalAllocatedBytes() - gcStart.Item4) / 1e9:0.00} GB allocated, paused {(GC.GetTotalPauseDuration() - gcStart.Item5).TotalSeconds:0.00} s; JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitStart).TotalSeconds:0.00} s");
            if (!result.Succeeded)
            {
                await output.WriteLineAsync($"import failed: {string.Join("; ", result.Errors.Take(5))}").ConfigureAwait(false);
                return $"{engine}: failed";
            }

            var rate = result.Rows / seconds;
            // Reading, validating and resolving overlap (two threads), so they are one figure.
            var writing = stages.GetValueOrDefault("Writing");
            var indexing = stages.GetValueOrDefault("Indexing", seconds);
            var cpuWriting = cpu.GetValueOrDefault("Writing", cpuEnd);
            var cpuIndexing = cpu.GetValueOrDefault("Indexing", cpuEnd);
            var phases = string.Create(CultureInfo.InvariantCulture,
                $"{writing:0.0} / {indexing - writing:0.0} / {seconds - indexing:0.0} (client CPU {cpuWriting - cpuStart:0.0} / {cpuIndexing - cpuWriting:0.0} / {cpuEnd - cpuIndexing:0.0}; {gc})");
            rates.Add(rate);
            var copyCell = "–";
            if (copy)
            {
                var (copySeconds, bulkCopySeconds, copied) = await CopyLimitAsync(storage.PostgresConnectionString!).ConfigureAwait(false);
                // Rate in input rows, so that the two figures compare the same work (the import writes more rows than it reads).
                var copyRate = result.Rows / copySeconds;
                var bulkCopyRate = result.Rows / bulkCopySeconds;
                copyRates.Add(copyRate);
                bulkCopyRates.Add(bulkCopyRate);
                copyCell = string.Create(CultureInfo.InvariantCulture,
                    $"{copySeconds:0.00} | {copyRate:N0} ({copied:N0} rows written) | {rate / copyRate:0.00} | {bulkCopySeconds:0.00} | {bulkCopyRate:N0} | {rate / bulkCopyRate:0.00}");
            }
            else
            {
                copyCell = "– | – | – | – | – | –";
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {engine} | {run + 1} | {result.Rows:N0} | {result.NewCustomers:N0} | {result.NewIdentities:N0} | {(result.BulkTables.Count > 0 ? string.Join(", ", result.BulkTables) : "–")} | {seconds:0.00} | {phases} | {rate:N0} | {copyCell} | {load} |")).ConfigureAwait(false);
        }

        rates.Sort();
        copyRates.Sort();
        bulkCopyRates.Sort();
        var line = string.Create(CultureInfo.InvariantCulture, $"{engine}: import rows/s median {rates[rates.Count / 2]:N0}, best {rates[^1]:N0}");
        if (copyRates.Count > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; COPY (same rows) median {copyRates[copyRates.Count / 2]:N0}, best {copyRates[^1]:N0}; median ratio import/COPY {rates[rates.Count / 2] / copyRates[copyRates.Count / 2]:0.00}" +
                $"; COPY with the indexes built after median {bulkCopyRates[bulkCopyRates.Count / 2]:N0}, best {bulkCopyRates[^1]:N0}; median ratio import/that {rates[rates.Count / 2] / bulkCopyRates[bulkCopyRates.Count / 2]:0.00}");
        }

        return line;
    }

    /// <summary>
    /// Exports what the import wrote, truncates, and times binary COPY of it back in one transaction; then truncates
    /// again and times the bulk-load strategy on the same rows: drop the indexes a bulk import drops, COPY, build them.
    /// </summary>
    private static async Task<(double Seconds, double BulkSeconds, long Rows)> CopyLimitAsync(string connectionString)
    {
        // No command timeout: on a loaded machine the COPY of 1.3M rows can take longer than the default 30 s.
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);
        await conn.OpenAsync().ConfigureAwait(false);
        var dumps = new Dictionary<string, byte[]>();
        long rows = 0;
        foreach (var table in CopiedTables)
        {
            using var buffer = new MemoryStream();
            await using (var raw = await conn.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT BINARY)").ConfigureAwait(false))
            {
                await raw.CopyToAsync(buffer).ConfigureAwait(false);
            }

            dumps[table] = buffer.ToArray();
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
            rows += (long)(await count.ExecuteScalarAsync().ConfigureAwait(false))!;
        }

        var plain = await CopyBackAsync(conn, dumps, bulk: false).ConfigureAwait(false);
        var bulk = await CopyBackAsync(conn, dumps, bulk: true).ConfigureAwait(false);
        return (plain, bulk, rows);
    }

    private static async Task<double> CopyBackAsync(NpgsqlConnection conn, Dictionary<string, byte[]> dumps, bool bulk)
    {
        await using (var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", CopiedTables)} CASCADE; CHECKPOINT", conn))
        {
            await truncate.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var watch = Stopwatch.StartNew();
        await using var tx = await conn.BeginTransactionAsync().ConfigureAwait(false);
        var deferred = new List<DeferredIndex>();
        if (bulk)
        {
            foreach (var table in CopiedTables)
            {
                deferred.AddRange(await BulkLoad.DropAsync(conn, tx, sqlite: false, table, default, deferred.Select(d => d.Table).ToHashSet()).ConfigureAwait(false));
            }
        }

        foreach (var table in CopiedTables)
        {
            await using (var raw = await conn.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT BINARY)").ConfigureAwait(false))
            {
                await raw.WriteAsync(dumps[table]).ConfigureAwait(false);
            }

            // Fresh statistics before the next table's foreign-key checks are planned: with the truncated table's
            // stale "empty" estimate, PostgreSQL checked each identity against customers by a sequential scan
            // (one run took over 9 minutes). Counted in the COPY time.
            await using var analyze = new NpgsqlCommand($"ANALYZE {table}", conn);
            await analyze.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await BulkLoad.RestoreAsync(conn, tx, sqlite: false, deferred, default).ConfigureAwait(false);
        await tx.CommitAsync().ConfigureAwait(false);
        return watch.Elapsed.TotalSeconds;
    }

    internal static Storage FreshPostgres(string baseConnection, string name)
    {
        using (var admin = new NpgsqlConnection(baseConnection))
        {
            admin.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            drop.ExecuteNonQuery();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            create.ExecuteNonQuery();
        }

        return Storage.Create(null, new NpgsqlConnectionStringBuilder(baseConnection) { Database = name }.ConnectionString);
    }
}
