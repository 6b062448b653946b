using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Feedback;

/// <summary>What a feedback record measures.</summary>
public static class FeedbackMetrics
{
    /// <summary>Net Promoter question, 0–10.</summary>
    public const string Nps = "nps";

    /// <summary>Customer satisfaction, 1–5.</summary>
    public const string Csat = "csat";

    /// <summary>Customer effort, 1–7.</summary>
    public const string Ces = "ces";

    /// <summary>A rating on another scale (<see cref="FeedbackRecord.ScaleMax"/>), e.g. a 1–5 star review.</summary>
    public const string Rating = "rating";

    /// <summary>Single or multiple choice (<see cref="FeedbackRecord.Choices"/>).</summary>
    public const string Choice = "choice";

    /// <summary>An open-text answer (<see cref="FeedbackRecord.TextId"/>).</summary>
    public const string Text = "text";

    public static readonly IReadOnlyList<string> All = [Nps, Csat, Ces, Rating, Choice, Text];
}

/// <summary>Where a feedback record came from.</summary>
public static class FeedbackKinds
{
    public const string Survey = "survey";
    public const string Review = "review";
}

/// <summary>
/// The unified feedback record: one row per survey answer or review, tied to the customer (when known) and to the
/// touchpoint that prompted it. Every metric (NPS, CSAT, CES, …) and breakdown is computed from these rows; a comment's
/// words live in <c>texts</c> (<see cref="TextId"/>) so the text engine analyses them like every other customer text.
/// </summary>
public sealed class FeedbackRecord : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid? CustomerId { get; set; }

    /// <summary>One of <see cref="FeedbackKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The survey's name or the review site; with <see cref="ExternalId"/> it makes re-imports idempotent.</summary>
    public required string Source { get; init; }

    public string? ExternalId { get; init; }

    public Guid? SurveyId { get; init; }

    /// <summary>The survey response this answer belongs to.</summary>
    public Guid? ResponseId { get; init; }

    /// <summary>The question's id within its survey.</summary>
    public string? QuestionId { get; init; }

    /// <summary>One of <see cref="FeedbackMetrics"/>.</summary>
    public required string Metric { get; init; }

    /// <summary>The numeric answer (NPS 0–10, CSAT 1–5, CES 1–7, rating 1..<see cref="ScaleMax"/>).</summary>
    public double? Score { get; set; }

    public double? ScaleMax { get; init; }

    /// <summary>JSON array of the chosen options' ids.</summary>
    public string? Choices { get; set; }

    /// <summary>The comment, in <c>texts</c>.</summary>
    public Guid? TextId { get; set; }

    /// <summary>What prompted it: an order, a resolved conversation, onboarding, …</summary>
    public string? Touchpoint { get; init; }

    public string? Channel { get; init; }

    /// <summary>The agent the feedback is about, for breakdowns.</summary>
    public string? Agent { get; init; }

    /// <summary>The product the feedback is about, for breakdowns.</summary>
    public string? Product { get; init; }

    /// <summary>The language the respondent answered in.</summary>
    public string? Language { get; init; }

    public DateTime OccurredAt { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class FeedbackRecordConfiguration : IEntityTypeConfiguration<FeedbackRecord>
{
    public void Configure(EntityTypeBuilder<FeedbackRecord> builder)
    {
        builder.ToTable("feedback");
        builder.HasKey(f => new { f.WorkspaceId, f.Id });
        builder.HasIndex(f => new { f.WorkspaceId, f.Source, f.ExternalId }).IsUnique();
        builder.HasIndex(f => new { f.WorkspaceId, f.CustomerId, f.OccurredAt });
        builder.HasIndex(f => new { f.WorkspaceId, f.Metric, f.OccurredAt });
        builder.HasIndex(f => new { f.WorkspaceId, f.SurveyId, f.OccurredAt });
        builder.HasIndex(f => new { f.WorkspaceId, f.ResponseId });
        builder.Property(f => f.Kind).HasMaxLength(16);
        builder.Property(f => f.Source).HasMaxLength(64);
        builder.Property(f => f.ExternalId).HasMaxLength(128);
        builder.Property(f => f.QuestionId).HasMaxLength(64);
        builder.Property(f => f.Metric).HasMaxLength(16);
        builder.Property(f => f.Touchpoint).HasMaxLength(64);
        builder.Property(f => f.Channel).HasMaxLength(32);
        builder.Property(f => f.Agent).HasMaxLength(200);
        builder.Property(f => f.Product).HasMaxLength(200);
        builder.Property(f => f.Language).HasMaxLength(8);
        builder.HasOne<Customer>().WithMany().HasForeignKey(f => new { f.WorkspaceId, f.CustomerId });
    }
}
