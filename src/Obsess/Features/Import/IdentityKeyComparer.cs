using Obsess.Features.Customers;

namespace Obsess.Features.Import;

/// <summary>
/// The equality of <see cref="IdentityKey"/> (ordinal on kind, source and value), cheaper for the import's map of
/// every identity it knows, looked up once or twice per row: the hash reads the value alone (kind and source take a
/// handful of values, so they add little but cost two more string hashes), and the comparison skips the record's
/// type check (the record is sealed).
/// </summary>
internal sealed class IdentityKeyComparer : IEqualityComparer<IdentityKey>
{
    public static readonly IdentityKeyComparer Instance = new();

    public bool Equals(IdentityKey? x, IdentityKey? y) =>
        ReferenceEquals(x, y) || x is not null && y is not null
            && string.Equals(x.Value, y.Value, StringComparison.Ordinal)
            && string.Equals(x.Kind, y.Kind, StringComparison.Ordinal)
            && string.Equals(x.Source, y.Source, StringComparison.Ordinal);

    public int GetHashCode(IdentityKey obj) => obj.Value.GetHashCode(StringComparison.Ordinal);
}
