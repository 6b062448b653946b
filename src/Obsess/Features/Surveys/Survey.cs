using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Surveys;

public static class SurveyStatuses
{
    public const string Draft = "draft";
    public const string Live = "live";
    public const string Closed = "closed";
}

public static class ResponseStatuses
{
    /// <summary>Saved on the way: some answers, not yet submitted as finished.</summary>
    public const string Partial = "partial";

    public const string Complete = "complete";
}

/// <summary>
/// A survey: its questions (<see cref="Definition"/>, JSON of <see cref="SurveyDefinition"/>), its life cycle
/// draft → live → closed, and where it is answered (<see cref="Token"/>, the public link's secret part).
/// </summary>
public sealed class Survey : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public required string Name { get; set; }

    /// <summary>One of <see cref="SurveyStatuses"/>.</summary>
    public required string Status { get; set; }

    /// <summary>The public link's token: the workspace id and 144 random bits, URL-safe (see <see cref="SurveyTokens"/>).</summary>
    public required string Token { get; init; }

    public required string Definition { get; set; }

    /// <summary>Closes the survey once this many responses are complete; null for no quota.</summary>
    public int? ResponseQuota { get; set; }

    /// <summary>Closes the survey at this time; null for never.</summary>
    public DateTime? ClosesAt { get; set; }

    /// <summary>The touchpoint recorded on answers given through the public link or widget.</summary>
    public string? DefaultTouchpoint { get; set; }

    public string? DefaultChannel { get; set; }

    /// <summary>Whether one customer may answer more than once per touchpoint.</summary>
    public bool AllowMultiple { get; set; }

    /// <summary>Live and not past its close date (a full quota closes the survey itself).</summary>
    public bool TakesAnswersAt(DateTime now) => Status == SurveyStatuses.Live && !(ClosesAt is { } closes && closes <= now);

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? PublishedAt { get; set; }

    public DateTime? ClosedAt { get; set; }
}

/// <summary>One respondent's answers to a survey; each answer is also a row in <c>feedback</c>.</summary>
public sealed class SurveyResponse : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid SurveyId { get; init; }

    /// <summary>Known when the response came through a personal link.</summary>
    public Guid? CustomerId { get; set; }

    public Guid? LinkId { get; init; }

    public string? Touchpoint { get; init; }

    public string? Channel { get; init; }

    public string? Agent { get; init; }

    public string? Product { get; init; }

    public required string Language { get; init; }

    /// <summary>One of <see cref="ResponseStatuses"/>.</summary>
    public required string Status { get; set; }

    /// <summary>SHA-256 of the secret the respondent uses to continue this response.</summary>
    public required string ResumeHash { get; init; }

    /// <summary>"customer|touchpoint" while the survey allows one answer per customer and touchpoint; unique per survey.</summary>
    public string? DedupeKey { get; init; }

    /// <summary>JSON object: question id → <see cref="SurveyAnswer"/>, the answers on the respondent's path.</summary>
    public required string Answers { get; set; }

    public DateTime StartedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }
}

/// <summary>A personal link: one customer, one touchpoint, time-limited and single-use. Only a hash of its secret is stored.</summary>
public sealed class SurveyLink : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid SurveyId { get; init; }

    public Guid? CustomerId { get; set; }

    public required string Touchpoint { get; init; }

    public string? Channel { get; init; }

    public string? Agent { get; init; }

    public string? Product { get; init; }

    /// <summary>SHA-256 (hex) of the link's secret.</summary>
    public required string SecretHash { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime ExpiresAt { get; init; }

    /// <summary>When a response was started with this link; a link starts one response only.</summary>
    public DateTime? UsedAt { get; set; }

    public Guid? ResponseId { get; set; }
}

internal sealed class SurveyConfiguration : IEntityTypeConfiguration<Survey>
{
    public void Configure(EntityTypeBuilder<Survey> builder)
    {
        builder.ToTable("surveys");
        builder.HasKey(s => new { s.WorkspaceId, s.Id });
        builder.HasIndex(s => new { s.WorkspaceId, s.Token }).IsUnique();
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Status).HasMaxLength(16);
        builder.Property(s => s.Token).HasMaxLength(64);
        builder.Property(s => s.DefaultTouchpoint).HasMaxLength(64);
        builder.Property(s => s.DefaultChannel).HasMaxLength(32);
    }
}

internal sealed class SurveyResponseConfiguration : IEntityTypeConfiguration<SurveyResponse>
{
    public void Configure(EntityTypeBuilder<SurveyResponse> builder)
    {
        builder.ToTable("survey_responses");
        builder.HasKey(r => new { r.WorkspaceId, r.Id });
        builder.HasIndex(r => new { r.WorkspaceId, r.SurveyId, r.Status });
        builder.HasIndex(r => new { r.WorkspaceId, r.SurveyId, r.DedupeKey }).IsUnique();
        builder.HasIndex(r => new { r.WorkspaceId, r.CustomerId });
        builder.HasIndex(r => new { r.WorkspaceId, r.LinkId });
        builder.Property(r => r.Touchpoint).HasMaxLength(64);
        builder.Property(r => r.Channel).HasMaxLength(32);
        builder.Property(r => r.Agent).HasMaxLength(200);
        builder.Property(r => r.Product).HasMaxLength(200);
        builder.Property(r => r.Language).HasMaxLength(16);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.ResumeHash).HasMaxLength(64);
        builder.Property(r => r.DedupeKey).HasMaxLength(128);
        builder.HasOne<Survey>().WithMany().HasForeignKey(r => new { r.WorkspaceId, r.SurveyId });
        builder.HasOne<Customer>().WithMany().HasForeignKey(r => new { r.WorkspaceId, r.CustomerId });
    }
}

internal sealed class SurveyLinkConfiguration : IEntityTypeConfiguration<SurveyLink>
{
    public void Configure(EntityTypeBuilder<SurveyLink> builder)
    {
        builder.ToTable("survey_links");
        builder.HasKey(l => new { l.WorkspaceId, l.Id });
        builder.HasIndex(l => new { l.WorkspaceId, l.SurveyId });
        builder.HasIndex(l => new { l.WorkspaceId, l.CustomerId });
        builder.Property(l => l.Touchpoint).HasMaxLength(64);
        builder.Property(l => l.Channel).HasMaxLength(32);
        builder.Property(l => l.Agent).HasMaxLength(200);
        builder.Property(l => l.Product).HasMaxLength(200);
        builder.Property(l => l.SecretHash).HasMaxLength(64);
        builder.HasOne<Survey>().WithMany().HasForeignKey(l => new { l.WorkspaceId, l.SurveyId });
        builder.HasOne<Customer>().WithMany().HasForeignKey(l => new { l.WorkspaceId, l.CustomerId });
    }
}
