using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;

namespace Obsess.Features.FollowUps;

public sealed record TaskFilter(bool Mine, Guid? TeamId, string? Status, bool Overdue);

public sealed record TaskListItem(
    Guid Id, Guid CustomerId, string? CustomerName, string Reason, string Status, Guid? OwnerId, string? OwnerName,
    Guid? TeamId, string? TeamName, DateTime DueAt, bool Overdue, DateTime CreatedAt, DateTime? ClosedAt, string? Outcome);

public sealed record TaskPage(IReadOnlyList<TaskListItem> Items, int Total, int Page, int Pages);

public sealed record OrderLine(DateTime OrderedAt, decimal Amount, string Currency, string Channel, int Items);

public sealed record CustomerContext(
    Guid Id, string? Name, string? Email, string? Phone, double? HealthScore, string? HealthBand, double? ChurnProbability,
    double? HistoricClv, IReadOnlyList<OrderLine> RecentOrders);

public sealed record FeedbackLine(Guid Id, string Metric, double? Score, string? Comment, bool ChurnThreat, string Source, Guid? SurveyId, string? QuestionId, string? Touchpoint, string? Channel, DateTime OccurredAt);

public sealed record TaskDetail(TaskListItem Task, string? OutcomeNote, string? ClosedBy, CustomerContext Customer, IReadOnlyList<FeedbackLine> Feedback);

public sealed record AssignRequest(Guid? UserId);

public sealed record CloseRequest(string? Outcome, string? Note);

/// <summary>Why an assignment or close was refused, for the API to turn into the right status.</summary>
public enum TaskChange
{
    Done,
    NotFound,
    AlreadyClosed,
    Invalid,
}

/// <summary>Working the follow-up tasks: list them, read one with its customer's context, assign and close them.</summary>
public sealed class FollowUpTasks(ObsessDb db, TimeProvider clock)
{
    public async Task<TaskPage> ListAsync(TaskFilter filter, Guid? caller, int page, int pageSize, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var q = db.FollowUpTasks.AsNoTracking();
        if (filter.Mine)
        {
            // Without a user (an API key) nothing is "mine"; unassigned tasks must not show up as such.
            q = caller is { } me ? q.Where(t => t.OwnerId == me) : q.Where(t => false);
        }

        if (filter.TeamId is { } team)
        {
            q = q.Where(t => t.TeamId == team);
        }

        if (filter.Status is { } status)
        {
            q = q.Where(t => t.Status == status);
        }

        if (filter.Overdue)
        {
            q = q.Where(t => t.Status == TaskStatuses.Open && t.DueAt < now);
        }

        var total = await q.CountAsync(ct).ConfigureAwait(false);
        var rows = await q
            .OrderBy(t => t.Status == TaskStatuses.Open ? 0 : 1).ThenBy(t => t.DueAt).ThenBy(t => t.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(ct).ConfigureAwait(false);
        var items = await DescribeAsync(rows, now, ct).ConfigureAwait(false);
        return new TaskPage(items, total, page, Math.Max(1, (total + pageSize - 1) / pageSize));
    }

    private async Task<List<TaskListItem>> DescribeAsync(List<FollowUpTask> rows, DateTime now, CancellationToken ct)
    {
        var customerIds = rows.Select(t => t.CustomerId).Distinct().ToList();
        var ownerIds = rows.Where(t => t.OwnerId != null).Select(t => t.OwnerId!.Value).Distinct().ToList();
        var customers = await db.Customers.Where(c => customerIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct).ConfigureAwait(false);
        var owners = await db.Users.Where(u => ownerIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Name, ct).ConfigureAwait(false);
        var teams = await db.FollowUpTeams.ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        return [.. rows.Select(t => new TaskListItem(
            t.Id, t.CustomerId, customers.GetValueOrDefault(t.CustomerId), t.Reason, t.Status, t.OwnerId,
            t.OwnerId is { } o ? owners.GetValueOrDefault(o) : null, t.TeamId, t.TeamId is { } tm ? teams.GetValueOrDefault(tm) : null,
            t.DueAt, IsOverdue(t, now), t.CreatedAt, t.ClosedAt, t.Outcome))];
    }

    public static bool IsOverdue(FollowUpTask t, DateTime now) => t.Status == TaskStatuses.Open && t.DueAt < now;

    public async Task<TaskDetail?> GetAsync(Guid id, CancellationToken ct = default)
    {
        var task = await db.FollowUpTasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct).ConfigureAwait(false);
        if (task is null)
        {
            return null;
        }

        var item = (await DescribeAsync([task], clock.GetUtcNow().UtcDateTime, ct).ConfigureAwait(false))[0];
        var customer = await db.Customers.AsNoTracking().FirstAsync(c => c.Id == task.CustomerId, ct).ConfigureAwait(false);
        var score = await db.Scores.AsNoTracking().FirstOrDefaultAsync(s => s.CustomerId == task.CustomerId, ct).ConfigureAwait(false);
        var orders = await db.Orders.AsNoTracking().Where(o => o.CustomerId == task.CustomerId)
            .OrderByDescending(o => o.OrderedAt).Take(5)
            .Select(o => new OrderLine(o.OrderedAt, o.Amount, o.Currency, o.Channel, o.Items))
            .ToListAsync(ct).ConfigureAwait(false);
        var context = new CustomerContext(customer.Id, customer.Name, customer.Email, customer.Phone, score?.HealthScore, score?.HealthBand, score?.ChurnProbability, score?.HistoricClv, orders);

        // The whole response the task came from: every answer of it, with the comment's words.
        var trigger = await db.Feedback.AsNoTracking().FirstOrDefaultAsync(f => f.Id == task.FeedbackId, ct).ConfigureAwait(false);
        var rows = trigger is null ? []
            : trigger.ResponseId is { } response
                ? await db.Feedback.AsNoTracking().Where(f => f.ResponseId == response).OrderBy(f => f.OccurredAt).ThenBy(f => f.QuestionId).ToListAsync(ct).ConfigureAwait(false)
                : [trigger];
        var textIds = rows.Where(f => f.TextId != null).Select(f => f.TextId!.Value).ToList();
        var texts = await db.Texts.AsNoTracking().Where(t => textIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct).ConfigureAwait(false);
        var feedback = rows.Select(f =>
        {
            var text = f.TextId is { } tid ? texts.GetValueOrDefault(tid) : null;
            return new FeedbackLine(f.Id, f.Metric, f.Score, text?.Body, text?.ChurnThreat ?? false, f.Source, f.SurveyId, f.QuestionId, f.Touchpoint, f.Channel, f.OccurredAt);
        }).ToList();
        return new TaskDetail(item, task.OutcomeNote, task.ClosedBy, context, feedback);
    }

