using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Encodings.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Features.Accounts;
using Obsess.Features.Dashboard;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>The sign-in form flow as a browser drives it, the lockout, throttling, antiforgery and the UI pages.</summary>
public abstract class SignInTests(ObsessAppFixture app)
{
    private const string AuthCookie = "obsess.auth";

    private static string LocationOf(HttpResponseMessage response) => response.Headers.Location?.OriginalString ?? "";

    [Fact]
    public async Task Signing_in_through_the_form_lands_on_the_dashboard_showing_its_figures()
    {
        var ws = await app.DemoWorkspaceAsync();
        var user = await app.CreateUserAsync(ws, Roles.Viewer);
        var overview = await app.InWorkspaceAsync(ws, sp => sp.GetRequiredService<DashboardQueries>().OverviewAsync());
        using var browser = app.Browser();

        using var posted = await browser.SignInAsync(user.Email, user.Password);

        BrowserClient.IsRedirect(posted.StatusCode).ShouldBeTrue();
        LocationOf(posted).ShouldBe("/");
        browser.HasCookie(AuthCookie).ShouldBeTrue();
        using var home = await browser.FollowAsync(posted);
        home.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await home.Content.ReadAsStringAsync();
        html.ShouldContain("<h1>Overview</h1>");
        html.ShouldContain($"<span class=\"kpi-value\">{ObsessAppFixture.DemoCustomers.ToString("N0", CultureInfo.InvariantCulture)}</span>");
        html.ShouldContain($"<span class=\"kpi-value\">{overview.OrdersLast12Months.ToString("N0", CultureInfo.InvariantCulture)}</span>");
        var me = await browser.Http.GetFromJsonAsync<MeResponse>(Url("/api/me"));
        (me!.Kind, me.Id, me.WorkspaceId).ShouldBe(("user", user.Id, ws));
    }

    [Fact]
    public async Task A_wrong_password_redirects_back_with_error_invalid_and_signs_nobody_in()
    {
        var user = await app.CreateUserAsync(await app.CreateWorkspaceAsync(), Roles.Viewer);
        using var browser = app.Browser();

        using var posted = await browser.SignInAsync(user.Email, "not the right password");

        BrowserClient.IsRedirect(posted.StatusCode).ShouldBeTrue();
        LocationOf(posted).ShouldStartWith("/login?error=invalid");
        browser.HasCookie(AuthCookie).ShouldBeFalse();
        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var page = await (await browser.GetAsync(LocationOf(posted))).Content.ReadAsStringAsync();
        page.ShouldContain("The e-mail or password is not right.");
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_password()
    {
        var ws = await app.CreateWorkspaceAsync();
        var user = await app.CreateUserAsync(ws, Roles.Viewer);
        using var browser = app.Browser();

        for (var attempt = 1; attempt <= SignInService.MaxFailures; attempt++)
        {
            using var wrong = await browser.SignInAsync(user.Email, $"wrong password number {attempt}");
            LocationOf(wrong).ShouldStartWith(attempt < SignInService.MaxFailures ? "/login?error=invalid" : "/login?error=locked");
        }

        using var right = await browser.SignInAsync(user.Email, user.Password);

        LocationOf(right).ShouldStartWith("/login?error=locked");
        browser.HasCookie(AuthCookie).ShouldBeFalse();
        var lockedUntil = await app.QueryAsync(ws, db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LockedUntil).SingleAsync());
        lockedUntil.ShouldNotBeNull();
        lockedUntil.Value.ShouldBeGreaterThan(DateTime.UtcNow);
    }

    [Fact]
    public async Task Four_wrong_passwords_then_the_right_one_signs_in()
    {
        var user = await app.CreateUserAsync(await app.CreateWorkspaceAsync(), Roles.Viewer);
        using var browser = app.Browser();

        for (var attempt = 1; attempt < SignInService.MaxFailures; attempt++)
        {
            using var wrong = await browser.SignInAsync(user.Email, $"wrong password number {attempt}");
            LocationOf(wrong).ShouldStartWith("/login?error=invalid");
        }

        using var right = await browser.SignInAsync(user.Email, user.Password);

        LocationOf(right).ShouldBe("/");
        browser.HasCookie(AuthCookie).ShouldBeTrue();
    }

