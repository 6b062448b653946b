using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Customer search and the 360° profile, checked against what the database holds.</summary>
public abstract class CustomerApiTests(ObsessAppFixture app)
{
    /// <summary>A demo customer with an e-mail, several orders and events, so every part of the profile has data.</summary>
    private async Task<(Guid Ws, Customer Customer, int Orders, int Events)> BusyCustomerAsync()
    {
        var ws = await app.DemoWorkspaceAsync();
        return await app.QueryAsync(ws, async db =>
        {
            var orderCounts = await db.Orders.GroupBy(o => o.CustomerId).Select(g => new { Id = g.Key, Count = g.Count() }).Where(g => g.Count >= 3).ToListAsync();
            var candidates = orderCounts.Select(o => o.Id).ToList();
            var customer = await db.Customers.Where(c => c.Email != null && candidates.Contains(c.Id)).OrderBy(c => c.Id).FirstAsync();
            var events = await db.Events.CountAsync(e => e.CustomerId == customer.Id);
            return (ws, customer, orderCounts.Single(o => o.Id == customer.Id).Count, events);
        });
    }

    [Fact]
    public async Task Search_by_email_finds_that_customer_however_the_email_is_written()
    {
        var (ws, customer, _, _) = await BusyCustomerAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var exact = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url($"/api/customers?query={Uri.EscapeDataString(customer.Email!)}"));
        var shouted = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url($"/api/customers?query={Uri.EscapeDataString("  " + customer.Email!.ToUpperInvariant() + " ")}"));

        exact!.Items.Select(c => c.Id).ShouldBe([customer.Id]);
        shouted!.Items.Select(c => c.Id).ShouldBe([customer.Id]);
        exact.Items[0].Email.ShouldBe(customer.Email);
    }

    [Fact]
    public async Task Search_for_a_stranger_finds_nobody()
    {
        var ws = await app.DemoWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var page = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url("/api/customers?query=nobody.at.all%40example.invalid"));

        page!.Total.ShouldBe(0);
        page.Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Profile_has_identities_basics_matching_the_database_and_a_timeline_newest_first()
    {
        var (ws, customer, orders, events) = await BusyCustomerAsync();
        var identities = await app.QueryAsync(ws, db => db.Identities.Where(i => i.CustomerId == customer.Id).Select(i => i.Value).ToListAsync());
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var profile = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?pageSize=200"));

        profile.ShouldNotBeNull();
        (profile.Id, profile.Name, profile.Email).ShouldBe((customer.Id, customer.Name, customer.Email));
        profile.Identities.Select(i => i.Value).ShouldBe(identities, ignoreOrder: true);
        profile.Identities.ShouldContain(i => i.Kind == IdentityKinds.Email && i.Value == customer.Email);
        profile.Basics.Orders.ShouldBe(orders);
        profile.Timeline.Total.ShouldBe(orders + events);
        profile.Timeline.Items.Count.ShouldBe(Math.Min(200, orders + events));
        profile.Timeline.Items.Count(e => e.Kind == "order").ShouldBe(Math.Min(orders, profile.Timeline.Items.Count));
        profile.Timeline.Items.Select(e => e.At).ShouldBeInOrder(SortDirection.Descending);
        profile.Traits.ShouldContainKey("city");
    }

    [Fact]
    public async Task Timeline_pages_continue_where_the_previous_page_ended()
    {
        var (ws, customer, orders, events) = await BusyCustomerAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var first = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?pageSize=3&page=1"));
        var second = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?pageSize=3&page=2"));
        var all = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?pageSize=6"));

        first!.Timeline.Items.Concat(second!.Timeline.Items).Select(e => e.At).ShouldBe(all!.Timeline.Items.Select(e => e.At));
        first.Timeline.Total.ShouldBe(orders + events);
    }

    [Fact]
    public async Task Timeline_filtered_to_orders_holds_only_orders()
    {
        var (ws, customer, orders, _) = await BusyCustomerAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        var profile = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?kind=order&pageSize=200"));

        profile!.Timeline.Total.ShouldBe(orders);
        profile.Timeline.Items.ShouldAllBe(e => e.Kind == "order");
    }

    [Fact]
    public async Task Timeline_filtered_by_source_or_channel_counts_exactly_what_matches()
    {
        var (ws, customer, _, _) = await BusyCustomerAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);
        var (events, orders) = await app.QueryAsync(ws, async db => (
            await db.Events.Where(e => e.CustomerId == customer.Id).Select(e => new { e.Source, e.Channel }).ToListAsync(),
            await db.Orders.Where(o => o.CustomerId == customer.Id).Select(o => new { o.Source, o.Channel }).ToListAsync()));
        var all = events.Concat(orders).ToList();

        foreach (var source in all.Select(x => x.Source).Distinct())
        {
            var profile = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?source={Uri.EscapeDataString(source)}&pageSize=200"));
            profile!.Timeline.Total.ShouldBe(all.Count(x => x.Source == source), $"source {source}");
            profile.Timeline.Items.ShouldAllBe(e => e.Source == source);
        }

        foreach (var channel in all.Select(x => x.Channel).Distinct())
        {
            var profile = await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}?kind=event&channel={Uri.EscapeDataString(channel)}&pageSize=200"));
            profile!.Timeline.Total.ShouldBe(events.Count(x => x.Channel == channel), $"channel {channel}");
        }

        var basics = (await client.GetFromJsonAsync<CustomerProfile>(Url($"/api/customers/{customer.Id}")))!.Basics;
        basics.Channels.ShouldBe(all.Select(x => x.Channel).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Unknown_customer_is_a_404_problem()
    {
        var ws = await app.DemoWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        using var client = app.ApiClient(key.Key);

        using var response = await client.GetAsync(Url($"/api/customers/{Guid.CreateVersion7()}"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }
}

public sealed class CustomerApiTests_on_sqlite(SqliteAppFixture app) : CustomerApiTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class CustomerApiTests_on_postgres(PostgresAppFixture app) : CustomerApiTests(app), IClassFixture<PostgresAppFixture>;
