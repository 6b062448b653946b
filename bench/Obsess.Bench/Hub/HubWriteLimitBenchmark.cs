using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Obsess.Bench.Platform;

namespace Obsess.Bench.Hub;

/// <summary>
/// The physical limit under HTTP ingestion: how many events per second the database itself takes when nothing else
/// is done — no HTTP, no parsing, no identity resolution, no customer updates — only the rows `/v1/batch` writes
/// into `events` (same table, same indexes, same value formats), in groups of G events with one durable commit per
/// group, exactly as the app's group commit writes them. Run against the database the ingestion benchmark uses
/// (1M+ events), so the indexes are as deep as they are there. SQLite: a prepared INSERT per row, `synchronous`
/// left at its default (FULL in WAL mode: each commit syncs the log). PostgreSQL: binary COPY per group.
/// CPU is this process's (SQLite runs in it); for PostgreSQL pass --pg-pid (the postmaster) to add the server's.
/// Usage: hub-write-limit (--sqlite PATH | --postgres CONN [--pg-pid PID]) [--group G] [--seconds S] [--timestamps history|now] [--seed S]
/// </summary>
public sealed class HubWriteLimitBenchmark : IBenchmark
{
    public string Name => "hub-write-limit";

    public string Description => "Events/s the database alone takes in durable groups (no HTTP, no resolution): the limit for /v1/batch";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var sqlite = DemoLoadBenchmark.StringArg(args, "--sqlite");
        var postgres = DemoLoadBenchmark.StringArg(args, "--postgres");
        var group = DemoLoadBenchmark.IntArg(args, "--group", 1000);
        var seconds = DemoLoadBenchmark.IntArg(args, "--seconds", 20);
        var seed = DemoLoadBenchmark.IntArg(args, "--seed", 1);
        var pgPid = DemoLoadBenchmark.IntArg(args, "--pg-pid", 0);
        var now = DemoLoadBenchmark.StringArg(args, "--timestamps") == "now";
        if (sqlite is null == postgres is null)
        {
            throw new ArgumentException("give one of --sqlite PATH or --postgres CONN");
        }

        var rng = new Random(seed);
        var load = HubData.Load();
        long written = 0;
        var watch = new Stopwatch();
        double processCpu0, serverCpu0 = pgPid > 0 ? PostgresCpuSeconds(pgPid) : 0;
        if (sqlite is not null)
        {
            await using var connection = new SqliteConnection($"Data Source={sqlite};Pooling=False");
            await connection.OpenAsync().ConfigureAwait(false);
            var (workspace, customers) = await TargetsAsync(connection).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO events (workspace_id, id, customer_id, type, name, source, channel, occurred_at, properties, message_id) VALUES (@ws, @id, @customer, 'track', @name, 'bench', @channel, @at, @properties, @message)";
            var p = new[] { "@ws", "@id", "@customer", "@name", "@channel", "@at", "@properties", "@message" }.Select(n => command.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
            p[0].Value = workspace;
            processCpu0 = ProcessCpuSeconds();
            watch.Start();
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                using var tx = connection.BeginTransaction();
                command.Transaction = tx;
                command.Prepare();
                for (var i = 0; i < group; i++)
                {
                    var e = NextEvent(rng, customers, now);
                    p[1].Value = e.Id.ToString().ToUpperInvariant();
                    p[2].Value = e.Customer;
                    p[3].Value = e.Name;
                    p[4].Value = e.Channel;
                    p[5].Value = e.At.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                    p[6].Value = e.Properties;
                    p[7].Value = e.MessageId;
                    command.ExecuteNonQuery();
                }

                tx.Commit();
                written += group;
            }
        }
        else
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync().ConfigureAwait(false);
            var (workspace, customers) = await TargetsAsync(connection).ConfigureAwait(false);
            var workspaceId = Guid.Parse(workspace);
            var customerIds = customers.Select(Guid.Parse).ToArray();
            processCpu0 = ProcessCpuSeconds();
            watch.Start();
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                await using var tx = await connection.BeginTransactionAsync().ConfigureAwait(false);
                await using (var copy = await connection.BeginBinaryImportAsync("COPY events (workspace_id, id, customer_id, type, name, source, channel, occurred_at, properties, message_id) FROM STDIN (FORMAT BINARY)").ConfigureAwait(false))
                {
                    for (var i = 0; i < group; i++)
                    {
                        var e = NextEvent(rng, customers, now);
                        await copy.StartRowAsync().ConfigureAwait(false);
                        await copy.WriteAsync(workspaceId, NpgsqlDbType.Uuid).ConfigureAwait(false);
                        await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid).ConfigureAwait(false);
                        await copy.WriteAsync(customerIds[e.CustomerIndex], NpgsqlDbType.Uuid).ConfigureAwait(false);
                        await copy.WriteAsync("track", NpgsqlDbType.Varchar).ConfigureAwait(false);
                        await copy.WriteAsync(e.Name, NpgsqlDbType.Varchar).ConfigureAwait(false);
                        await copy.WriteAsync("bench", NpgsqlDbType.Varchar).ConfigureAwait(false);
                        await copy.WriteAsync(e.Channel, NpgsqlDbType.Varchar).ConfigureAwait(false);
                        await copy.WriteAsync(e.At, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
                        await copy.WriteAsync(e.Properties, NpgsqlDbType.Text).ConfigureAwait(false);
                        await copy.WriteAsync(e.MessageId, NpgsqlDbType.Varchar).ConfigureAwait(false);
                    }

                    await copy.CompleteAsync().ConfigureAwait(false);
                }

