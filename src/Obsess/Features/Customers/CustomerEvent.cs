using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Customers;

/// <summary>Something a customer did or that happened to them, from any source and channel.</summary>
public sealed class CustomerEvent : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid CustomerId { get; set; }

    /// <summary>Segment's message type: track, page, identify, …</summary>
    public required string Type { get; init; }

    public required string Name { get; init; }

    public required string Source { get; init; }

    public required string Channel { get; init; }

    public DateTime OccurredAt { get; init; }

    /// <summary>Properties as a JSON object.</summary>
    public string Properties { get; init; } = "{}";

    /// <summary>The sender's id for the message; it makes retries idempotent.</summary>
    public required string MessageId { get; init; }
}

internal sealed class CustomerEventConfiguration : IEntityTypeConfiguration<CustomerEvent>
{
    public void Configure(EntityTypeBuilder<CustomerEvent> builder)
    {
        builder.ToTable("events");
        builder.HasKey(e => new { e.WorkspaceId, e.Id });
        builder.HasIndex(e => new { e.WorkspaceId, e.MessageId }).IsUnique();
        builder.HasIndex(e => new { e.WorkspaceId, e.CustomerId, e.OccurredAt });
        builder.HasIndex(e => new { e.WorkspaceId, e.OccurredAt });
        builder.Property(e => e.Type).HasMaxLength(16);
        builder.Property(e => e.Name).HasMaxLength(200);
        builder.Property(e => e.Source).HasMaxLength(64);
        builder.Property(e => e.Channel).HasMaxLength(32);
        builder.Property(e => e.MessageId).HasMaxLength(128);
        builder.HasOne<Customer>().WithMany().HasForeignKey(e => new { e.WorkspaceId, e.CustomerId });
    }
}
