using System.Text.Json;
using Obsess.Features.Customers;
using Obsess.Features.Demo;

namespace Obsess.Tests.Unit;

public sealed class DemoGeneratorTests
{
    private static readonly DateTime End = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    // The default-size company, generated once in memory for the tests that look at its shape.
    private static readonly Lazy<List<DemoCustomer>> Default = new(() => DemoGenerator.Generate(new DemoOptions { End = End }).ToList());

    private static string Snapshot(int seed, DateTime end, int customers = 300) =>
        JsonSerializer.Serialize(DemoGenerator.Generate(new DemoOptions { Customers = customers, Seed = seed, End = end }).ToList());

    [Fact]
    public void Same_seed_and_end_date_give_identical_output() =>
        Snapshot(11, End).ShouldBe(Snapshot(11, End));

    [Fact]
    public void A_different_seed_gives_different_output() =>
        Snapshot(11, End).ShouldNotBe(Snapshot(12, End));

    [Fact]
    public void A_different_end_date_moves_the_history() =>
        Snapshot(11, End).ShouldNotBe(Snapshot(11, End.AddDays(1)));

    [Fact]
    public void Default_size_has_ten_thousand_customers_two_hundred_thousand_activities_over_two_years()
    {
        var customers = Default.Value;

        customers.Count.ShouldBeGreaterThanOrEqualTo(10_000);
        customers.Sum(c => c.Orders.Count + c.Events.Count).ShouldBeGreaterThanOrEqualTo(200_000);
        var times = customers.SelectMany(c => c.Orders.Select(o => o.At).Concat(c.Events.Select(e => e.At))).ToList();
        times.Max().ShouldBeLessThan(End);
        times.Min().ShouldBeLessThanOrEqualTo(End.AddMonths(-24));
    }

    [Fact]
    public void Every_email_is_on_a_reserved_example_domain()
    {
        var emails = Default.Value.SelectMany(c => c.Identities).Where(i => i.Kind == IdentityKinds.Email).ToList();

        emails.ShouldNotBeEmpty();
        var domains = emails.Select(i => IdentityNormalizer.Email(i.Raw)?.Split('@')[1]).Distinct().ToList();
        domains.ShouldBeSubsetOf(new string?[] { "example.com", "example.net", "example.org" });
    }

    [Fact]
    public void Sources_overlap_so_some_customers_are_known_to_two_or_more_sources()
    {
        var sourcesPerCustomer = Default.Value.Select(c => c.Identities.Select(i => i.Source).Distinct().Count()).ToList();

        sourcesPerCustomer.Count(n => n >= 2).ShouldBeGreaterThan(1_000);
        sourcesPerCustomer.Count(n => n == 1).ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Some_customers_drop_out_and_others_stay()
    {
        var customers = Default.Value;

        customers.Count(c => c.DroppedOutAt is not null).ShouldBeGreaterThan(customers.Count / 10);
        customers.Count(c => c.DroppedOutAt is null).ShouldBeGreaterThan(customers.Count / 10);
        customers.Where(c => c.DroppedOutAt is { } d).ShouldAllBe(c => c.Orders.All(o => o.At <= c.DroppedOutAt));
    }

    [Fact]
    public void Every_customer_is_known_by_at_least_one_identity_and_ids_are_unique()
    {
        var customers = Default.Value;

        customers.ShouldAllBe(c => c.Identities.Count > 0);
        customers.Select(c => c.Number).Distinct().Count().ShouldBe(customers.Count);
        customers.SelectMany(c => c.Orders).Select(o => (o.Source, o.ExternalId)).Distinct().Count()
            .ShouldBe(customers.Sum(c => c.Orders.Count));
    }
}
