using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Customers;

/// <summary>One person, as resolved from every source that knows them.</summary>
public sealed class Customer : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public string? Name { get; set; }

    /// <summary>Primary normalised e-mail (trimmed, lower-case), if any.</summary>
    public string? Email { get; set; }

    /// <summary>Primary phone in E.164, if any.</summary>
    public string? Phone { get; set; }

    /// <summary>Traits as a JSON object (name → value).</summary>
    public string Traits { get; set; } = "{}";

    public DateTime FirstSeenAt { get; set; }

    public DateTime LastSeenAt { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Per-purpose consent as JSON (see <see cref="Customers.Consent"/>).</summary>
    public string Consent { get; set; } = "{}";

    /// <summary>Set when this profile was merged into another; it is kept so the merge can be split.</summary>
    public Guid? MergedIntoId { get; set; }
}

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.ToTable("customers");
        builder.HasKey(c => new { c.WorkspaceId, c.Id });
        builder.HasIndex(c => new { c.WorkspaceId, c.Email });
        builder.HasIndex(c => new { c.WorkspaceId, c.LastSeenAt });
        builder.HasIndex(c => new { c.WorkspaceId, c.MergedIntoId });
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.Email).HasMaxLength(320);
        builder.Property(c => c.Phone).HasMaxLength(20);
    }
}
