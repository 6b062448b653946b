using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Obsess.Bench.Platform;

namespace Obsess.Bench.Hub;

/// <summary>
/// Segment batch ingestion over real HTTP against a running app: several senders POST /v1/batch with batches of
/// 500 track/identify messages for ~100,000 customers (user id + e-mail; one in ten also with an anonymous id), so
/// messages resolve to customers that exist and to new ones. Prints events/s accepted and checks that the database
/// holds exactly as many new events as were accepted. Optionally writes random customer ids for the wrk profile test.
/// Usage: hub-ingest --url http://127.0.0.1:5110 --write-key KEY (--sqlite PATH | --postgres CONN)
///        [--events N] [--customers N] [--senders S] [--batch B] [--seconds MAX] [--seed S] [--ids-out FILE]
/// </summary>
public sealed class HubIngestBenchmark : IBenchmark
{
    public string Name => "hub-ingest";

    public string Description => "HTTP POST /v1/batch ingestion with identity resolution (events/s) against a running app";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var url = DemoLoadBenchmark.StringArg(args, "--url") ?? "http://127.0.0.1:5110";
        var key = DemoLoadBenchmark.StringArg(args, "--write-key") ?? throw new ArgumentException("--write-key is required");
        var sqlite = DemoLoadBenchmark.StringArg(args, "--sqlite");
        var postgres = DemoLoadBenchmark.StringArg(args, "--postgres");
        var events = DemoLoadBenchmark.IntArg(args, "--events", 1_000_000);
        var customers = DemoLoadBenchmark.IntArg(args, "--customers", 100_000);
        var senders = DemoLoadBenchmark.IntArg(args, "--senders", 4);
        var batchSize = DemoLoadBenchmark.IntArg(args, "--batch", 500);
        var maxSeconds = DemoLoadBenchmark.IntArg(args, "--seconds", 180);
        var seed = DemoLoadBenchmark.IntArg(args, "--seed", 7);
        var idsOut = DemoLoadBenchmark.StringArg(args, "--ids-out");

        Func<Task<long>> count = sqlite is not null ? () => CountSqliteAsync(sqlite) : postgres is not null ? () => CountPostgresAsync(postgres) : throw new ArgumentException("--sqlite PATH or --postgres CONN is required (to check the stored count)");
        var before = await count().ConfigureAwait(false);

