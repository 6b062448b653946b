using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Obsess.Cli;
using Obsess.Data;
using Obsess.Features.Demo;
using Obsess.Hosting;

namespace Obsess.Bench.Platform;

/// <summary>
/// Time to load the demo company (generation + bulk write, one transaction) into a fresh database, on SQLite and,
/// when a connection string is given, PostgreSQL. Usage: demo-load [--customers N] [--runs R] [--postgres CONN].
/// </summary>
public sealed class DemoLoadBenchmark : IBenchmark
{
    public string Name => "demo-load";

    public string Description => "Demo company load time (10,000 customers by default) on SQLite and PostgreSQL";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var customers = IntArg(args, "--customers", 10_000);
        var runs = IntArg(args, "--runs", 3);
        var postgres = StringArg(args, "--postgres") ?? Environment.GetEnvironmentVariable("OBSESS_BENCH_POSTGRES");

        await output.WriteLineAsync($"| engine | customers | orders | events | identities | best (s) | median (s) | rows/s (best) |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        await RunEngineAsync("SQLite", customers, runs, _ => Storage.Create(BenchTemp.Directory("obsess-bench-"), null), output).ConfigureAwait(false);
        if (postgres is not null)
        {
            await RunEngineAsync("PostgreSQL", customers, runs, run => FreshPostgres(postgres, run), output).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync("(PostgreSQL skipped: pass --postgres \"Host=…\" or set OBSESS_BENCH_POSTGRES)").ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task RunEngineAsync(string engine, int customers, int runs, Func<int, Storage> storageFor, TextWriter output)
    {
        var times = new List<double>();
        DemoLoadResult? last = null;
        for (var run = 0; run < runs; run++)
        {
            await using var host = await CommandHost.OpenAsync(storageFor(run)).ConfigureAwait(false);
            var watch = Stopwatch.StartNew();
            last = await host.Services.GetRequiredService<DemoLoader>().LoadAsync(customers, 42, replace: false).ConfigureAwait(false);
            times.Add(watch.Elapsed.TotalSeconds);
        }

        times.Sort();
        var rows = last!.Customers + last.Orders + last.Events + last.Identities;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {engine} | {last.Customers:N0} | {last.Orders:N0} | {last.Events:N0} | {last.Identities:N0} | {times[0]:0.00} | {times[times.Count / 2]:0.00} | {rows / times[0]:N0} |")).ConfigureAwait(false);
    }

    private static Storage FreshPostgres(string baseConnection, int run)
    {
        var name = $"obsess_bench_{Environment.ProcessId}_{run}";
        using (var admin = new NpgsqlConnection(baseConnection))
        {
            admin.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name}", admin);
            drop.ExecuteNonQuery();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            create.ExecuteNonQuery();
        }

        return Storage.Create(null, new NpgsqlConnectionStringBuilder(baseConnection) { Database = name }.ConnectionString);
    }

    internal static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
