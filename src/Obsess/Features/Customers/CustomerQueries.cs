using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Customers;

public sealed record PagedList<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total)
{
    public int Pages => Total == 0 ? 1 : (Total + PageSize - 1) / PageSize;
}

public sealed record CustomerListItem(Guid Id, string? Name, string? Email, string? Phone, DateTime FirstSeenAt, DateTime LastSeenAt, int Orders, decimal Revenue, double? Clv12m = null, double? ChurnProbability = null, string? Segment = null, double? HealthScore = null, string? HealthBand = null);

/// <summary>Narrows the customer list to an RFM segment and/or a health band.</summary>
public sealed record CustomerFilter(string? Segment = null, string? HealthBand = null);

/// <summary>How the customer list is ordered.</summary>
public enum CustomerSort
{
    Recent,
    Value,
    Risk,
    ValueAtRisk,
}

public sealed record IdentityView(string Kind, string Source, string Value, DateTime FirstSeenAt);

public sealed record CustomerBasics(DateTime FirstSeenAt, DateTime LastSeenAt, int Orders, decimal Revenue, decimal AverageOrderValue, DateTime? LastOrderAt, IReadOnlyList<string> Channels, IReadOnlyList<string> Sources);

public sealed record TimelineEntry(string Kind, DateTime At, string Title, string Source, string Channel, decimal? Amount, string? Details);

public sealed record CustomerProfile(
    Guid Id,
    string? Name,
    string? Email,
    string? Phone,
    IReadOnlyDictionary<string, JsonElement> Traits,
    IReadOnlyDictionary<string, ConsentState> Consent,
    IReadOnlyList<IdentityView> Identities,
    CustomerBasics Basics,
    CustomerOutlook? Outlook,
    PagedList<TimelineEntry> Timeline);

/// <summary>What the models expect of a customer (null parts: not computed yet, or not enough data).</summary>
public sealed record CustomerOutlook(
    DateTime ComputedAt,
    double HistoricClv,
    double? ProbabilityAlive,
    double? ExpectedPurchases12m,
    double? ExpectedSpend,
    double? Clv12m,
    double? ChurnProbability,
    IReadOnlyList<OutlookReason> ChurnReasons,
    string? RfmSegment,
    int RfmRecency,
    int RfmFrequency,
    int RfmMonetary,
    double? HealthScore,
    string? HealthBand,
    IReadOnlyList<HealthPart> Health);

/// <summary>One measure of the health scorecard for this customer: its value, its 0–100 score, its weight and the points it gives.</summary>
public sealed record HealthPart(string Name, double? Value, double? Score, double AppliedWeight, double Points);

public sealed record OutlookReason(string Column, string Description, double Contribution);

public sealed record TimelineFilter(string? Kind = null, string? Source = null, string? Channel = null, int Page = 1, int PageSize = 25);