                await tx.CommitAsync().ConfigureAwait(false);
                written += group;
            }
        }

        watch.Stop();
        var cpu = ProcessCpuSeconds() - processCpu0;
        var server = pgPid > 0 ? PostgresCpuSeconds(pgPid) - serverCpu0 : double.NaN;
        await output.WriteLineAsync("| engine | group | timestamps | events | seconds | events/s | cpu-ms per 1,000 events (this process / server) | load avg before |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---|---:|---:|---:|---|---|").ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {(sqlite is not null ? "SQLite" : "PostgreSQL")} | {group:N0} | {(now ? "now" : "history")} | {written:N0} | {watch.Elapsed.TotalSeconds:0.0} | {written / watch.Elapsed.TotalSeconds:N0} | {cpu * 1e6 / written:0} / {(double.IsNaN(server) ? "–" : (server * 1e6 / written).ToString("0", CultureInfo.InvariantCulture))} | {load} |")).ConfigureAwait(false);
        return 0;
    }

    private readonly record struct LimitEvent(Guid Id, int CustomerIndex, string Customer, string Name, string Channel, DateTime At, string Properties, string MessageId);

    /// <summary>An event like the ingestion benchmark's: a stored customer, a time-ordered id as the app makes, a random message id as SDKs send.</summary>
    private static LimitEvent NextEvent(Random rng, IReadOnlyList<string> customers, bool now)
    {
        var c = rng.Next(customers.Count);
        var at = now ? DateTime.UtcNow : HubData.Start.AddSeconds(rng.Next(0, 365 * 24 * 3600));
        var name = HubData.EventNames[rng.Next(HubData.EventNames.Length)];
        return new LimitEvent(Guid.CreateVersion7(), c, customers[c], name, HubData.Channels[rng.Next(HubData.Channels.Length)], at,
            $"{{\"step\":{rng.Next(10)},\"value\":{rng.Next(1000)}}}", Guid.NewGuid().ToString());
    }

    /// <summary>The workspace that holds the most customers, and up to 100,000 of its customer ids.</summary>
    private static async Task<(string Workspace, List<string> Customers)> TargetsAsync(System.Data.Common.DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT workspace_id FROM customers GROUP BY workspace_id ORDER BY count(*) DESC LIMIT 1";
        var workspace = (await command.ExecuteScalarAsync().ConfigureAwait(false))?.ToString() ?? throw new InvalidOperationException("no customers: run the ingestion benchmark's import first");
        command.CommandText = connection is SqliteConnection
            ? $"SELECT id FROM customers WHERE workspace_id = '{workspace}' LIMIT 100000"
            : $"SELECT id::text FROM customers WHERE workspace_id = '{workspace}' LIMIT 100000";
        var customers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            customers.Add(reader.GetString(0));
        }

        return (workspace, customers);
    }

    private static double ProcessCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>utime + stime of the postmaster with its exited children, plus every live child (the backends), from /proc.</summary>
    private static double PostgresCpuSeconds(int postmaster)
    {
        static long Ticks(int pid, bool withChildren)
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // After the command name: state is field 3; utime, stime, cutime, cstime are fields 14-17.
            var t = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return withChildren ? t + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture) : t;
        }

        var total = Ticks(postmaster, true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != postmaster)
            {
                try
                {
                    var stat = File.ReadAllText($"{dir}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (int.Parse(stat[1], CultureInfo.InvariantCulture) == postmaster)
                    {
                        total += Ticks(pid, false);
                    }
                }
                catch (IOException)
                {
                    // The process ended while we looked.
                }
            }
        }

        return total / 100.0; // USER_HZ
    }
}