        // Bodies are built before the clock starts, so the figure is the server's, not the generator's.
        var batches = new ConcurrentQueue<(byte[] Body, int Messages)>();
        var rng = new Random(seed);
        for (var start = 0; start < events; start += batchSize)
        {
            var n = Math.Min(batchSize, events - start);
            batches.Enqueue((Batch(rng, customers, seed, start, n), n));
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        long accepted = 0, sent = 0, failures = 0;
        var latencies = new ConcurrentBag<double>();
        var load = HubData.Load();
        var deadline = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, senders).Select(async _ =>
        {
            while (deadline.Elapsed.TotalSeconds < maxSeconds && batches.TryDequeue(out var b))
            {
                var t = Stopwatch.StartNew();
                using var content = new ByteArrayContent(b.Body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync("/v1/batch", content).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                latencies.Add(t.Elapsed.TotalMilliseconds);
                Interlocked.Add(ref sent, b.Messages);
                if (!response.IsSuccessStatusCode)
                {
                    if (Interlocked.Increment(ref failures) <= 3)
                    {
                        await Console.Error.WriteLineAsync($"HTTP {(int)response.StatusCode}: {text[..Math.Min(300, text.Length)]}").ConfigureAwait(false);
                    }

                    continue;
                }

                using var doc = JsonDocument.Parse(text);
                Interlocked.Add(ref accepted, doc.RootElement.GetProperty("accepted").GetInt32());
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var seconds = deadline.Elapsed.TotalSeconds;
        var stored = await count().ConfigureAwait(false) - before;
        var sorted = latencies.OrderBy(x => x).ToArray();
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        await output.WriteLineAsync("| engine | senders | batch | sent | accepted | stored | failed calls | seconds | events/s accepted | batch p50 (ms) | batch p99 (ms) | load avg before |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|").ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {(sqlite is not null ? "SQLite" : "PostgreSQL")} | {senders} | {batchSize} | {sent:N0} | {accepted:N0} | {stored:N0} | {failures} | {seconds:0.0} | {accepted / seconds:N0} | {P(0.5):0} | {P(0.99):0} | {load} |")).ConfigureAwait(false);
        await output.WriteLineAsync($"load avg after: {HubData.Load()}").ConfigureAwait(false);
        if (stored != accepted)
        {
            await output.WriteLineAsync($"MISMATCH: stored {stored:N0} events but {accepted:N0} were accepted").ConfigureAwait(false);
        }

        if (idsOut is not null)
        {
            var ids = sqlite is not null ? await CustomerIdsSqliteAsync(sqlite).ConfigureAwait(false) : await CustomerIdsPostgresAsync(postgres!).ConfigureAwait(false);
            var pick = new Random(seed);
            await File.WriteAllLinesAsync(idsOut, Enumerable.Range(0, 10_000).Select(_ => ids[pick.Next(ids.Count)])).ConfigureAwait(false);
            await output.WriteLineAsync($"wrote 10,000 random customer ids (of {ids.Count:N0}) to {idsOut}").ConfigureAwait(false);
        }

        return stored == accepted && failures == 0 ? 0 : 1;
    }

    private static byte[] Batch(Random rng, int customers, int seed, int start, int n)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("batch");
            for (var i = 0; i < n; i++)
            {
                var c = HubData.PickCustomer(rng, customers);
                var identify = rng.Next(10) == 0;
                w.WriteStartObject();
                w.WriteString("type", identify ? "identify" : "track");
                w.WriteString("messageId", $"h{seed}-{start + i}");
                w.WriteString("userId", HubData.CustomerId(c));
                if (rng.Next(10) == 0)
                {
                    w.WriteString("anonymousId", $"anon-{c}-{rng.Next(3)}");
                }

                w.WriteString("timestamp", HubData.Start.AddSeconds(rng.Next(0, 365 * 24 * 3600)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                if (identify)
                {
                    w.WriteStartObject("traits");
                    w.WriteString("email", HubData.Email(c));
                    w.WriteString("name", $"Person {c}");
                    w.WriteString("plan", rng.Next(3) == 0 ? "pro" : "free");
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteString("event", HubData.EventNames[rng.Next(HubData.EventNames.Length)]);
                    w.WriteStartObject("properties");
                    w.WriteString("sku", $"SKU-{rng.Next(1, 5000)}");
                    w.WriteNumber("price", rng.Next(100, 20000) / 100m);
                    w.WriteEndObject();
                    w.WriteStartObject("context");
                    w.WriteStartObject("traits");
                    w.WriteString("email", HubData.Email(c));
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task<long> CountSqliteAsync(string path)
    {
        await using var conn = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await conn.OpenAsync().ConfigureAwait(false);
        await using var cmd = new SqliteCommand("SELECT count(*) FROM events", conn);
        return (long)(await cmd.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    private static async Task<long> CountPostgresAsync(string cs)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync().ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM events", conn);
        return (long)(await cmd.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    private static async Task<List<string>> CustomerIdsSqliteAsync(string path)
    {
        await using var conn = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await conn.OpenAsync().ConfigureAwait(false);
        await using var cmd = new SqliteCommand("SELECT id FROM customers WHERE merged_into_id IS NULL", conn);
        return await ReadIdsAsync(cmd).ConfigureAwait(false);
    }

    private static async Task<List<string>> CustomerIdsPostgresAsync(string cs)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync().ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT id::text FROM customers WHERE merged_into_id IS NULL", conn);
        return await ReadIdsAsync(cmd).ConfigureAwait(false);
    }

    private static async Task<List<string>> ReadIdsAsync(System.Data.Common.DbCommand cmd)
    {
        var ids = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0).ToLowerInvariant());
        }

        return ids;
    }
}
