using System.Globalization;
using System.Text;

namespace Obsess.Bench.Hub;

/// <summary>
/// Deterministic hub input for a given seed: customers with an id and an e-mail, and events spread over them
/// (a few customers very active, most not), one month apart from a fixed start.
/// </summary>
internal static class HubData
{
    public static readonly string[] EventNames = ["Viewed product", "Added to cart", "Checked out", "Searched", "Opened email", "Signed in"];
    public static readonly string[] Channels = ["web", "ios", "android", "email"];
    public static readonly DateTime Start = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static string CustomerId(int i) => $"cus_{i:D7}";

    public static string Email(int i) => $"person{i}@example{i % 97}.com";

    /// <summary>A customer index skewed toward low indexes (active customers) but covering all of them.</summary>
    public static int PickCustomer(Random rng, int customers) =>
        rng.NextDouble() < 0.5 ? rng.Next(customers / 10) : rng.Next(customers);

    /// <summary>Writes an events CSV: customer_id, email, event, timestamp, message_id, channel, sku, price.</summary>
    public static string WriteEventsCsv(int events, int customers, int seed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"obsess-hub-events-{events}-{customers}-{seed}.csv");
        if (File.Exists(path))
        {
            return path;
        }

        var rng = new Random(seed);
        var tmp = path + ".tmp";
        using (var w = new StreamWriter(tmp, false, new UTF8Encoding(false), 1 << 20))
        {
            w.WriteLine("customer_id,email,event,timestamp,message_id,channel,sku,price");
            var line = new StringBuilder();
            for (var e = 0; e < events; e++)
            {
                var c = PickCustomer(rng, customers);
                var at = Start.AddSeconds(rng.Next(0, 365 * 24 * 3600));
                line.Clear();
                line.Append(CustomerId(c)).Append(',')
                    .Append(Email(c)).Append(',')
                    .Append(EventNames[rng.Next(EventNames.Length)]).Append(',')
                    .Append(at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append(',')
                    .Append("m").Append(seed).Append('-').Append(e).Append(',')
                    .Append(Channels[rng.Next(Channels.Length)]).Append(',')
                    .Append("SKU-").Append(rng.Next(1, 5000).ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append((rng.Next(100, 20000) / 100m).ToString("0.00", CultureInfo.InvariantCulture));
                w.WriteLine(line);
            }
        }

        File.Move(tmp, path, overwrite: true);
        return path;
    }

    public static string Load()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
