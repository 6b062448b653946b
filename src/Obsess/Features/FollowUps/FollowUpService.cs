using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Feedback;

namespace Obsess.Features.FollowUps;

public sealed record RuleView(Guid Id, string Name, string Kind, string? Metric, double? MaxScore, int DueHours, Guid? TeamId, string? TeamName, bool Enabled, DateTime CreatedAt);

public sealed record RuleRequest(string? Name, string? Kind, string? Metric, double? MaxScore, int? DueHours, Guid? TeamId, bool? Enabled);

public sealed record TeamMemberView(Guid UserId, string Name, string Email, bool Disabled, int Position);

public sealed record TeamView(Guid Id, string Name, IReadOnlyList<TeamMemberView> Members);

public sealed record TeamRequest(string? Name, IReadOnlyList<Guid>? MemberIds);

/// <summary>
/// The closed loop's rules and teams, and the step the background job runs: open a task for each matching feedback
/// response that has none yet, owned by the next member of the rule's team.
/// </summary>
public sealed class FollowUpService(ObsessDb db, TimeProvider clock)
{
    /// <summary>Feedback older than this is history, not something to call a customer back about.</summary>
    public static readonly TimeSpan MaxFeedbackAge = TimeSpan.FromDays(14);

    private static readonly string[] ScoreMetrics = [FeedbackMetrics.Nps, FeedbackMetrics.Csat, FeedbackMetrics.Ces, FeedbackMetrics.Rating];

    /// <summary>NPS ≤ 6 and CSAT ≤ 2 within 48 hours, churn threats within 24: created once per workspace.</summary>
    public async Task EnsureDefaultRulesAsync(CancellationToken ct = default)
    {
        var settings = await db.LoopSettings.FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (settings?.DefaultRulesAt is not null)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (settings is null)
        {
            settings = new LoopSettings { WorkspaceId = db.CurrentWorkspaceId, UpdatedAt = now };
            db.LoopSettings.Add(settings);
        }

        settings.DefaultRulesAt = now;
        Rule("Detractors (NPS 0–6)", RuleKinds.Score, FeedbackMetrics.Nps, 6, 48);
        Rule("Dissatisfied (CSAT 1–2)", RuleKinds.Score, FeedbackMetrics.Csat, 2, 48);
        Rule("Churn threat in a comment", RuleKinds.ChurnThreat, null, null, 24);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another request or node created them at the same moment (the settings row is the guard).
            db.ChangeTracker.Clear();
        }

