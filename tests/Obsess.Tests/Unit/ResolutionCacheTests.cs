using Obsess.Features.Customers;
using Obsess.Features.Ingestion;

namespace Obsess.Tests.Unit;

public sealed class ResolutionCacheTests
{
    private static Customer NewCustomer() => new() { WorkspaceId = Guid.Empty, Id = Guid.CreateVersion7() };

    private static Dictionary<string, IdentityRow[]> Values(string value, Guid customer) =>
        new(StringComparer.Ordinal) { [value] = [new IdentityRow("external", "web", customer)] };

    [Fact]
    public void Contents_are_kept_only_while_the_counter_is_where_the_last_commit_left_it()
    {
        var cache = new ResolutionCache();
        var ann = NewCustomer();
        cache.Check(4);
        cache.Committed(5, Values("u-1", ann.Id), [ann]);

        cache.Check(5);
        cache.Values.ShouldContainKey("u-1");
        cache.Customers[ann.Id].ShouldBeSameAs(ann);
        cache.Committed(5, [], []);

        cache.Check(7);
        cache.Values.ShouldBeEmpty();
        cache.Customers.ShouldBeEmpty();
        (cache.Hits, cache.Misses).ShouldBe((1, 2));
    }

    [Fact]
    public void A_group_that_checked_and_never_committed_leaves_nothing_to_trust()
    {
        var cache = new ResolutionCache();
        var ann = NewCustomer();
        cache.Check(0);
        cache.Committed(1, Values("u-1", ann.Id), [ann]);

        cache.Check(1);
        ann.Name = "changed in memory by a group that then failed";

        // The counter did not move (the failed group's changes were rolled back), yet the cache is not used.
        cache.Check(1);
        cache.Customers.ShouldBeEmpty();
        cache.Values.ShouldBeEmpty();
    }

    [Fact]
    public void A_merge_empties_it()
    {
        var cache = new ResolutionCache();
        var ann = NewCustomer();
        cache.Check(0);
        cache.Committed(1, Values("u-1", ann.Id), [ann]);
        cache.Check(1);

        cache.Clear();

        cache.Version.ShouldBe(-1);
        cache.Customers.ShouldBeEmpty();
    }

    [Fact]
    public void Past_its_size_it_starts_again_empty()
    {
        var cache = new ResolutionCache();
        cache.Check(0);
        var many = Enumerable.Range(0, ResolutionCache.MaxCustomers + 1).Select(_ => NewCustomer()).ToList();
        cache.Committed(1, [], many);

        cache.Customers.ShouldBeEmpty();
        cache.Version.ShouldBe(-1);
    }

    [Fact]
    public void Rows_read_share_the_kind_and_source_strings_the_app_holds_and_keep_their_values()
    {
        var customer = Guid.CreateVersion7();
        const string current = "web";

        // Fresh strings, as a database reader returns them.
        var email = IdentityRow.Read(new string("email".AsSpan()), new string("".AsSpan()), customer, current);
        var external = IdentityRow.Read(new string("external".AsSpan()), new string("web".AsSpan()), customer, current);
        var other = IdentityRow.Read(new string("external".AsSpan()), new string("crm".AsSpan()), customer, current);
        var unknown = IdentityRow.Read(new string("device".AsSpan()), "", customer, current);

        ReferenceEquals(email.Kind, IdentityKinds.Email).ShouldBeTrue();
        ReferenceEquals(email.Source, string.Empty).ShouldBeTrue();
        ReferenceEquals(external.Kind, IdentityKinds.External).ShouldBeTrue();
        ReferenceEquals(external.Source, current).ShouldBeTrue();
        (other.Kind, other.Source, other.CustomerId).ShouldBe((IdentityKinds.External, "crm", customer));
        unknown.Kind.ShouldBe("device");
        email.ShouldBe(new IdentityRow("email", "", customer));
    }
}
