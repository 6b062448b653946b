using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Invitations;

/// <summary>What a trigger listens to.</summary>
public static class TriggerSources
{
    /// <summary>Every new order.</summary>
    public const string Order = "order";

    /// <summary>Every tracked event with the trigger's event name (a resolved conversation is "Conversation Resolved").</summary>
    public const string Event = "event";

    public static readonly IReadOnlyList<string> All = [Order, Event];
}

/// <summary>How an invitation reaches the customer.</summary>
public static class Channels
{
    /// <summary>An e-mail over the workspace's SMTP server, with a plain-text and an HTML part.</summary>
    public const string Email = "email";

    /// <summary>A signed POST to the workspace's webhook, for systems that send the message themselves.</summary>
    public const string Webhook = "webhook";

    public static readonly IReadOnlyList<string> All = [Email, Webhook];
}

public static class InvitationStatuses
{
    public const string Scheduled = "scheduled";
    public const string Sent = "sent";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <summary>After an order or event, invite the customer to a survey after a delay, sampled, within contact limits.</summary>
public sealed class InvitationTrigger : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public required string Name { get; set; }

    /// <summary>One of <see cref="TriggerSources"/>.</summary>
    public required string Source { get; set; }

    /// <summary>For <see cref="TriggerSources.Event"/>: the tracked event's name, matched exactly.</summary>
    public string? EventName { get; set; }

    public Guid SurveyId { get; set; }

    public required string Touchpoint { get; set; }

    /// <summary>One of <see cref="Channels"/>.</summary>
    public required string Channel { get; set; }

    public int DelayMinutes { get; set; }

    /// <summary>A customer invited (to any survey) within this many days is not asked again.</summary>
    public int RecontactDays { get; set; }

    /// <summary>0–100: the share of customers invited, chosen deterministically per customer and trigger.</summary>
    public int SamplePercent { get; set; }

    /// <summary>Invite only customers who granted "survey" consent (otherwise: everyone who has not refused it).</summary>
    public bool RequireConsent { get; set; }

    public bool Enabled { get; set; }

    /// <summary>Orders and events up to this time have been considered: the job's watermark.</summary>
    public DateTime ScannedUntil { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>One customer invited (or deliberately not) after one order or event.</summary>
public sealed class Invitation : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid TriggerId { get; init; }

    public Guid CustomerId { get; set; }

    public Guid SurveyId { get; init; }

    /// <summary>The order or event that prompted it; with <see cref="TriggerId"/> it is unique.</summary>
    public Guid SourceId { get; init; }

    public required string Touchpoint { get; init; }

    public required string Channel { get; init; }

    public required string Status { get; set; }

    /// <summary>Why it was not sent (one of <see cref="SkipReasons"/>).</summary>
    public string? SkipReason { get; set; }

    public DateTime DueAt { get; init; }

    public int Attempts { get; set; }

    public DateTime NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    public DateTime? SentAt { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>Why an invitation was not sent.</summary>
public static class SkipReasons
{
    public const string NotSampled = "not_sampled";
    public const string Recontact = "recontact";
    public const string NoConsent = "no_consent";
    public const string NoEmail = "no_email";
    public const string Merged = "merged";
    public const string SurveyUnavailable = "survey_unavailable";
}

internal sealed class InvitationTriggerConfiguration : IEntityTypeConfiguration<InvitationTrigger>
{
    public void Configure(EntityTypeBuilder<InvitationTrigger> builder)
    {
        builder.ToTable("invitation_triggers");
        builder.HasKey(t => new { t.WorkspaceId, t.Id });
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.Property(t => t.Source).HasMaxLength(16);
        builder.Property(t => t.EventName).HasMaxLength(200);
        builder.Property(t => t.Touchpoint).HasMaxLength(64);
        builder.Property(t => t.Channel).HasMaxLength(16);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> builder)
    {
        builder.ToTable("invitations");
        builder.HasKey(i => new { i.WorkspaceId, i.Id });
        builder.HasIndex(i => new { i.WorkspaceId, i.TriggerId, i.SourceId }).IsUnique();
        builder.HasIndex(i => new { i.WorkspaceId, i.Status, i.NextAttemptAt });
        builder.HasIndex(i => new { i.WorkspaceId, i.CustomerId, i.DueAt });
        builder.Property(i => i.Touchpoint).HasMaxLength(64);
        builder.Property(i => i.Channel).HasMaxLength(16);
        builder.Property(i => i.Status).HasMaxLength(16);
        builder.Property(i => i.SkipReason).HasMaxLength(32);
        builder.Property(i => i.LastError).HasMaxLength(500);
        builder.HasOne<Customer>().WithMany().HasForeignKey(i => new { i.WorkspaceId, i.CustomerId }).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<InvitationTrigger>().WithMany().HasForeignKey(i => new { i.WorkspaceId, i.TriggerId }).OnDelete(DeleteBehavior.Cascade);
    }
}

public static class InvitationSets
{
    extension(ObsessDb db)
    {
        public DbSet<InvitationTrigger> InvitationTriggers => db.Set<InvitationTrigger>();

        public DbSet<Invitation> Invitations => db.Set<Invitation>();
    }
}