        void Rule(string name, string kind, string? metric, double? max, int hours) => db.FollowUpRules.Add(new FollowUpRule
        {
            WorkspaceId = db.CurrentWorkspaceId,
            Id = Guid.CreateVersion7(),
            Name = name,
            Kind = kind,
            Metric = metric,
            MaxScore = max,
            DueHours = hours,
            Enabled = true,
            CreatedAt = now,
        });
    }

    /// <summary>
    /// Opens the missing tasks and returns how many. Idempotent: a response that already has a task (from any
    /// rule, any run, any node) gets no second one; the unique trigger key is the last guard.
    /// </summary>
    public async Task<int> OpenTasksAsync(CancellationToken ct = default)
    {
        await EnsureDefaultRulesAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - MaxFeedbackAge;
        var rules = await db.FollowUpRules.AsNoTracking().Where(r => r.Enabled).ToListAsync(ct).ConfigureAwait(false);
        var matches = new List<RuleMatch>();
        foreach (var rule in rules)
        {
            if (rule.Kind == RuleKinds.Score && rule.Metric is { } metric && rule.MaxScore is { } max)
            {
                var rows = await db.Feedback.AsNoTracking()
                    .Where(f => f.Metric == metric && f.Score != null && f.Score <= max && f.CustomerId != null && f.OccurredAt >= since)
                    .Select(f => new { f.Id, f.ResponseId, CustomerId = f.CustomerId!.Value, Score = f.Score!.Value, f.OccurredAt })
                    .ToListAsync(ct).ConfigureAwait(false);
                matches.AddRange(rows.Select(f => new RuleMatch(f.Id, f.ResponseId, f.CustomerId, rule, FollowUpDecisions.ScoreReason(metric, f.Score, max), f.OccurredAt)));
            }
            else if (rule.Kind == RuleKinds.ChurnThreat)
            {
                // The text engine flags churn threats after the comment arrived; an analysed text is picked up at the next run.
                var rows = await db.Feedback.AsNoTracking()
                    .Where(f => f.TextId != null && f.CustomerId != null && f.OccurredAt >= since
                        && db.Texts.Any(t => t.Id == f.TextId && t.ChurnThreat && t.AnalysisVersion != null))
                    .Select(f => new { f.Id, f.ResponseId, CustomerId = f.CustomerId!.Value, f.OccurredAt })
                    .ToListAsync(ct).ConfigureAwait(false);
                matches.AddRange(rows.Select(f => new RuleMatch(f.Id, f.ResponseId, f.CustomerId, rule, FollowUpDecisions.ChurnThreatReason, f.OccurredAt)));
            }
        }

        var plans = FollowUpDecisions.Plan(matches, now);
        if (plans.Count == 0)
        {
            return 0;
        }

        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in plans.Select(p => p.TriggerKey).Chunk(500))
        {
            existing.UnionWith(await db.FollowUpTasks.Where(t => chunk.Contains(t.TriggerKey)).Select(t => t.TriggerKey).ToListAsync(ct).ConfigureAwait(false));
        }

        var opened = 0;
        foreach (var plan in plans.Where(p => !existing.Contains(p.TriggerKey)))
        {
            var task = new FollowUpTask
            {
                WorkspaceId = db.CurrentWorkspaceId,
                Id = Guid.CreateVersion7(),
                TriggerKey = plan.TriggerKey,
                RuleId = plan.Rule.Id,
                FeedbackId = plan.FeedbackId,
                CustomerId = plan.CustomerId,
                TeamId = plan.Rule.TeamId,
                Reason = plan.Reason,
                Status = TaskStatuses.Open,
                DueAt = plan.DueAt,
                CreatedAt = now,
            };
            task.OwnerId = plan.Rule.TeamId is { } teamId ? await RotateAsync(teamId, ct).ConfigureAwait(false) : null;
            db.FollowUpTasks.Add(task);
            try
            {
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                opened++;
            }
            catch (DbUpdateException)
            {
                // The unique trigger key: another run got there first. Its rotation step is not repeated either.
                db.ChangeTracker.Clear();
            }
        }

        return opened;
    }

    /// <summary>Advances the team's rotation to its next active member (tracked; saved with the task).</summary>
    private async Task<Guid?> RotateAsync(Guid teamId, CancellationToken ct)
    {
        var team = await db.FollowUpTeams.FirstOrDefaultAsync(t => t.Id == teamId, ct).ConfigureAwait(false);
        if (team is null)
        {
            return null;
        }

        var members = await (from m in db.FollowUpTeamMembers
                             join u in db.Users on m.UserId equals u.Id
                             where m.TeamId == teamId
                             select new RotationMember(m.UserId, m.Position, !u.Disabled && u.Role != Roles.Viewer))
            .ToListAsync(ct).ConfigureAwait(false);
        var next = FollowUpDecisions.NextMember(members, team.RotationPosition);
        if (next is null)
        {
            return null;
        }

        team.RotationPosition = next.Position;
        return next.UserId;
    }

    public async Task<List<RuleView>> RulesAsync(CancellationToken ct = default)
    {
        await EnsureDefaultRulesAsync(ct).ConfigureAwait(false);
        var teams = await db.FollowUpTeams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        var rules = await db.FollowUpRules.AsNoTracking().OrderBy(r => r.CreatedAt).ThenBy(r => r.Name).ToListAsync(ct).ConfigureAwait(false);
        return [.. rules.Select(r => View(r, teams))];
    }

    private static RuleView View(FollowUpRule r, IReadOnlyDictionary<Guid, string> teams) =>
        new(r.Id, r.Name, r.Kind, r.Metric, r.MaxScore, r.DueHours, r.TeamId, r.TeamId is { } t ? teams.GetValueOrDefault(t) : null, r.Enabled, r.CreatedAt);

    public async Task<Dictionary<string, string[]>> ValidateAsync(RuleRequest r, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Trim().Length > 100)
        {
            errors["name"] = ["Name must be 1 to 100 characters."];
        }

        if (r.Kind is null || !RuleKinds.All.Contains(r.Kind))
        {
            errors["kind"] = [$"Kind must be one of: {string.Join(", ", RuleKinds.All)}."];
        }
        else if (r.Kind == RuleKinds.Score)
        {
            if (FollowUpDecisions.Scale(r.Metric) is not { } scale)
            {
                errors["metric"] = [$"A score rule needs a metric, one of: {string.Join(", ", ScoreMetrics)}."];
            }
            else if (r.MaxScore is not { } max || double.IsNaN(max) || max < scale.Min || max > scale.Max)
            {
                errors["maxScore"] = [$"A score rule needs a threshold between {scale.Min} and {scale.Max} for {r.Metric}."];
            }
        }
        else if (r.Metric is not null || r.MaxScore is not null)
        {
            errors["metric"] = ["A churn-threat rule has no metric or threshold."];
        }

        if (r.DueHours is not (>= 1 and <= 720))
        {
            errors["dueHours"] = ["The due time must be between 1 and 720 hours."];
        }

        if (r.TeamId is { } team && !await db.FollowUpTeams.AnyAsync(t => t.Id == team, ct).ConfigureAwait(false))
        {
            errors["teamId"] = ["No such team in this workspace."];
        }

        return errors;
    }

    public async Task<RuleView> CreateRuleAsync(RuleRequest r, string actor, CancellationToken ct = default)
    {
        await EnsureDefaultRulesAsync(ct).ConfigureAwait(false);
        var rule = new FollowUpRule
        {
            WorkspaceId = db.CurrentWorkspaceId,
            Id = Guid.CreateVersion7(),
            Name = r.Name!.Trim(),
            Kind = r.Kind!,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        Apply(rule, r);
        db.FollowUpRules.Add(rule);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "followup.rule.created", $"followup-rule:{rule.Id}", rule.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return (await RulesAsync(ct).ConfigureAwait(false)).First(v => v.Id == rule.Id);
    }

    public async Task<RuleView?> UpdateRuleAsync(Guid id, RuleRequest r, string actor, CancellationToken ct = default)
    {
        var rule = await db.FollowUpRules.FirstOrDefaultAsync(x => x.Id == id, ct).ConfigureAwait(false);
        if (rule is null)
        {
            return null;
        }

        rule.Name = r.Name!.Trim();
        rule.Kind = r.Kind!;
        Apply(rule, r);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "followup.rule.updated", $"followup-rule:{rule.Id}", rule.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return (await RulesAsync(ct).ConfigureAwait(false)).First(v => v.Id == rule.Id);
    }

    private static void Apply(FollowUpRule rule, RuleRequest r)
    {
        rule.Metric = rule.Kind == RuleKinds.Score ? r.Metric : null;
        rule.MaxScore = rule.Kind == RuleKinds.Score ? r.MaxScore : null;
        rule.DueHours = r.DueHours!.Value;
        rule.TeamId = r.TeamId;
        rule.Enabled = r.Enabled ?? true;
    }

    /// <summary>Deletes a rule; tasks it opened stay (they name their reason).</summary>
    public async Task<bool> DeleteRuleAsync(Guid id, string actor, CancellationToken ct = default)
    {
        var rule = await db.FollowUpRules.FirstOrDefaultAsync(x => x.Id == id, ct).ConfigureAwait(false);
        if (rule is null)
        {
            return false;
        }

        db.FollowUpRules.Remove(rule);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "followup.rule.deleted", $"followup-rule:{rule.Id}", rule.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return true;
    }

    public async Task<List<TeamView>> TeamsAsync(CancellationToken ct = default)
    {
        var teams = await db.FollowUpTeams.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct).ConfigureAwait(false);
        var members = await (from m in db.FollowUpTeamMembers
                             join u in db.Users on m.UserId equals u.Id
                             orderby m.Position
                             select new { m.TeamId, View = new TeamMemberView(u.Id, u.Name, u.Email, u.Disabled, m.Position) })
            .ToListAsync(ct).ConfigureAwait(false);
        return [.. teams.Select(t => new TeamView(t.Id, t.Name, [.. members.Where(m => m.TeamId == t.Id).Select(m => m.View)]))];
    }

    public async Task<Dictionary<string, string[]>> ValidateAsync(TeamRequest r, Guid? id, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        var name = r.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            errors["name"] = ["Name must be 1 to 100 characters."];
        }
        else if (await db.FollowUpTeams.AnyAsync(t => t.Name == name && t.Id != id, ct).ConfigureAwait(false))
        {
            errors["name"] = ["Another team has this name."];
        }

        var ids = r.MemberIds ?? [];
        if (ids.Count > 200)
        {
            errors["memberIds"] = ["A team has at most 200 members."];
        }
        else if (ids.Distinct().Count() != ids.Count)
        {
            errors["memberIds"] = ["A user is listed twice."];
        }
        else if (ids.Count > 0)
        {
            var found = await db.Users.Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.Role }).ToListAsync(ct).ConfigureAwait(false);
            if (found.Count != ids.Count)
            {
                errors["memberIds"] = ["Every member must be a user of this workspace."];
            }
            else if (found.Any(u => u.Role == Roles.Viewer))
            {
                errors["memberIds"] = ["Viewers cannot work follow-ups; give them the agent role first."];
            }
        }

        return errors;
    }

    public async Task<TeamView> SaveTeamAsync(Guid? id, TeamRequest r, string actor, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        FollowUpTeam? team = null;
        if (id is { } existing)
        {
            team = await db.FollowUpTeams.FirstAsync(t => t.Id == existing, ct).ConfigureAwait(false);
            team.Name = r.Name!.Trim();
            await db.FollowUpTeamMembers.Where(m => m.TeamId == existing).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            team.RotationPosition = -1;
        }
        else
        {
            team = new FollowUpTeam { WorkspaceId = db.CurrentWorkspaceId, Id = Guid.CreateVersion7(), Name = r.Name!.Trim(), CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.FollowUpTeams.Add(team);
        }

        var position = 0;
        foreach (var userId in r.MemberIds ?? [])
        {
            db.FollowUpTeamMembers.Add(new FollowUpTeamMember { WorkspaceId = db.CurrentWorkspaceId, TeamId = team.Id, UserId = userId, Position = position++ });
        }

        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, id is null ? "followup.team.created" : "followup.team.updated", $"followup-team:{team.Id}", $"{team.Name}: {position} members", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await TeamsAsync(ct).ConfigureAwait(false)).First(t => t.Id == team.Id);
    }

    public async Task<bool> TeamExistsAsync(Guid id, CancellationToken ct = default) =>
        await db.FollowUpTeams.AnyAsync(t => t.Id == id, ct).ConfigureAwait(false);

    /// <summary>Deletes a team; its rules and tasks keep working without it (new tasks stay unassigned).</summary>
    public async Task<bool> DeleteTeamAsync(Guid id, string actor, CancellationToken ct = default)
    {
        var team = await db.FollowUpTeams.FirstOrDefaultAsync(t => t.Id == id, ct).ConfigureAwait(false);
        if (team is null)
        {
            return false;
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await db.FollowUpRules.Where(r => r.TeamId == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.TeamId, (Guid?)null), ct).ConfigureAwait(false);
        await db.FollowUpTasks.Where(t => t.TeamId == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.TeamId, (Guid?)null), ct).ConfigureAwait(false);
        db.FollowUpTeams.Remove(team);
        Audit.Audit.Record(db, db.CurrentWorkspaceId, actor, "followup.team.deleted", $"followup-team:{team.Id}", team.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }
}
