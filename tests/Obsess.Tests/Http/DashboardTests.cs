using System.Globalization;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Features.Accounts;
using Obsess.Features.Dashboard;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>The overview's monthly figures agree with the orders they are computed from.</summary>
public abstract class DashboardTests(ObsessAppFixture app)
{
    [Fact]
    public async Task New_and_returning_buyers_per_month_match_the_orders()
    {
        var ws = await app.DemoWorkspaceAsync();
        var key = await app.CreateApiKeyAsync(ws, Roles.Viewer);
        var overview = await app.ApiClient(key.Key).GetFromJsonAsync<Overview>(new Uri("/api/dashboard/overview", UriKind.Relative));

        var orders = await app.QueryAsync(ws, db => db.Orders.Select(o => new { o.CustomerId, o.OrderedAt }).ToListAsync());
        var first = orders.GroupBy(o => o.CustomerId).ToDictionary(g => g.Key, g => g.Min(o => o.OrderedAt).ToString("yyyy-MM", CultureInfo.InvariantCulture));
        var buyers = orders.Select(o => (o.CustomerId, Month: o.OrderedAt.ToString("yyyy-MM", CultureInfo.InvariantCulture))).Distinct().ToList();

        overview!.NewVsReturning.Sum(m => m.New + m.Returning).ShouldBeGreaterThan(0);
        foreach (var m in overview.NewVsReturning)
        {
            var inMonth = buyers.Where(b => b.Month == m.Month).ToList();
            (m.New, m.Returning).ShouldBe((inMonth.Count(b => first[b.CustomerId] == m.Month), inMonth.Count(b => string.CompareOrdinal(first[b.CustomerId], m.Month) < 0)), m.Month);
        }
    }
}

public sealed class DashboardTests_on_sqlite(SqliteAppFixture app) : DashboardTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class DashboardTests_on_postgres(PostgresAppFixture app) : DashboardTests(app), IClassFixture<PostgresAppFixture>;
