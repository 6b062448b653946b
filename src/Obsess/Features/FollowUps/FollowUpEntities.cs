using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;

namespace Obsess.Features.FollowUps;

/// <summary>A group of users who share follow-up work; new tasks go round the members in turn.</summary>
public sealed class FollowUpTeam : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public required string Name { get; set; }

    /// <summary>The <see cref="FollowUpTeamMember.Position"/> of the member who got the last task (-1: none yet).</summary>
    public int RotationPosition { get; set; } = -1;

    public DateTime CreatedAt { get; init; }
}

public sealed class FollowUpTeamMember : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid TeamId { get; init; }

    public Guid UserId { get; init; }

    /// <summary>The member's place in the rotation (the order they were listed in).</summary>
    public int Position { get; set; }
}

/// <summary>The kinds of follow-up rule.</summary>
public static class RuleKinds
{
    /// <summary>A score (NPS, CSAT, CES, rating) at or below <see cref="FollowUpRule.MaxScore"/>.</summary>
    public const string Score = "score";

    /// <summary>A comment the text engine flagged as a churn threat.</summary>
    public const string ChurnThreat = "churn_threat";

    public static readonly IReadOnlyList<string> All = [Score, ChurnThreat];
}

/// <summary>When feedback opens a follow-up task, how soon it is due, and which team owns it.</summary>
public sealed class FollowUpRule : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public required string Name { get; set; }

    /// <summary>One of <see cref="RuleKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>For <see cref="RuleKinds.Score"/>: the feedback metric (nps, csat, ces, rating).</summary>
    public string? Metric { get; set; }

    /// <summary>For <see cref="RuleKinds.Score"/>: scores at or below this open a task.</summary>
    public double? MaxScore { get; set; }

    public int DueHours { get; set; }

    public Guid? TeamId { get; set; }

    public bool Enabled { get; set; }

    public DateTime CreatedAt { get; init; }
}

public static class TaskStatuses
{
    public const string Open = "open";
    public const string Closed = "closed";
}

/// <summary>What came of a follow-up; closing a task requires one.</summary>
public static class Outcomes
{
    public const string Resolved = "resolved";
    public const string Contacted = "contacted";
    public const string NoAnswer = "no_answer";
    public const string WrongContact = "wrong_contact";
    public const string NotNeeded = "not_needed";

    public static readonly IReadOnlyList<string> All = [Resolved, Contacted, NoAnswer, WrongContact, NotNeeded];

    /// <summary>Outcomes where someone actually spoke with the customer: those count as followed up in the report.</summary>
    public static bool Reached(string? outcome) => outcome is Resolved or Contacted;

    public static string Label(string outcome) => outcome switch
    {
        Resolved => "Resolved",
        Contacted => "Contacted, not yet resolved",
        NoAnswer => "No answer",
        WrongContact => "Wrong or missing contact details",
        NotNeeded => "No follow-up needed",
        _ => outcome,
    };
}

/// <summary>One unhappy customer to get back to: who owns it, by when, why, and how it ended.</summary>
public sealed class FollowUpTask : IWorkspaceOwned
{
    public const int MaxNoteLength = 4000;

    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    /// <summary>"response:{id}" or "feedback:{id}": at most one task per survey response, however often the job runs.</summary>
    public required string TriggerKey { get; init; }

    public Guid RuleId { get; init; }

    public Guid FeedbackId { get; init; }

    public Guid CustomerId { get; set; }

    public Guid? TeamId { get; set; }

    public Guid? OwnerId { get; set; }

    /// <summary>Why the task was opened, in words ("NPS 3 (rule: NPS ≤ 6)").</summary>
    public required string Reason { get; init; }

    public required string Status { get; set; }

    public DateTime DueAt { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime? ClosedAt { get; set; }

    /// <summary>The actor who closed it ("user:{id}", "key:{id}").</summary>
    public string? ClosedBy { get; set; }

    public string? Outcome { get; set; }

    public string? OutcomeNote { get; set; }
}

/// <summary>Per-workspace settings of the closed loop and of invitation delivery (secrets protected, never plain).</summary>
public sealed class LoopSettings : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    /// <summary>When the default rules were created; they are created once, so deleting them sticks.</summary>
    public DateTime? DefaultRulesAt { get; set; }

    public string? SmtpHost { get; set; }

    public int? SmtpPort { get; set; }

    public bool SmtpStarttls { get; set; } = true;

    public string? SmtpFrom { get; set; }

