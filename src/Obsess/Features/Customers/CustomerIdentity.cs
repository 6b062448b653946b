using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Customers;

/// <summary>
/// One way a source knows a customer: a normalised e-mail, an E.164 phone, a per-source external id or an
/// anonymous id. (kind, source, value) is unique in a workspace; e-mail and phone use the empty source,
/// because they identify a person whatever system saw them.
/// </summary>
public sealed class CustomerIdentity : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid CustomerId { get; set; }

    public required string Kind { get; init; }

    public required string Source { get; init; }

    public required string Value { get; init; }

    public DateTime FirstSeenAt { get; init; }
}

public static class IdentityKinds
{
    public const string Email = "email";
    public const string Phone = "phone";
    public const string External = "external";
    public const string Anonymous = "anonymous";
}

internal sealed class CustomerIdentityConfiguration : IEntityTypeConfiguration<CustomerIdentity>
{
    public void Configure(EntityTypeBuilder<CustomerIdentity> builder)
    {
        builder.ToTable("customer_identities");
        builder.HasKey(i => new { i.WorkspaceId, i.Id });
        builder.HasIndex(i => new { i.WorkspaceId, i.Kind, i.Source, i.Value }).IsUnique();
        builder.HasIndex(i => new { i.WorkspaceId, i.Value });
        builder.HasIndex(i => new { i.WorkspaceId, i.CustomerId });
        builder.Property(i => i.Kind).HasMaxLength(16);
        builder.Property(i => i.Source).HasMaxLength(64);
        builder.Property(i => i.Value).HasMaxLength(320);
        builder.HasOne<Customer>().WithMany().HasForeignKey(i => new { i.WorkspaceId, i.CustomerId });
    }
}
