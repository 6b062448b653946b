using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Obsess.Features.Workspaces;

/// <summary>A tenant. Every other row carries its workspace id, and every query is scoped to one.</summary>
public sealed class Workspace
{
    public Guid Id { get; init; }

    public required string Slug { get; set; }

    public required string Name { get; set; }

    /// <summary>ISO 3166 region used to read phone numbers written without a country code.</summary>
    public string DefaultRegion { get; set; } = "US";

    public string Currency { get; set; } = "USD";

    /// <summary>A customer with no purchase for this many days counts as churned (contract-free definition).</summary>
    public int ChurnWindowDays { get; set; } = 180;

    public DateTime CreatedAt { get; init; }

    /// <summary>The health scorecard's weights and band thresholds as JSON; null for the default scorecard.</summary>
    public string? HealthConfig { get; set; }
}

internal sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> builder)
    {
        builder.ToTable("workspaces");
        builder.HasKey(w => w.Id);
        builder.HasIndex(w => w.Slug).IsUnique();
        builder.Property(w => w.Slug).HasMaxLength(64);
        builder.Property(w => w.Name).HasMaxLength(200);
        builder.Property(w => w.DefaultRegion).HasMaxLength(2);
        builder.Property(w => w.Currency).HasMaxLength(3);
    }
}
