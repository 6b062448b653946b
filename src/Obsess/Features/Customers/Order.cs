using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Customers;

public sealed class Order : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid CustomerId { get; set; }

    /// <summary>The system the order came from (web shop, point of sale, …); with <see cref="ExternalId"/> it is unique.</summary>
    public required string Source { get; init; }

    public required string ExternalId { get; init; }

    public required string Channel { get; init; }

    public DateTime OrderedAt { get; init; }

    public decimal Amount { get; init; }

    public string Currency { get; init; } = "USD";

    public int Items { get; init; }
}

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> builder)
    {
        builder.ToTable("orders");
        builder.HasKey(o => new { o.WorkspaceId, o.Id });
        builder.HasIndex(o => new { o.WorkspaceId, o.Source, o.ExternalId }).IsUnique();
        builder.HasIndex(o => new { o.WorkspaceId, o.CustomerId, o.OrderedAt });
        builder.HasIndex(o => new { o.WorkspaceId, o.OrderedAt });
        builder.Property(o => o.Source).HasMaxLength(64);
        builder.Property(o => o.ExternalId).HasMaxLength(128);
        builder.Property(o => o.Channel).HasMaxLength(32);
        builder.Property(o => o.Currency).HasMaxLength(3);
        builder.Property(o => o.Amount).HasPrecision(14, 2);
        builder.HasOne<Customer>().WithMany().HasForeignKey(o => new { o.WorkspaceId, o.CustomerId });
    }
}