    public string? SmtpUser { get; set; }

    /// <summary>The SMTP password, protected with Data Protection.</summary>
    public string? SmtpPasswordProtected { get; set; }

    public string? WebhookUrl { get; set; }

    /// <summary>The webhook signing secret, protected with Data Protection.</summary>
    public string? WebhookSecretProtected { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class FollowUpTeamConfiguration : IEntityTypeConfiguration<FollowUpTeam>
{
    public void Configure(EntityTypeBuilder<FollowUpTeam> builder)
    {
        builder.ToTable("followup_teams");
        builder.HasKey(t => new { t.WorkspaceId, t.Id });
        builder.HasIndex(t => new { t.WorkspaceId, t.Name }).IsUnique();
        builder.Property(t => t.Name).HasMaxLength(100);
    }
}

internal sealed class FollowUpTeamMemberConfiguration : IEntityTypeConfiguration<FollowUpTeamMember>
{
    public void Configure(EntityTypeBuilder<FollowUpTeamMember> builder)
    {
        builder.ToTable("followup_team_members");
        builder.HasKey(m => new { m.WorkspaceId, m.TeamId, m.UserId });
        builder.HasIndex(m => new { m.WorkspaceId, m.UserId });
        builder.HasOne<FollowUpTeam>().WithMany().HasForeignKey(m => new { m.WorkspaceId, m.TeamId }).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(m => new { m.WorkspaceId, m.UserId }).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FollowUpRuleConfiguration : IEntityTypeConfiguration<FollowUpRule>
{
    public void Configure(EntityTypeBuilder<FollowUpRule> builder)
    {
        builder.ToTable("followup_rules");
        builder.HasKey(r => new { r.WorkspaceId, r.Id });
        builder.Property(r => r.Name).HasMaxLength(100);
        builder.Property(r => r.Kind).HasMaxLength(16);
        builder.Property(r => r.Metric).HasMaxLength(16);
    }
}

internal sealed class FollowUpTaskConfiguration : IEntityTypeConfiguration<FollowUpTask>
{
    public void Configure(EntityTypeBuilder<FollowUpTask> builder)
    {
        builder.ToTable("followup_tasks");
        builder.HasKey(t => new { t.WorkspaceId, t.Id });
        builder.HasIndex(t => new { t.WorkspaceId, t.TriggerKey }).IsUnique();
        builder.HasIndex(t => new { t.WorkspaceId, t.Status, t.DueAt });
        builder.HasIndex(t => new { t.WorkspaceId, t.OwnerId, t.Status });
        builder.HasIndex(t => new { t.WorkspaceId, t.CustomerId });
        builder.HasIndex(t => new { t.WorkspaceId, t.CreatedAt });
        builder.Property(t => t.TriggerKey).HasMaxLength(80);
        builder.Property(t => t.Reason).HasMaxLength(300);
        builder.Property(t => t.Status).HasMaxLength(16);
        builder.Property(t => t.ClosedBy).HasMaxLength(64);
        builder.Property(t => t.Outcome).HasMaxLength(32);
        builder.HasOne<Customer>().WithMany().HasForeignKey(t => new { t.WorkspaceId, t.CustomerId }).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LoopSettingsConfiguration : IEntityTypeConfiguration<LoopSettings>
{
    public void Configure(EntityTypeBuilder<LoopSettings> builder)
    {
        builder.ToTable("loop_settings");
        builder.HasKey(s => s.WorkspaceId);
        builder.Property(s => s.SmtpHost).HasMaxLength(255);
        builder.Property(s => s.SmtpFrom).HasMaxLength(320);
        builder.Property(s => s.SmtpUser).HasMaxLength(320);
        builder.Property(s => s.WebhookUrl).HasMaxLength(2000);
    }
}

/// <summary>The closed loop's tables, without widening <see cref="ObsessDb"/> itself.</summary>
public static class FollowUpSets
{
    extension(ObsessDb db)
    {
        public DbSet<FollowUpTeam> FollowUpTeams => db.Set<FollowUpTeam>();

        public DbSet<FollowUpTeamMember> FollowUpTeamMembers => db.Set<FollowUpTeamMember>();

        public DbSet<FollowUpRule> FollowUpRules => db.Set<FollowUpRule>();

        public DbSet<FollowUpTask> FollowUpTasks => db.Set<FollowUpTask>();

        public DbSet<LoopSettings> LoopSettings => db.Set<LoopSettings>();
    }
}