    [Fact]
    public async Task More_than_ten_attempts_a_minute_from_one_client_are_throttled_but_other_clients_are_not()
    {
        using var browser = app.Browser();
        var token = await browser.LoginFormTokenAsync();
        Dictionary<string, string> Form() => new()
        {
            ["__RequestVerificationToken"] = token,
            ["email"] = $"nobody.{Guid.NewGuid():N}@example.com",
            ["password"] = "guessing passwords",
        };

        for (var attempt = 1; attempt <= 10; attempt++)
        {
            using var allowed = await browser.PostLoginAsync(Form());
            LocationOf(allowed).ShouldStartWith("/login?error=invalid", Case.Sensitive, $"attempt {attempt}");
        }

        using var throttled = await browser.PostLoginAsync(Form());

        throttled.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        LocationOf(throttled).ShouldBe("/login?error=throttled");
        // The limiter's own wait (the rest of the minute's window), also as X-RateLimit-Reset for Segment's SDK.
        var wait = throttled.Headers.RetryAfter!.Delta!.Value;
        wait.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        throttled.Headers.GetValues("X-RateLimit-Reset").ShouldBe([((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var elsewhere = app.Browser();
        using var other = await elsewhere.SignInAsync($"nobody.{Guid.NewGuid():N}@example.com", "guessing passwords");
        LocationOf(other).ShouldStartWith("/login?error=invalid");
    }

    [Fact]
    public async Task Posting_the_login_form_without_an_antiforgery_token_is_refused_and_signs_nobody_in()
    {
        var user = await app.CreateUserAsync(await app.CreateWorkspaceAsync(), Roles.Viewer);
        using var browser = app.Browser();
        await browser.LoginFormTokenAsync();

        using var posted = await browser.PostLoginAsync(new Dictionary<string, string> { ["email"] = user.Email, ["password"] = user.Password, ["returnUrl"] = "/" });

        posted.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        browser.HasCookie(AuthCookie).ShouldBeFalse();
        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("//evil.com")]
    [InlineData("https://evil.com/")]
    [InlineData("/\\evil.com")]
    public async Task Signing_in_never_redirects_off_site(string returnUrl)
    {
        var user = await app.CreateUserAsync(await app.CreateWorkspaceAsync(), Roles.Viewer);
        using var browser = app.Browser();

        using var posted = await browser.SignInAsync(user.Email, user.Password, returnUrl);

        LocationOf(posted).ShouldBe("/");
    }

    [Fact]
    public async Task Customer_pages_render_for_a_signed_in_user()
    {
        var ws = await app.DemoWorkspaceAsync();
        var customer = await app.QueryAsync(ws, db => db.Customers.Where(c => c.Email != null && c.Name != null).OrderByDescending(c => c.Id).FirstAsync());
        var user = await app.CreateUserAsync(ws, Roles.Viewer);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();

        using var list = await browser.GetAsync($"/customers?q={Uri.EscapeDataString(customer.Email!)}");
        using var detail = await browser.GetAsync($"/customers/{customer.Id}");

        list.StatusCode.ShouldBe(HttpStatusCode.OK);
        var listHtml = await list.Content.ReadAsStringAsync();
        listHtml.ShouldContain($"href=\"/customers/{customer.Id}\"");
        listHtml.ShouldContain("1 customer match");
        detail.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await detail.Content.ReadAsStringAsync()).ShouldContain($"<h1>{HtmlEncoder.Default.Encode(customer.Name!)}</h1>");
    }

    [Fact]
    public async Task Customers_page_sends_a_signed_out_visitor_to_the_login_page()
    {
        using var browser = app.Browser();

        using var response = await browser.GetAsync("/customers");

        BrowserClient.IsRedirect(response.StatusCode).ShouldBeTrue();
        var location = LocationOf(response);
        location.ShouldContain("/login");
        location.ShouldContain("ReturnUrl=%2Fcustomers");
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var user = await app.CreateUserAsync(await app.CreateWorkspaceAsync(), Roles.Viewer);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();
        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Without the form's antiforgery token another site could sign the user out: refused, still signed in.
        using var forged = await browser.Http.PostAsync(Url("/account/logout"), new FormUrlEncodedContent([]));
        await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.BadRequest);
        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var token = await browser.LoginFormTokenAsync();
        using var signedOut = await browser.Http.PostAsync(Url("/account/logout"), new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));

        LocationOf(signedOut).ShouldStartWith("/login");
        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_user_disabled_by_an_admin_loses_access_with_the_cookie_they_already_have()
    {
        var ws = await app.CreateWorkspaceAsync();
        var admin = await app.CreateApiKeyAsync(ws, Roles.Admin);
        var user = await app.CreateUserAsync(ws, Roles.Agent);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();
        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await browser.GetAsync("/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var adminClient = app.ApiClient(admin.Key);
        using var patched = await adminClient.PatchAsJsonAsync(Url($"/api/users/{user.Id}"), new UpdateUserRequest(null, true));
        patched.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await patched.Content.ReadFromJsonAsync<UserSummary>())!.Disabled.ShouldBeTrue();

        (await browser.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var page = await browser.GetAsync("/customers");
        BrowserClient.IsRedirect(page.StatusCode).ShouldBeTrue();
        LocationOf(page).ShouldContain("/login");
    }

    [Fact]
    public async Task A_role_change_applies_to_the_existing_cookie_at_the_next_request()
    {
        var ws = await app.CreateWorkspaceAsync();
        var admin = await app.CreateApiKeyAsync(ws, Roles.Admin);
        var user = await app.CreateUserAsync(ws, Roles.Agent);
        using var browser = app.Browser();
        (await browser.SignInAsync(user.Email, user.Password)).Dispose();
        (await browser.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var adminClient = app.ApiClient(admin.Key);
        (await adminClient.PatchAsJsonAsync(Url($"/api/users/{user.Id}"), new UpdateUserRequest(Roles.Admin, null))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await browser.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class SignInTests_on_sqlite(SqliteAppFixture app) : SignInTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SignInTests_on_postgres(PostgresAppFixture app) : SignInTests(app), IClassFixture<PostgresAppFixture>;
