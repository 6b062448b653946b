using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Obsess.Data;

namespace Obsess.Features.Customers;

/// <summary>
/// One merge: which profile was folded into which, why, and exactly what moved (identity, order and event ids,
/// and both profiles' fields before the merge), so that a split can restore the previous state.
/// </summary>
public sealed class CustomerMerge : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public Guid Id { get; init; }

    public Guid SurvivorId { get; init; }

    public Guid MergedId { get; init; }

    public required string Cause { get; init; }

    public DateTime At { get; init; }

    /// <summary>JSON of <see cref="MergeSnapshot"/>.</summary>
    public required string Snapshot { get; init; }

    public DateTime? SplitAt { get; set; }
}

public sealed record ProfileFields(string? Name, string? Email, string? Phone, string Traits, string Consent, DateTime FirstSeenAt, DateTime LastSeenAt);

public sealed record MergeSnapshot(
    ProfileFields Survivor,
    ProfileFields Merged,
    IReadOnlyList<Guid> Identities,
    IReadOnlyList<Guid> Orders,
    IReadOnlyList<Guid> Events)
{
    /// <summary>Rows of the other customer-owned tables (<see cref="MergeService.OwnedTables"/>) the merge moved, by table; null in snapshots written before they existed.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Guid>>? Owned { get; init; }
}

internal sealed class CustomerMergeConfiguration : IEntityTypeConfiguration<CustomerMerge>
{
    public void Configure(EntityTypeBuilder<CustomerMerge> builder)
    {
        builder.ToTable("customer_merges");
        builder.HasKey(m => new { m.WorkspaceId, m.Id });
        builder.HasIndex(m => new { m.WorkspaceId, m.SurvivorId });
        builder.HasIndex(m => new { m.WorkspaceId, m.MergedId });
        builder.HasOne<Customer>().WithMany().HasForeignKey(m => new { m.WorkspaceId, m.SurvivorId });
    }
}