    /// <summary>
    /// Assigns a task. Agents take tasks for themselves; managers and admins give them to anyone who works
    /// follow-ups (an active agent, manager or admin). A null user unassigns (managers only).
    /// </summary>
    public async Task<(TaskChange Result, Dictionary<string, string[]> Errors)> AssignAsync(Guid id, Guid? userId, Guid? caller, bool callerIsManager, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        var task = await db.FollowUpTasks.FirstOrDefaultAsync(t => t.Id == id, ct).ConfigureAwait(false);
        if (task is null)
        {
            return (TaskChange.NotFound, errors);
        }

        if (task.Status != TaskStatuses.Open)
        {
            return (TaskChange.AlreadyClosed, errors);
        }

        if (!callerIsManager && (userId is null || userId != caller))
        {
            errors["userId"] = ["Agents can assign a task only to themselves; a manager assigns it to others."];
            return (TaskChange.Invalid, errors);
        }

        if (userId is { } uid)
        {
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == uid, ct).ConfigureAwait(false);
            if (user is null || user.Disabled || user.Role == Roles.Viewer)
            {
                errors["userId"] = ["The owner must be an active agent, manager or admin of this workspace."];
                return (TaskChange.Invalid, errors);
            }
        }

        task.OwnerId = userId;
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "followup.task.assigned", $"followup-task:{task.Id}", userId is null ? "unassigned" : $"user:{userId}", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return (TaskChange.Done, errors);
    }

    public static Dictionary<string, string[]> Validate(CloseRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(r.Outcome))
        {
            errors["outcome"] = [$"Say what came of the follow-up: one of {string.Join(", ", Outcomes.All)}."];
        }
        else if (!Outcomes.All.Contains(r.Outcome))
        {
            errors["outcome"] = [$"Outcome must be one of: {string.Join(", ", Outcomes.All)}."];
        }

        if (string.IsNullOrWhiteSpace(r.Note))
        {
            errors["note"] = ["Add a note on what was said or done."];
        }
        else if (r.Note.Length > FollowUpTask.MaxNoteLength)
        {
            errors["note"] = [$"The note must be at most {FollowUpTask.MaxNoteLength} characters."];
        }

        return errors;
    }

    /// <summary>
    /// Closes an open task with its outcome. The update is conditional on the task still being open, so of two
    /// people closing it at once only one outcome is kept; a closed task's outcome is never rewritten.
    /// </summary>
    public async Task<TaskChange> CloseAsync(Guid id, CloseRequest r, string actor, CancellationToken ct = default)
    {
        if (!await db.FollowUpTasks.AnyAsync(t => t.Id == id, ct).ConfigureAwait(false))
        {
            return TaskChange.NotFound;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var note = r.Note!.Trim();
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        var changed = await db.FollowUpTasks.Where(t => t.Id == id && t.Status == TaskStatuses.Open)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, TaskStatuses.Closed)
                .SetProperty(t => t.Outcome, r.Outcome)
                .SetProperty(t => t.OutcomeNote, note)
                .SetProperty(t => t.ClosedAt, now)
                .SetProperty(t => t.ClosedBy, actor), ct).ConfigureAwait(false);
        if (changed == 0)
        {
            return TaskChange.AlreadyClosed;
        }

        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "followup.task.closed", $"followup-task:{id}", r.Outcome, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return TaskChange.Done;
    }

    /// <summary>Users who can own tasks, for the assign form.</summary>
    public async Task<List<(Guid Id, string Name)>> AssigneesAsync(CancellationToken ct = default) =>
        [.. (await db.Users.AsNoTracking().Where(u => !u.Disabled && u.Role != Roles.Viewer).OrderBy(u => u.Name)
            .Select(u => new { u.Id, u.Name }).ToListAsync(ct).ConfigureAwait(false)).Select(u => (u.Id, u.Name))];
}
