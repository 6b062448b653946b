using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Obsess.Analytics.Feedback;
using Obsess.Features.Surveys;

namespace Obsess.Features.Feedback;

/// <summary>
/// A response rate (see <see cref="FeedbackQueries.ResponseRatesAsync"/>): <see cref="Responses"/> of <see cref="Invited"/>
/// invitations (a customer asked at a touchpoint) were answered completely, ×100, with its 95% Wilson interval. <see cref="Started"/> invitations
/// began answering but did not finish (not counted as answered). <see cref="Anonymous"/> complete responses came without
/// a personal link (public page, widget, API; so, anonymous) and have no invitation to count against, so they are not in the rate.
/// </summary>
public sealed record ResponseRateView(double? Score, double[]? Ci95, long Responses, long Invited, long Started, long Anonymous, string? Warning);

public sealed record SurveyResponseRate(Guid SurveyId, string Name, ResponseRateView Rate);

/// <summary>The rate of the customers invited in one ISO week (Monday <see cref="Start"/>) or month; they may have answered later.</summary>
public sealed record RatePoint(string Period, DateOnly Start, ResponseRateView Rate);

public sealed record ResponseRates(ResponseRateView Overall, IReadOnlyList<SurveyResponseRate> Surveys, IReadOnlyList<RatePoint> Weeks, IReadOnlyList<RatePoint> Months);

