using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Texts;

/// <summary>The kinds of customer text the product stores; each is analysed the same way.</summary>
public static class TextKinds
{
    public const string SurveyComment = "survey_comment";
    public const string Review = "review";
    public const string Chat = "chat";
    public const string Email = "email";
    public const string Call = "call";
    public const string Note = "note";

    public static readonly IReadOnlyList<string> All = [SurveyComment, Review, Chat, Email, Call, Note];
}

/// <summary>
/// Something a customer wrote or said (a survey comment, a review, a chat or e-mail message, a call transcript), with
/// what the text engine found in it. Stored as it arrives; <see cref="TextAnalysisJob"/> fills the analysis columns in
/// the background and again whenever the engine's version changes.
/// </summary>
public sealed class CustomerText : IWorkspaceOwned
{
    public const int MaxBodyLength = 20_000;

    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    /// <summary>Null for an anonymous text (a public survey answered without a known customer).</summary>
    public Guid? CustomerId { get; set; }

    /// <summary>One of <see cref="TextKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>Where the customer wrote it: web, email, chat, phone, store, app, review site…</summary>
    public string? Channel { get; init; }

    /// <summary>The system or survey it came from; with <see cref="ExternalId"/> it makes re-sending idempotent.</summary>
    public required string Source { get; init; }

    public string? ExternalId { get; init; }

    public required string Body { get; init; }

    public DateTime OccurredAt { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>The <c>TextAnalyzer.Version</c> that produced the analysis columns; null while waiting for analysis.</summary>
    public string? AnalysisVersion { get; set; }

    public DateTime? AnalyzedAt { get; set; }

    /// <summary>ISO 639-1 code, or "und".</summary>
    public string? Language { get; set; }

    /// <summary>In [-1, 1]; null for texts in another language (they are not scored with English rules).</summary>
    public double? SentimentScore { get; set; }

    /// <summary>positive, negative, neutral or mixed; null when not scored.</summary>
    public string? SentimentLabel { get; set; }

    /// <summary>JSON object: emotion → probability.</summary>
    public string? Emotions { get; set; }

    public string? TopEmotion { get; set; }

    /// <summary>JSON array of intent names (churn_threat, complaint, praise, question, human_request).</summary>
    public string? Intents { get; set; }

    public bool ChurnThreat { get; set; }

    /// <summary>How soon someone should act, in [0, 1].</summary>
    public double? Urgency { get; set; }

    /// <summary>The workspace theme this text belongs to (<see cref="TextTheme.Id"/>), or null.</summary>
    public int? ThemeId { get; set; }
}

/// <summary>A theme found across a workspace's texts, named by its key phrases.</summary>
public sealed class TextTheme : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public int Id { get; init; }

    public required string Name { get; init; }

    /// <summary>JSON array of key phrases.</summary>
    public required string KeyPhrases { get; init; }

    /// <summary>JSON array of representative text ids.</summary>
    public required string Examples { get; init; }

    public int Size { get; init; }

    public DateTime ComputedAt { get; init; }
}

/// <summary>A workspace's fitted theme model (<c>ThemeModel.ToJson</c>) and how many texts it was fitted on.</summary>
public sealed class TextThemeModel : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public required string Model { get; set; }

    public int Texts { get; set; }

    public DateTime ComputedAt { get; set; }
}

internal sealed class TextThemeModelConfiguration : IEntityTypeConfiguration<TextThemeModel>
{
    public void Configure(EntityTypeBuilder<TextThemeModel> builder)
    {
        builder.ToTable("text_theme_models");
        builder.HasKey(t => t.WorkspaceId);
    }
}

internal sealed class CustomerTextConfiguration : IEntityTypeConfiguration<CustomerText>
{
    public void Configure(EntityTypeBuilder<CustomerText> builder)
    {
        builder.ToTable("texts");
        builder.HasKey(t => new { t.WorkspaceId, t.Id });
        builder.HasIndex(t => new { t.WorkspaceId, t.Source, t.ExternalId }).IsUnique();
        builder.HasIndex(t => new { t.WorkspaceId, t.CustomerId, t.OccurredAt });
        builder.HasIndex(t => new { t.WorkspaceId, t.OccurredAt });
        builder.Property(t => t.Kind).HasMaxLength(32);
        builder.Property(t => t.Channel).HasMaxLength(32);
        builder.Property(t => t.Source).HasMaxLength(64);
        builder.Property(t => t.ExternalId).HasMaxLength(128);
        builder.Property(t => t.AnalysisVersion).HasMaxLength(200);
        builder.Property(t => t.Language).HasMaxLength(8);
        builder.Property(t => t.SentimentLabel).HasMaxLength(16);
        builder.Property(t => t.TopEmotion).HasMaxLength(16);
        builder.HasOne<Customer>().WithMany().HasForeignKey(t => new { t.WorkspaceId, t.CustomerId });
    }
}

internal sealed class TextThemeConfiguration : IEntityTypeConfiguration<TextTheme>
{
    public void Configure(EntityTypeBuilder<TextTheme> builder)
    {
        builder.ToTable("text_themes");
        builder.HasKey(t => new { t.WorkspaceId, t.Id });
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Name).HasMaxLength(200);
    }
}
