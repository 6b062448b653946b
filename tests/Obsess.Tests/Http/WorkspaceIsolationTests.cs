using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Customers;
using Obsess.Features.Dashboard;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>A key of workspace B sees nothing of workspace A, whatever it asks for.</summary>
public abstract class WorkspaceIsolationTests(ObsessAppFixture app)
{
    private const int BCustomers = 30;

    private async Task<(Guid A, HashSet<Guid> ACustomers, Customer ASample, CreatedApiKey AKey, Guid B, HttpClient BClient, CreatedApiKey BKey)> TwoWorkspacesAsync()
    {
        var a = await app.DemoWorkspaceAsync();
        var aKey = await app.CreateApiKeyAsync(a, Roles.Admin);
        var aCustomers = await app.QueryAsync(a, db => db.Customers.Select(c => c.Id).ToListAsync());
        var sample = await app.QueryAsync(a, db => db.Customers.Where(c => c.Email != null).OrderBy(c => c.Id).FirstAsync());
        var b = await app.CreateWorkspaceAsync(demoCustomers: BCustomers, seed: 99);
        var bKey = await app.CreateApiKeyAsync(b, Roles.Admin);
        return (a, aCustomers.ToHashSet(), sample, aKey, b, app.ApiClient(bKey.Key), bKey);
    }

    [Fact]
    public async Task A_customer_of_workspace_A_is_not_found_with_a_key_of_workspace_B()
    {
        var w = await TwoWorkspacesAsync();
        using var client = w.BClient;

        using var response = await client.GetAsync(Url($"/api/customers/{w.ASample.Id}"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        using var own = app.ApiClient(w.AKey.Key);
        (await own.GetAsync(Url($"/api/customers/{w.ASample.Id}"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Customer_search_in_workspace_B_returns_none_of_A_customers()
    {
        var w = await TwoWorkspacesAsync();
        using var client = w.BClient;

        var byEmail = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url($"/api/customers?query={Uri.EscapeDataString(w.ASample.Email!)}"));
        var all = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url("/api/customers?pageSize=200"));

        byEmail!.Items.Select(c => c.Id).ShouldNotContain(w.ASample.Id);
        all!.Total.ShouldBe(BCustomers);
        all.Items.Count.ShouldBe(BCustomers);
        all.Items.Where(c => w.ACustomers.Contains(c.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_admin_of_workspace_B_can_neither_read_nor_change_A_customers_merges_consent_or_scores()
    {
        var w = await TwoWorkspacesAsync();
        using var client = w.BClient;
        await app.InWorkspaceAsync(w.A, sp => sp.GetRequiredService<Obsess.Features.Intelligence.ScoresService>().RecomputeAsync());

        await ProblemAssert.IsProblemAsync(await client.GetAsync(Url($"/api/customers/{w.ASample.Id}/merges")), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await client.PostAsync(Url($"/api/customers/{w.ASample.Id}/split"), null), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await client.PutAsJsonAsync(Url($"/api/customers/{w.ASample.Id}/consent"), new { purposes = new { marketing_email = false } }), HttpStatusCode.NotFound);

        // B has no scores of its own yet: its insights show nothing of A's.
        var insights = await client.GetFromJsonAsync<Obsess.Features.Intelligence.Insights>(Url("/api/insights"));
        insights!.ScoredCustomers.ShouldBe(0);
        insights.LatestRuns.ShouldBeEmpty();
        insights.HighValueAtRisk.ShouldBeEmpty();
        var ranked = await client.GetFromJsonAsync<PagedList<CustomerListItem>>(Url("/api/customers?sort=value&pageSize=200"));
        ranked!.Items.ShouldAllBe(c => c.Clv12m == null);
        (await app.QueryAsync(w.A, db => db.Customers.Where(c => c.Id == w.ASample.Id).Select(c => c.Consent).SingleAsync())).ShouldNotContain("\"granted\":false");
    }

    [Fact]
    public async Task Key_list_of_workspace_B_shows_none_of_A_keys()
    {
        var w = await TwoWorkspacesAsync();
        using var client = w.BClient;

        var keys = await client.GetFromJsonAsync<List<ApiKeySummary>>(Url("/api/keys"));
        var users = await client.GetFromJsonAsync<List<UserSummary>>(Url("/api/users"));

        keys!.Select(k => k.Id).ShouldBe([w.BKey.Id]);
        users!.ShouldBeEmpty();
    }

    [Fact]
    public async Task Dashboard_of_workspace_B_counts_only_B()
    {
        var w = await TwoWorkspacesAsync();
        using var client = w.BClient;
        var bOrders = await app.QueryAsync(w.B, db => db.Orders.CountAsync());

        var overview = await client.GetFromJsonAsync<Overview>(Url("/api/dashboard/overview?months=60"));

        overview!.Customers.ShouldBe(BCustomers);
        overview.RevenueByMonth.Sum(m => m.Orders).ShouldBe(bOrders);
        overview.NewVsReturning.Sum(m => m.New).ShouldBeLessThanOrEqualTo(BCustomers);
    }
}

public sealed class WorkspaceIsolationTests_on_sqlite(SqliteAppFixture app) : WorkspaceIsolationTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WorkspaceIsolationTests_on_postgres(PostgresAppFixture app) : WorkspaceIsolationTests(app), IClassFixture<PostgresAppFixture>;
