using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.TestHost;

namespace Obsess.Tests.Infrastructure;

/// <summary>
/// Talks to the app the way a browser does: keeps cookies, and follows redirects only when asked, so tests can
/// look at each redirect. Requests carry the client address this browser stands for.
/// </summary>
public sealed partial class BrowserClient : IDisposable
{
    private static readonly Uri Base = new("http://localhost/");

    public BrowserClient(TestServer server, string clientAddress)
    {
        Cookies = new CookieContainer();
        Http = new HttpClient(new CookieHandler(Cookies) { InnerHandler = server.CreateHandler() }) { BaseAddress = Base };
        Http.DefaultRequestHeaders.Add(ObsessAppFixture.ClientAddressHeader, clientAddress);
    }

    public CookieContainer Cookies { get; }

    public HttpClient Http { get; }

    public bool HasCookie(string name) => Cookies.GetCookies(Base).Any(c => c.Name == name);

    public Task<HttpResponseMessage> GetAsync(string url) => Http.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute));

    /// <summary>GETs <paramref name="url"/> and follows redirects to the final response.</summary>
    public async Task<HttpResponseMessage> GetFollowingAsync(string url) => await FollowAsync(await GetAsync(url));

    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; IsRedirect(response.StatusCode); hops++)
        {
            hops.ShouldBeLessThan(10, "too many redirects");
            var location = response.Headers.Location!;
            response.Dispose();
            response = await Http.GetAsync(location);
        }

        return response;
    }

    /// <summary>The antiforgery token of the sign-in form, as a browser would get it by opening /login.</summary>
    public async Task<string> LoginFormTokenAsync()
    {
        using var page = await GetAsync("/login");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var match = TokenInput().Match(await page.Content.ReadAsStringAsync());
        match.Success.ShouldBeTrue("the sign-in form has no antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Opens /login and submits the form; returns the form post's response (a redirect), not followed.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string email, string password, string returnUrl = "/")
    {
        var token = await LoginFormTokenAsync();
        return await PostLoginAsync(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        });
    }

    public Task<HttpResponseMessage> PostLoginAsync(Dictionary<string, string> form) =>
        Http.PostAsync(new Uri("/account/login", UriKind.Relative), new FormUrlEncodedContent(form));

    public static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();

    private sealed class CookieHandler(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!.IsAbsoluteUri ? request.RequestUri : new Uri(Base, request.RequestUri);
            var header = cookies.GetCookieHeader(uri);
            if (header.Length > 0)
            {
                request.Headers.Remove("Cookie");
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
            {
                foreach (var value in values)
                {
                    cookies.SetCookies(uri, value);
                }
            }

            return response;
        }
    }
}
