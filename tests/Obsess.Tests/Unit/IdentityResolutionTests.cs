using Obsess.Features.Customers;

namespace Obsess.Tests.Unit;

public class IdentityResolutionTests
{
    private static readonly DateTime Old = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Young = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static IdentityKey User(string id) => new(IdentityKinds.External, "web", id);

    private static IdentityKey Anon(string id) => new(IdentityKinds.Anonymous, "web", id);

    private static IdentityKey Email(string e) => new(IdentityKinds.Email, "", e);

    [Fact]
    public void Unknown_identities_make_a_new_customer_with_all_of_them()
    {
        var decision = IdentityResolution.Decide([User("u1"), Email("a@example.com")], new Dictionary<IdentityKey, Guid>(), new Dictionary<Guid, KnownCustomer>());

        decision.CustomerId.ShouldBeNull();
        decision.Attach.ShouldBe([User("u1"), Email("a@example.com")]);
        decision.MergeIntoSurvivor.ShouldBeEmpty();
    }

    [Fact]
    public void Known_identity_attaches_the_new_ones_to_its_customer()
    {
        var c = Guid.NewGuid();
        var decision = IdentityResolution.Decide(
            [User("u1"), Anon("a9")],
            new Dictionary<IdentityKey, Guid> { [User("u1")] = c },
            new Dictionary<Guid, KnownCustomer> { [c] = new(c, Old, [User("u1")]) });

        decision.CustomerId.ShouldBe(c);
        decision.Attach.ShouldBe([Anon("a9")]);
        decision.MergeIntoSurvivor.ShouldBeEmpty();
    }

    [Fact]
    public void Linking_two_customers_merges_them_into_the_oldest()
    {
        var older = Guid.NewGuid();
        var younger = Guid.NewGuid();
        var decision = IdentityResolution.Decide(
            [User("u1"), Anon("a9")],
            new Dictionary<IdentityKey, Guid> { [User("u1")] = younger, [Anon("a9")] = older },
            new Dictionary<Guid, KnownCustomer> { [older] = new(older, Old, [Anon("a9")]), [younger] = new(younger, Young, [User("u1"), Email("y@example.com")]) });

        decision.CustomerId.ShouldBe(older);
        decision.MergeIntoSurvivor.ShouldBe([younger]);
        decision.MergeCause.ShouldNotBeNull().ShouldContain("u1");
        decision.Refused.ShouldBeEmpty();
    }

    [Fact]
    public void Two_customers_with_different_emails_are_not_merged_without_force()
    {
        var ann = Guid.NewGuid();
        var bob = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [Email("ann@example.com")] = ann, [Anon("shared-tablet")] = bob };
        var customers = new Dictionary<Guid, KnownCustomer> { [ann] = new(ann, Old, [Email("ann@example.com")]), [bob] = new(bob, Young, [Email("bob@example.com"), Anon("shared-tablet")]) };

        var decision = IdentityResolution.Decide([Email("ann@example.com"), Anon("shared-tablet")], holders, customers);

        decision.CustomerId.ShouldBe(ann);
        decision.MergeIntoSurvivor.ShouldBeEmpty();
        decision.Refused.Select(r => r.Identity).ShouldBe([Anon("shared-tablet")]);