public sealed partial class FeedbackQueries
{
    /// <summary>
    /// Response rates over personal links, overall, per survey and by the week and month of invitation.
    /// <para>
    /// The unit is an invitation: one customer asked about one survey at one touchpoint. Every personal link is one ask
    /// (made through <c>POST /api/surveys/{id}/links</c>, or by a trigger when it sends an invitation by e-mail or
    /// webhook). A survey that takes one answer per customer and touchpoint (the default) can only be answered once by
    /// that pair, and a trigger that retries a failed delivery makes a new link for the same customer and touchpoint, as
    /// does a link made by hand for a customer a trigger also invited there: so its links are counted once per
    /// (survey, customer, touchpoint). A survey that allows several answers (one per solved ticket, say) asks anew with
    /// every link, so each of its links counts. An invitation has responded when a complete response came through any of
    /// its links; it has started when a response came through one but none is complete. Its date is its first link's,
    /// and the period filters (from, to) select by that date, so a recent week's rate still rises as answers arrive.
    /// Links whose every delivery failed still count as invited (the links do not record their delivery), and for a
    /// survey that allows several answers a retried delivery counts as a second ask.
    /// </para>
    /// <para>
    /// The other filters apply to what the link fixed (channel, touchpoint, agent, product) and to the customer's
    /// segment; reviews have no invitations, so <c>kind=review</c> gives none.
    /// </para>
    /// </summary>
    public async Task<ResponseRates> ResponseRatesAsync(FeedbackFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var links = db.Set<SurveyLink>().AsNoTracking().Where(l => l.CustomerId != null);
        var responses = db.Set<SurveyResponse>().AsNoTracking();
        if (filter.Kind == FeedbackKinds.Review)
        {
            links = links.Where(l => false);
            responses = responses.Where(r => false);
        }

        if (filter.SurveyId is { } survey)
        {
            links = links.Where(l => l.SurveyId == survey);
            responses = responses.Where(r => r.SurveyId == survey);
        }

        if (filter.From is { } from)
        {
            var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            links = links.Where(l => l.CreatedAt >= start);
            responses = responses.Where(r => r.CompletedAt >= start);
        }

        if (filter.To is { } to)
        {
            var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            links = links.Where(l => l.CreatedAt < end);
            responses = responses.Where(r => r.CompletedAt < end);
        }

        if (filter.Channel is { } channel)
        {
            links = links.Where(l => l.Channel == channel);
            responses = responses.Where(r => r.Channel == channel);
        }

        if (filter.Touchpoint is { } touchpoint)
        {
            links = links.Where(l => l.Touchpoint == touchpoint);
            responses = responses.Where(r => r.Touchpoint == touchpoint);
        }

        if (filter.Agent is { } agent)
        {
            links = links.Where(l => l.Agent == agent);
            responses = responses.Where(r => r.Agent == agent);
        }

        if (filter.Product is { } product)
        {
            links = links.Where(l => l.Product == product);
            responses = responses.Where(r => r.Product == product);
        }

        if (filter.Segment is { } segment)
        {
            links = links.Where(l => db.Scores.Any(s => s.CustomerId == l.CustomerId && s.RfmSegment == segment));
            responses = responses.Where(r => db.Scores.Any(s => s.CustomerId == r.CustomerId && s.RfmSegment == segment));
        }

        // One row per link with whether a (complete) response came through it, folded to one row per pair, then counted
        // per survey and invitation day in the database: the result is at most surveys × days rows.
        var perLink =
            from l in links
            join sv in db.Set<Survey>().AsNoTracking() on l.SurveyId equals sv.Id
            join r in db.Set<SurveyResponse>().AsNoTracking() on (Guid?)l.Id equals r.LinkId into through
            from r in through.DefaultIfEmpty()
            select new
            {
                l.SurveyId,
                l.CustomerId,
                l.Touchpoint,
                // A survey that takes several answers per customer and touchpoint asks anew with each link.
                Ask = sv.AllowMultiple ? (Guid?)l.Id : null,
                l.CreatedAt,
                Complete = r != null && r.Status == ResponseStatuses.Complete ? 1 : 0,
                Started = r != null ? 1 : 0,
            };
        var pairs = perLink.GroupBy(x => new { x.SurveyId, x.CustomerId, x.Touchpoint, x.Ask })
            .Select(g => new { g.Key.SurveyId, First = g.Min(x => x.CreatedAt), Complete = g.Max(x => x.Complete), Started = g.Max(x => x.Started) });
        var daily = await pairs.GroupBy(p => new { p.SurveyId, p.First.Year, p.First.Month, p.First.Day })
            .Select(g => new
            {
                g.Key.SurveyId,
                g.Key.Year,
                g.Key.Month,
                g.Key.Day,
                Invited = g.LongCount(),
                Responded = g.Sum(p => (long)p.Complete),
                Started = g.Sum(p => (long)p.Started),
            })
            .ToListAsync(ct).ConfigureAwait(false);
        var anonymous = await responses.Where(r => r.LinkId == null && r.Status == ResponseStatuses.Complete)
            .GroupBy(r => r.SurveyId).Select(g => new { SurveyId = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(x => x.SurveyId, x => x.Count, ct).ConfigureAwait(false);

        var ids = daily.Select(d => d.SurveyId).Concat(anonymous.Keys).Distinct().ToList();
        var names = await db.Set<Survey>().AsNoTracking().Where(s => ids.Contains(s.Id))
            .ToDictionaryAsync(s => s.Id, s => s.Name, ct).ConfigureAwait(false);

        var overall = new RateTally();
        var bySurvey = ids.ToDictionary(id => id, _ => new RateTally());
        var weeks = new SortedDictionary<DateOnly, RateTally>();
        var months = new SortedDictionary<DateOnly, RateTally>();
        foreach (var d in daily)
        {
            var day = new DateOnly(d.Year, d.Month, d.Day);
            var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
            foreach (var tally in new[] { overall, bySurvey[d.SurveyId], Tally(weeks, monday), Tally(months, new DateOnly(d.Year, d.Month, 1)) })
            {
                tally.Add(d.Invited, d.Responded, d.Started);
            }
        }

        foreach (var (id, count) in anonymous)
        {
            overall.Anonymous += count;
            bySurvey[id].Anonymous += count;
        }

        return new ResponseRates(
            overall.View(),
            [.. bySurvey.Select(s => new SurveyResponseRate(s.Key, names.GetValueOrDefault(s.Key) ?? s.Key.ToString(), s.Value.View()))
                .OrderBy(s => s.Name, StringComparer.Ordinal)],
            [.. weeks.Select(w => new RatePoint(IsoWeek(w.Key), w.Key, w.Value.View()))],
            [.. months.Select(m => new RatePoint(m.Key.ToString("yyyy-MM", CultureInfo.InvariantCulture), m.Key, m.Value.View()))]);
    }

    private static RateTally Tally(SortedDictionary<DateOnly, RateTally> buckets, DateOnly key)
    {
        if (!buckets.TryGetValue(key, out var tally))
        {
            buckets[key] = tally = new RateTally();
        }

        return tally;
    }

    private sealed class RateTally
    {
        private long _invited;
        private long _responded;
        private long _started;

        public long Anonymous { get; set; }

        public void Add(long invited, long responded, long started)
        {
            _invited += invited;
            _responded += responded;
            _started += started;
        }

        public ResponseRateView View()
        {
            var rate = FeedbackScores.ResponseRate(_responded, _invited);
            var warning = _invited == 0 ? "No personal links were sent, so there is no response rate."
                : _invited < FeedbackScores.SmallSample ? $"Only {_invited} invited: fewer than {FeedbackScores.SmallSample}, so the rate is uncertain."
                : null;
            return new ResponseRateView(rate.Score, rate.Ci95 is { } ci ? [ci.Low, ci.High] : null, _responded, _invited, _started - _responded, Anonymous, warning);
        }
    }
}
