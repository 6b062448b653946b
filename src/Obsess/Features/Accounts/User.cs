using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Accounts;

public sealed class User : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    /// <summary>Normalised (trimmed, lower-case) e-mail, unique within the workspace.</summary>
    public required string Email { get; set; }

    public required string Name { get; set; }

    public required string Role { get; set; }

    public required string PasswordHash { get; set; }

    public int FailedLogins { get; set; }

    public DateTime? LockedUntil { get; set; }

    public DateTime? LastLoginAt { get; set; }

    public bool Disabled { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => new { u.WorkspaceId, u.Id });
        builder.HasIndex(u => new { u.WorkspaceId, u.Email }).IsUnique();
        builder.HasIndex(u => u.Email);
        builder.Property(u => u.Email).HasMaxLength(320);
        builder.Property(u => u.Name).HasMaxLength(200);
        builder.Property(u => u.Role).HasMaxLength(16);
    }
}