/// <summary>Reads customers for the list, the search and the 360° profile. Every query runs in the current workspace.</summary>
public sealed class CustomerQueries(ObsessDb db)
{
    public const int MaxPageSize = 200;

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public async Task<PagedList<CustomerListItem>> SearchAsync(string? query, int page, int pageSize, CustomerSort sort, CustomerFilter filter, CancellationToken ct = default)
    {
        var customers = db.Customers.AsNoTracking().Where(c => c.MergedIntoId == null);
        if (filter.Segment is { } segment)
        {
            customers = customers.Where(c => db.Scores.Any(s => s.CustomerId == c.Id && s.RfmSegment == segment));
        }

        if (filter.HealthBand is { } band)
        {
            customers = customers.Where(c => db.Scores.Any(s => s.CustomerId == c.Id && s.HealthBand == band));
        }

        if (!string.IsNullOrWhiteSpace(query))
        {
            var q = query.Trim().ToLowerInvariant();
            var digits = new string(q.Where(char.IsAsciiDigit).ToArray());
            var byIdentity = db.Identities.Where(i => i.Value == q || (digits.Length >= 6 && i.Value.EndsWith(digits))).Select(i => i.CustomerId);
            customers = customers.Where(c =>
                (c.Name != null && c.Name.ToLower().Contains(q))
                || (c.Email != null && c.Email.Contains(q))
                || byIdentity.Contains(c.Id));
        }

        var total = await customers.CountAsync(ct).ConfigureAwait(false);
        var ordered = sort switch
        {
            CustomerSort.Value => customers.OrderByDescending(c => db.Scores.Where(s => s.CustomerId == c.Id).Select(s => s.Clv12m).FirstOrDefault() ?? -1),
            CustomerSort.Risk => customers.OrderByDescending(c => db.Scores.Where(s => s.CustomerId == c.Id).Select(s => s.ChurnProbability).FirstOrDefault() ?? -1),
            // High-value customers at risk: the value a customer would take with them, weighted by the risk of losing it.
            CustomerSort.ValueAtRisk => customers.OrderByDescending(c => db.Scores.Where(s => s.CustomerId == c.Id).Select(s => (s.Clv12m ?? 0) * (s.ChurnProbability ?? 0)).FirstOrDefault()),
            _ => customers.OrderByDescending(c => c.LastSeenAt),
        };
        var rows = await ordered.ThenBy(c => c.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(ct).ConfigureAwait(false);
        var ids = rows.Select(r => r.Id).ToList();
        var scores = await db.Scores.AsNoTracking().Where(s => ids.Contains(s.CustomerId))
            .Select(s => new { s.CustomerId, s.Clv12m, s.ChurnProbability, s.RfmSegment, s.HealthScore, s.HealthBand }).ToDictionaryAsync(s => s.CustomerId, ct).ConfigureAwait(false);
        var orders = await db.Orders.AsNoTracking().Where(o => ids.Contains(o.CustomerId))
            .Select(o => new { o.CustomerId, o.Amount }).ToListAsync(ct).ConfigureAwait(false);
        var stats = orders.GroupBy(o => o.CustomerId).ToDictionary(g => g.Key, g => (Count: g.Count(), Sum: g.Sum(o => o.Amount)));
        var items = rows.Select(c =>
        {
            var s = stats.GetValueOrDefault(c.Id);
            var score = scores.GetValueOrDefault(c.Id);
            return new CustomerListItem(c.Id, c.Name, c.Email, c.Phone, c.FirstSeenAt, c.LastSeenAt, s.Count, s.Sum, score?.Clv12m, score?.ChurnProbability, score?.RfmSegment, score?.HealthScore, score?.HealthBand);
        }).ToList();
        return new PagedList<CustomerListItem>(items, page, pageSize, total);
    }

    public async Task<CustomerProfile?> GetAsync(Guid id, TimelineFilter filter, CancellationToken ct = default)
    {
        // The customer and its scores in one query (at most one score row per customer).
        async Task<(Customer? Customer, Intelligence.CustomerScore? Score)> LoadAsync(Guid customerId)
        {
            var row = await (from c in db.Customers.AsNoTracking()
                             where c.Id == customerId
                             join sc in db.Scores.AsNoTracking() on c.Id equals sc.CustomerId into scores
                             from sc in scores.DefaultIfEmpty()
                             select new { Customer = c, Score = sc })
                .FirstOrDefaultAsync(ct).ConfigureAwait(false);
            return (row?.Customer, row?.Score);
        }

        var (customer, score) = await LoadAsync(id).ConfigureAwait(false);

        // An id that was merged away still finds the person: follow it to the surviving profile.
        for (var hops = 0; customer?.MergedIntoId is { } next && hops < 16; hops++)
        {
            (customer, score) = await LoadAsync(next).ConfigureAwait(false);
        }

        if (customer is null)
        {
            return null;
        }

        id = customer.Id;

        var ofCustomer = db.Identities.AsNoTracking().Where(i => i.CustomerId == id);
        List<IdentityView> identities;
        if (db.IsSqlite)
        {
            // Sorted here, not in SQL: given ORDER BY kind, source, value, SQLite's planner walks the workspace's
            // whole (kind, source, value) unique index instead of the customer_id index (tens of ms at 100k
            // customers). Ordinal order is SQLite's BINARY collation, so the order is the same.
            identities = (await ofCustomer.Select(i => new IdentityView(i.Kind, i.Source, i.Value, i.FirstSeenAt)).ToListAsync(ct).ConfigureAwait(false))
                .OrderBy(i => i.Kind, StringComparer.Ordinal).ThenBy(i => i.Source, StringComparer.Ordinal).ThenBy(i => i.Value, StringComparer.Ordinal)
                .ToList();
        }
        else
        {
            identities = await ofCustomer.OrderBy(i => i.Kind).ThenBy(i => i.Source).ThenBy(i => i.Value)
                .Select(i => new IdentityView(i.Kind, i.Source, i.Value, i.FirstSeenAt))
                .ToListAsync(ct).ConfigureAwait(false);
        }

        var orders = await db.Orders.AsNoTracking().Where(o => o.CustomerId == id)
            .Select(o => new { o.OrderedAt, o.Amount, o.Channel, o.Source, o.Items, o.ExternalId, o.Currency })
            .ToListAsync(ct).ConfigureAwait(false);
        // The timeline merges orders and events. Each side contributes at most the rows the requested page can
        // need, so the cost grows with the page number, not with the customer's history.
        var need = filter.Page * filter.PageSize;
        List<EventRow>? events = null;
        if (filter.Kind is null or "event")
        {
            var q = db.Events.AsNoTracking().Where(e => e.CustomerId == id);
            if (filter.Source is not null) { q = q.Where(e => e.Source == filter.Source); }
            if (filter.Channel is not null) { q = q.Where(e => e.Channel == filter.Channel); }
            events = await q.OrderByDescending(e => e.OccurredAt).Take(need)
                .Select(e => new EventRow(e.OccurredAt, e.Name, e.Source, e.Channel, e.Properties))
                .ToListAsync(ct).ConfigureAwait(false);
        }

        // Channels and sources of the customer's events with their counts: the basics, and the timeline's event total
        // for any source/channel filter. When the unfiltered page came back short it holds every event of the
        // customer (most customers), so they are counted from it; otherwise one grouped query counts them.
        var eventChannels = events is not null && events.Count < need && filter.Source is null && filter.Channel is null
            ? events.CountBy(e => (e.Channel, e.Source)).Select(g => new ChannelCount(g.Key.Channel, g.Key.Source, g.Value)).ToList()
            : await db.Events.AsNoTracking().Where(e => e.CustomerId == id)
                .GroupBy(e => new { e.Channel, e.Source })
                .Select(g => new ChannelCount(g.Key.Channel, g.Key.Source, g.Count())).ToListAsync(ct).ConfigureAwait(false);

        var revenue = orders.Sum(o => o.Amount);
        var basics = new CustomerBasics(
            customer.FirstSeenAt,
            customer.LastSeenAt,
            orders.Count,
            revenue,
            orders.Count == 0 ? 0 : Math.Round(revenue / orders.Count, 2),
            orders.Count == 0 ? null : orders.Max(o => o.OrderedAt),
            orders.Select(o => o.Channel).Concat(eventChannels.Select(e => e.Channel)).Distinct().Order(StringComparer.Ordinal).ToList(),
            orders.Select(o => o.Source).Concat(eventChannels.Select(e => e.Source)).Concat(identities.Select(i => i.Source)).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList());

        var entries = new List<TimelineEntry>();
        var total = 0;
        if (filter.Kind is null or "order")
        {
            var q = orders.AsEnumerable();
            if (filter.Source is not null) { q = q.Where(o => o.Source == filter.Source); }
            if (filter.Channel is not null) { q = q.Where(o => o.Channel == filter.Channel); }
            var list = q.ToList();
            total += list.Count;
            entries.AddRange(list.OrderByDescending(o => o.OrderedAt).Take(need).Select(o =>
                new TimelineEntry("order", o.OrderedAt, $"Order {o.ExternalId}", o.Source, o.Channel, o.Amount, $"{o.Items} item{(o.Items == 1 ? "" : "s")}, {o.Amount:0.00} {o.Currency}")));
        }

        if (events is not null)
        {
            total += eventChannels.Where(g => (filter.Source is null || g.Source == filter.Source) && (filter.Channel is null || g.Channel == filter.Channel)).Sum(g => g.Count);
            entries.AddRange(events.Select(e => new TimelineEntry("event", e.OccurredAt, e.Name, e.Source, e.Channel, null, e.Properties == "{}" ? null : e.Properties)));
        }

        var pageItems = entries.OrderByDescending(e => e.At).Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).ToList();
        var traits = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(customer.Traits) ?? [];
        var outlook = score is null ? null : new CustomerOutlook(
            score.ComputedAt, score.HistoricClv, score.ProbabilityAlive, score.ExpectedPurchases12m, score.ExpectedSpend, score.Clv12m, score.ChurnProbability,
            score.ChurnReasons is null ? [] : JsonSerializer.Deserialize<List<OutlookReason>>(score.ChurnReasons, WebJson) ?? [],
            score.RfmSegment, score.RfmRecency, score.RfmFrequency, score.RfmMonetary, score.HealthScore, score.HealthBand,
            score.HealthDetail is null ? [] : JsonSerializer.Deserialize<List<HealthPart>>(score.HealthDetail, WebJson) ?? []);
        return new CustomerProfile(customer.Id, customer.Name, customer.Email, customer.Phone, traits, Consent.Read(customer.Consent), identities, basics, outlook,
            new PagedList<TimelineEntry>(pageItems, filter.Page, filter.PageSize, total));
    }

    private sealed record EventRow(DateTime OccurredAt, string Name, string Source, string Channel, string Properties);

    private sealed record ChannelCount(string Channel, string Source, int Count);
}
