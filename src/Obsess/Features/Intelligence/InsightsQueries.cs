using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Intelligence;

public sealed record Bin(string Label, double From, double To, int Customers);

public sealed record AtRisk(Guid Id, string? Name, string? Email, double Clv12m, double ChurnProbability, double ValueAtRisk, IReadOnlyList<OutlookReason> Reasons);

public sealed record ModelRunView(string Kind, DateTime At, int Customers, double Seconds, JsonElement Summary);

public sealed record Insights(
    DateTime? ComputedAt,
    int ScoredCustomers,
    double TotalClv12m,
    IReadOnlyList<Bin> ClvDistribution,
    IReadOnlyList<AtRisk> HighValueAtRisk,
    IReadOnlyList<ModelRunView> LatestRuns);

/// <summary>The Insights page's figures, read from the scores the job computed.</summary>
public sealed class InsightsQueries(ObsessDb db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Insights> GetAsync(int atRisk = 10, CancellationToken ct = default)
    {
        var values = await db.Scores.AsNoTracking().Where(s => s.Clv12m != null).Select(s => s.Clv12m!.Value).ToListAsync(ct).ConfigureAwait(false);
        var computedAt = await db.Scores.AsNoTracking().MaxAsync(s => (DateTime?)s.ComputedAt, ct).ConfigureAwait(false);
        var top = await db.Scores.AsNoTracking()
            .Where(s => s.Clv12m != null && s.ChurnProbability != null)
            .OrderByDescending(s => s.Clv12m!.Value * s.ChurnProbability!.Value)
            .Take(atRisk)
            .Join(db.Customers, s => s.CustomerId, c => c.Id, (s, c) => new { c.Id, c.Name, c.Email, s.Clv12m, s.ChurnProbability, s.ChurnReasons })
            .ToListAsync(ct).ConfigureAwait(false);
        var runs = await db.ModelRuns.AsNoTracking().OrderByDescending(r => r.At).Take(20).ToListAsync(ct).ConfigureAwait(false);
        var latest = runs.GroupBy(r => r.Kind).Select(g => g.First())
            .Select(r => new ModelRunView(r.Kind, r.At, r.Customers, r.Seconds, JsonDocument.Parse(r.Summary).RootElement.Clone()))
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ToList();

        return new Insights(
            computedAt,
            values.Count,
            Math.Round(values.Sum(), 2),
            Histogram(values),
            top.Select(t => new AtRisk(t.Id, t.Name, t.Email, t.Clv12m!.Value, t.ChurnProbability!.Value, Math.Round(t.Clv12m.Value * t.ChurnProbability.Value, 2),
                t.ChurnReasons is null ? [] : JsonSerializer.Deserialize<List<OutlookReason>>(t.ChurnReasons, Json) ?? [])).ToList(),
            latest);
    }

    /// <summary>Customer value is heavily skewed, so the bins grow geometrically: 0–10, 10–25, 25–50, 50–100, …</summary>
    internal static List<Bin> Histogram(IReadOnlyCollection<double> values)
    {
        double[] edges = [0, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
        var bins = new List<Bin>();
        for (var i = 0; i < edges.Length; i++)
        {
            var from = edges[i];
            var to = i + 1 < edges.Length ? edges[i + 1] : double.PositiveInfinity;
            var label = double.IsPositiveInfinity(to) ? $"{from.ToString("N0", CultureInfo.InvariantCulture)}+" : $"{from.ToString("N0", CultureInfo.InvariantCulture)}–{to.ToString("N0", CultureInfo.InvariantCulture)}";
            bins.Add(new Bin(label, from, to, values.Count(v => v >= from && v < to)));
        }

        // Trailing empty bins say nothing.
        while (bins.Count > 1 && bins[^1].Customers == 0)
        {
            bins.RemoveAt(bins.Count - 1);
        }

        return bins;
    }
}
