using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;
using Obsess.Features.Customers;

namespace Obsess.Features.Intelligence;

/// <summary>A customer's predicted value and risk, as of the last model run.</summary>
public sealed class CustomerScore : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid CustomerId { get; init; }

    public DateTime ComputedAt { get; init; }

    public int Orders { get; init; }

    /// <summary>Revenue to date.</summary>
    public double HistoricClv { get; init; }

    /// <summary>BG/NBD P(alive); null for customers who never bought.</summary>
    public double? ProbabilityAlive { get; init; }

    public double? ExpectedPurchases12m { get; init; }

    /// <summary>Gamma-Gamma expected spend per future order.</summary>
    public double? ExpectedSpend { get; init; }

    /// <summary>Discounted expected revenue over the next 12 months.</summary>
    public double? Clv12m { get; init; }

    /// <summary>Calibrated probability of no purchase within the workspace's churn window.</summary>
    public double? ChurnProbability { get; init; }

    /// <summary>JSON array of the reasons that raise this customer's risk most.</summary>
    public string? ChurnReasons { get; init; }

    /// <summary>RFM quintile scores 1–5 (0 for customers who never bought).</summary>
    public short RfmRecency { get; init; }

    public short RfmFrequency { get; init; }

    public short RfmMonetary { get; init; }

    /// <summary>Named RFM segment (champions, at risk, …).</summary>
    public string? RfmSegment { get; init; }

    /// <summary>0–100, from the workspace's health scorecard.</summary>
    public double? HealthScore { get; init; }

    public string? HealthBand { get; init; }

    /// <summary>JSON: each measure's value, score, weight and points.</summary>
    public string? HealthDetail { get; init; }
}

/// <summary>One run of a model over a workspace: what was fitted and how well it did.</summary>
public sealed class ModelRun : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public required string Kind { get; init; }

    public DateTime At { get; init; }

    public int Customers { get; init; }

    public double Seconds { get; init; }

    /// <summary>JSON: parameters, log-likelihood, backtest figures, or why the model could not run.</summary>
    public required string Summary { get; init; }
}

internal sealed class CustomerScoreConfiguration : IEntityTypeConfiguration<CustomerScore>
{
    public void Configure(EntityTypeBuilder<CustomerScore> builder)
    {
        builder.ToTable("customer_scores");
        builder.HasKey(s => new { s.WorkspaceId, s.CustomerId });
        builder.HasIndex(s => new { s.WorkspaceId, s.Clv12m });
        builder.HasIndex(s => new { s.WorkspaceId, s.ChurnProbability });
        builder.HasIndex(s => new { s.WorkspaceId, s.RfmSegment });
        builder.Property(s => s.ExpectedPurchases12m).HasColumnName("expected_purchases_12m");
        builder.Property(s => s.Clv12m).HasColumnName("clv_12m");
        builder.HasOne<Customer>().WithOne().HasForeignKey<CustomerScore>(s => new { s.WorkspaceId, s.CustomerId });
    }
}

internal sealed class ModelRunConfiguration : IEntityTypeConfiguration<ModelRun>
{
    public void Configure(EntityTypeBuilder<ModelRun> builder)
    {
        builder.ToTable("model_runs");
        builder.HasKey(r => new { r.WorkspaceId, r.Id });
        builder.HasIndex(r => new { r.WorkspaceId, r.At });
        builder.Property(r => r.Kind).HasMaxLength(32);
    }
}
