using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Audit;

/// <summary>Who did what, when: every change to users, keys and settings is written here.</summary>
public sealed class AuditEntry : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public DateTime At { get; init; }

    /// <summary>"user:{id}", "key:{id}" or "cli".</summary>
    public required string Actor { get; init; }

    public required string Action { get; init; }

    public required string Target { get; init; }

    public string? Detail { get; init; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.HasKey(a => new { a.WorkspaceId, a.Id });
        builder.HasIndex(a => new { a.WorkspaceId, a.At });
        builder.Property(a => a.Actor).HasMaxLength(64);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Target).HasMaxLength(200);
    }
}