        var forced = IdentityResolution.Decide([Email("ann@example.com"), Anon("shared-tablet")], holders, customers, forceMerge: true);
        forced.MergeIntoSurvivor.ShouldBe([bob]);
    }

    [Fact]
    public void Guard_keeps_the_message_with_the_customer_of_its_strongest_identity()
    {
        var ann = Guid.NewGuid();
        var bob = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [User("bob-id")] = bob, [Anon("shared")] = ann };
        var customers = new Dictionary<Guid, KnownCustomer> { [ann] = new(ann, Old, [Email("ann@example.com"), Anon("shared")]), [bob] = new(bob, Young, [Email("bob@example.com"), User("bob-id")]) };

        var decision = IdentityResolution.Decide([User("bob-id"), Anon("shared")], holders, customers);

        // The sender's own user id outranks an anonymous device id, although Ann's profile is older.
        decision.CustomerId.ShouldBe(bob);
        decision.Refused.Select(r => r.Identity).ShouldBe([Anon("shared")]);
    }

    [Fact]
    public void A_second_person_on_a_known_device_gets_their_own_profile()
    {
        var ann = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [Anon("family-tablet")] = ann };
        var customers = new Dictionary<Guid, KnownCustomer> { [ann] = new(ann, Old, [User("ann"), Email("ann@example.com"), Anon("family-tablet")]) };

        var decision = IdentityResolution.Decide([User("bob"), Anon("family-tablet"), Email("bob@example.com")], holders, customers);

        decision.CustomerId.ShouldBeNull();
        decision.Attach.ShouldBe([User("bob"), Email("bob@example.com")]);
        decision.Refused.Select(r => r.Identity).ShouldBe([Anon("family-tablet")]);
    }

    [Fact]
    public void Logging_in_on_an_anonymous_device_claims_its_history()
    {
        var visitor = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [Anon("laptop")] = visitor };
        var customers = new Dictionary<Guid, KnownCustomer> { [visitor] = new(visitor, Old, [Anon("laptop")]) };

        var decision = IdentityResolution.Decide([User("u9"), Anon("laptop"), Email("u9@example.com")], holders, customers);

        decision.CustomerId.ShouldBe(visitor);
        decision.Attach.ShouldBe([User("u9"), Email("u9@example.com")]);
        decision.Refused.ShouldBeEmpty();
    }

    [Fact]
    public void Customers_sharing_an_email_merge_despite_other_emails()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [User("u1")] = a, [User("u2")] = b };
        var customers = new Dictionary<Guid, KnownCustomer>
        {
            [a] = new(a, Old, [User("u1"), Email("same@example.com"), Email("work@example.com")]),
            [b] = new(b, Young, [User("u2"), Email("same@example.com")]),
        };

        IdentityResolution.Decide([User("u1"), User("u2")], holders, customers).MergeIntoSurvivor.ShouldBe([b]);
    }

    [Fact]
    public void Identities_are_needed_for_every_customer_a_message_links_and_for_one_met_through_a_device()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [User("u1")] = a, [Email("a@example.com")] = a, [Anon("tablet")] = b };

        IdentityResolution.NeedsIdentities([User("u1"), Email("a@example.com")], holders).ShouldBeEmpty();
        IdentityResolution.NeedsIdentities([User("u1"), Anon("new-device")], holders).ShouldBeEmpty();
        IdentityResolution.NeedsIdentities([User("u1"), Anon("tablet")], holders).ShouldBe([a, b], ignoreOrder: true);
        IdentityResolution.NeedsIdentities([User("u9"), Anon("tablet")], holders).ShouldBe([b]);
    }

    [Theory]
    [InlineData("u1", "a@example.com", null)]
    [InlineData("u1", null, "new-device")]
    [InlineData(null, "a@example.com", "new-device")]
    [InlineData("u-unknown", "a@example.com", null)]
    public void A_decision_that_needs_no_identities_does_not_change_with_them(string? user, string? email, string? device)
    {
        var a = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [User("u1")] = a, [Email("a@example.com")] = a };
        List<IdentityKey> stated = [.. new[] { user is null ? null : User(user), email is null ? null : Email(email), device is null ? null : Anon(device) }.OfType<IdentityKey>()];
        IdentityResolution.NeedsIdentities(stated, holders).ShouldBeEmpty();

        // Whatever else the customer holds (here: another e-mail and another user id of the source), the same decision.
        var bare = IdentityResolution.Decide(stated, holders, new Dictionary<Guid, KnownCustomer> { [a] = new(a, Old, []) });
        var full = IdentityResolution.Decide(stated, holders, new Dictionary<Guid, KnownCustomer> { [a] = new(a, Old, [User("u1"), User("u2"), Email("a@example.com"), Email("b@example.com")]) });

        (bare.CustomerId, bare.MergeCause).ShouldBe((full.CustomerId, full.MergeCause));
        bare.Attach.ShouldBe(full.Attach);
        bare.MergeIntoSurvivor.ShouldBe(full.MergeIntoSurvivor);
        bare.Refused.ShouldBe(full.Refused);
    }

    [Fact]
    public void Sole_holder_answers_only_where_Decide_gives_that_customer_with_nothing_else_to_do()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var holders = new Dictionary<IdentityKey, Guid> { [User("u1")] = a, [Email("a@example.com")] = a, [Anon("d1")] = a, [User("u2")] = b, [Anon("d2")] = b };
        var customers = new Dictionary<Guid, KnownCustomer>
        {
            [a] = new(a, Old, [User("u1"), Email("a@example.com"), Anon("d1")]),
            [b] = new(b, Young, [User("u2"), Anon("d2")]),
        };

        // Every stated identity held by one customer, one of them not anonymous: the shortcut and Decide agree.
        foreach (IdentityKey[] stated in new[] { new[] { User("u1") }, [User("u1"), Email("a@example.com")], [Anon("d1"), User("u1")] })
        {
            IdentityResolution.SoleHolder(stated, holders).ShouldBe(a);
            var decision = IdentityResolution.Decide(stated, holders, customers);
            (decision.CustomerId, decision.Attach.Count, decision.MergeIntoSurvivor.Count, decision.Refused.Count).ShouldBe((a, 0, 0, 0));
        }

        // Otherwise it abstains: an unknown identity to attach, two customers to merge, or a device id alone (the guard's case).
        IdentityResolution.SoleHolder([User("u1"), Email("new@example.com")], holders).ShouldBeNull();
        IdentityResolution.SoleHolder([User("u1"), User("u2")], holders).ShouldBeNull();
        IdentityResolution.SoleHolder([Anon("d1")], holders).ShouldBeNull();
        IdentityResolution.SoleHolder([], holders).ShouldBeNull();
    }
}
