using Npgsql;
using Obsess.Bench.Platform;
using Obsess.Features.Customers;
using Obsess.Features.Ingestion;

namespace Obsess.Bench.Hub;

/// <summary>
/// The memory the PostgreSQL ingestion's resolution cache (<see cref="ResolutionCache"/>) takes when it holds a whole
/// workspace: every customer of the workspace with the most customers, and every identity value of it, read the way
/// ingestion reads them (one fresh string per column value, an <see cref="IdentityRow"/> array per value) and handed to
/// the cache as a group's commit does. Memory is the managed heap after a full, compacting collection, before and after;
/// the rows read are dropped first, so only what the caches keep is counted. Run it against the database the ingestion
/// benchmark imported (cpu-ingest.sh: 100,000 customers, 200,000 identities).
/// Usage: hub-cache-memory --postgres CONN [--workspace ID] [--source NAME (the ingesting source; default bench)]
/// </summary>
public sealed class HubCacheMemoryBenchmark : IBenchmark
{
    public string Name => "hub-cache-memory";

    public string Description => "Managed memory of the ingestion's resolution cache holding a whole workspace (PostgreSQL)";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var postgres = DemoLoadBenchmark.StringArg(args, "--postgres") ?? throw new ArgumentException("give --postgres CONN");
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync().ConfigureAwait(false);
        var source = DemoLoadBenchmark.StringArg(args, "--source") ?? "bench";
        var workspace = DemoLoadBenchmark.StringArg(args, "--workspace") is { } w ? Guid.Parse(w) : await LargestWorkspaceAsync(connection).ConfigureAwait(false);

        // Handed over in pieces under MaxValues and MaxCustomers (a cache holding more empties itself), as groups
        // would. The values first, then the customers, each measured once the rows it read are dropped.
        var kept = new List<ResolutionCache>();
        var empty = Heap();
        var (valueCount, identities) = await HoldValuesAsync(connection, workspace, source, kept).ConfigureAwait(false);
        var withValues = Heap();
        var customerCount = await HoldCustomersAsync(connection, workspace, kept).ConfigureAwait(false);
        var withCustomers = Heap();
        GC.KeepAlive(kept);

        var values = withValues - empty;
        var customers = withCustomers - withValues;
        output.WriteLine($"workspace {workspace}: {customerCount:N0} customers, {valueCount:N0} identity values ({identities:N0} identities)");
        output.WriteLine("| customers | identity values | values held (MB) | per value (bytes) | customers held (MB) | per customer (bytes) | per customer with its values (KB) |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        output.WriteLine($"| {customerCount:N0} | {valueCount:N0} | {values / 1e6:F1} | {values / Math.Max(1, valueCount):N0} | {customers / 1e6:F1} | " +
            $"{customers / Math.Max(1, customerCount):N0} | {(values + customers) / 1e3 / Math.Max(1, customerCount):F2} |");
        return 0;
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<Guid> LargestWorkspaceAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT workspace_id FROM customers GROUP BY workspace_id ORDER BY count(*) DESC LIMIT 1", connection);
        return (Guid?)await command.ExecuteScalarAsync().ConfigureAwait(false) ?? throw new InvalidOperationException("no customers: import the benchmark's events first");
    }

    /// <summary>Every identity of the workspace grouped by value, as ingestion's holders look-up builds them, into caches.</summary>
    private static async Task<(int Values, int Identities)> HoldValuesAsync(NpgsqlConnection connection, Guid workspace, string source, List<ResolutionCache> kept)
    {
        await using var command = new NpgsqlCommand("SELECT kind, source, value, customer_id FROM customer_identities WHERE workspace_id = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = workspace } },
        };
        var values = new Dictionary<string, IdentityRow[]>(StringComparer.Ordinal);
        var identities = 0;
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var value = reader.GetString(2);
            values[value] = [.. values.GetValueOrDefault(value) ?? [], IdentityRow.Read(reader.GetString(0), reader.GetString(1), reader.GetGuid(3), source)];
            identities++;
        }

        foreach (var part in values.Chunk(ResolutionCache.MaxValues))
        {
            var cache = new ResolutionCache();
            cache.Committed(1, part.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), []);
            kept.Add(cache);
        }

        return (values.Count, identities);
    }

    /// <summary>Every customer of the workspace, every column as the app's model maps it, into caches.</summary>
    private static async Task<int> HoldCustomersAsync(NpgsqlConnection connection, Guid workspace, List<ResolutionCache> kept)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id, name, email, phone, traits, first_seen_at, last_seen_at, created_at, updated_at, consent, merged_into_id FROM customers WHERE workspace_id = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = workspace } },
        };
        var customers = new List<Customer>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            customers.Add(new Customer
            {
                WorkspaceId = workspace,
                Id = reader.GetGuid(0),
                Name = reader.IsDBNull(1) ? null : reader.GetString(1),
                Email = reader.IsDBNull(2) ? null : reader.GetString(2),
                Phone = reader.IsDBNull(3) ? null : reader.GetString(3),
                Traits = reader.GetString(4),
                FirstSeenAt = reader.GetDateTime(5),
                LastSeenAt = reader.GetDateTime(6),
                CreatedAt = reader.GetDateTime(7),
                UpdatedAt = reader.GetDateTime(8),
                Consent = reader.GetString(9),
                MergedIntoId = reader.IsDBNull(10) ? null : reader.GetGuid(10),
            });
        }

        foreach (var part in customers.Chunk(ResolutionCache.MaxCustomers))
        {
            var cache = new ResolutionCache();
            cache.Committed(1, [], part);
            kept.Add(cache);
        }

        return customers.Count;
    }
}
