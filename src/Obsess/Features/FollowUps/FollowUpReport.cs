using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.FollowUps;

/// <summary>Customers in one group of the retention comparison, and how many came back (an order or event later).</summary>
public sealed record RetentionGroup(int Customers, int Returned, double? Share);

/// <summary>
/// How well the loop is closed over the tasks opened in the last <see cref="Days"/> days: closure rate, time to
/// close, overdue tasks, and whether customers who were reached stayed more often than those who were not.
/// </summary>
public sealed record LoopReport(
    int Days,
    DateTime From,
    int Tasks,
    int Closed,
    double? ClosureRate,
    double? MedianHoursToClose,
    double? P90HoursToClose,
    int Overdue,
    RetentionGroup FollowedUp,
    RetentionGroup NotFollowedUp);

/// <summary>A task as the report sees it.</summary>
public sealed record ReportTask(Guid CustomerId, string Status, DateTime CreatedAt, DateTime DueAt, DateTime? ClosedAt, string? Outcome);

public sealed class FollowUpReports(ObsessDb db, TimeProvider clock)
{
    public async Task<LoopReport> GetAsync(int days, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var from = now.AddDays(-days);
        var tasks = await db.FollowUpTasks.AsNoTracking().Where(t => t.CreatedAt >= from)
            .Select(t => new ReportTask(t.CustomerId, t.Status, t.CreatedAt, t.DueAt, t.ClosedAt, t.Outcome))
            .ToListAsync(ct).ConfigureAwait(false);
        var overdue = await db.FollowUpTasks.CountAsync(t => t.Status == TaskStatuses.Open && t.DueAt < now, ct).ConfigureAwait(false);

        var anchors = RetentionAnchors(tasks, now);
        var customers = anchors.Keys.ToList();
        var lastOrder = new Dictionary<Guid, DateTime>();
        var lastEvent = new Dictionary<Guid, DateTime>();
        foreach (var chunk in customers.Chunk(500))
        {
            foreach (var row in await db.Orders.Where(o => chunk.Contains(o.CustomerId)).GroupBy(o => o.CustomerId)
                         .Select(g => new { g.Key, Last = g.Max(o => o.OrderedAt) }).ToListAsync(ct).ConfigureAwait(false))
            {
                lastOrder[row.Key] = row.Last;
            }

            foreach (var row in await db.Events.Where(e => chunk.Contains(e.CustomerId)).GroupBy(e => e.CustomerId)
                         .Select(g => new { g.Key, Last = g.Max(e => e.OccurredAt) }).ToListAsync(ct).ConfigureAwait(false))
            {
                lastEvent[row.Key] = row.Last;
            }
        }

        return Compute(days, from, tasks, overdue, anchors, c => Latest(lastOrder, lastEvent, c));
    }

    private static DateTime? Latest(Dictionary<Guid, DateTime> orders, Dictionary<Guid, DateTime> events, Guid customer)
    {
        DateTime? o = orders.TryGetValue(customer, out var a) ? a : null;
        DateTime? e = events.TryGetValue(customer, out var b) ? b : null;
        return o is null ? e : e is null ? o : (o > e ? o : e);
    }

    /// <summary>
    /// Each customer's group and the moment from which a later order or event counts as "stayed":
    /// followed up (a task closed as resolved or contacted; from the first such close) or not followed up (a task
    /// past due without being reached, or closed without reaching them; from when the task was opened). Tasks still
    /// open and not yet due are in progress and in neither group. Someone in both counts as followed up.
    /// </summary>
    public static Dictionary<Guid, (bool FollowedUp, DateTime From)> RetentionAnchors(IEnumerable<ReportTask> tasks, DateTime now)
    {
        var result = new Dictionary<Guid, (bool FollowedUp, DateTime From)>();
        foreach (var t in tasks)
        {
            if (t.Status == TaskStatuses.Closed && Outcomes.Reached(t.Outcome) && t.ClosedAt is { } closed)
            {
                result[t.CustomerId] = result.TryGetValue(t.CustomerId, out var had) && had.FollowedUp && had.From <= closed ? had : (true, closed);
            }
            else if (t.Status == TaskStatuses.Closed || t.DueAt < now)
            {
                if (!result.TryGetValue(t.CustomerId, out var had) || (!had.FollowedUp && had.From > t.CreatedAt))
                {
                    result[t.CustomerId] = (false, t.CreatedAt);
                }
            }
        }

        return result;
    }

    /// <summary>The report's figures from the tasks and each customer's latest order or event; pure, for tests.</summary>
    public static LoopReport Compute(
        int days, DateTime from, IReadOnlyList<ReportTask> tasks, int overdue,
        IReadOnlyDictionary<Guid, (bool FollowedUp, DateTime From)> anchors, Func<Guid, DateTime?> lastActivity)
    {
        var closed = tasks.Where(t => t.Status == TaskStatuses.Closed && t.ClosedAt is not null).ToList();
        var hours = closed.Select(t => (t.ClosedAt!.Value - t.CreatedAt).TotalHours).Order().ToList();
        var followed = anchors.Where(a => a.Value.FollowedUp).ToList();
        var notFollowed = anchors.Where(a => !a.Value.FollowedUp).ToList();
        return new LoopReport(
            days,
            from,
            tasks.Count,
            closed.Count,
            tasks.Count == 0 ? null : (double)closed.Count / tasks.Count,
            FollowUpDecisions.Quantile(hours, 0.5),
            FollowUpDecisions.Quantile(hours, 0.9),
            overdue,
            Group(followed),
            Group(notFollowed));

        RetentionGroup Group(List<KeyValuePair<Guid, (bool FollowedUp, DateTime From)>> group)
        {
            var returned = group.Count(g => lastActivity(g.Key) is { } last && last > g.Value.From);
            return new RetentionGroup(group.Count, returned, group.Count == 0 ? null : (double)returned / group.Count);
        }
    }
}
