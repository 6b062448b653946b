using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Obsess.Features.Accounts;

/// <summary>
/// The sign-in, sign-out and display-preference forms post here (HTML forms with antiforgery tokens; the pages
/// themselves are Razor components). Sign-in is rate-limited per client address and locks an account after
/// repeated failures.
/// </summary>
internal static class AccountEndpoints
{
    public const string PreferencesCookie = "obsess.prefs";

    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/login", LoginAsync).RequireRateLimiting("login").AllowAnonymous();
        account.MapPost("/logout", (Delegate)LogoutAsync).AllowAnonymous();
        account.MapPost("/preferences", SetPreferences).AllowAnonymous();
    }

    private static async Task<IResult> LoginAsync(
        [FromForm] string? email,
        [FromForm] string? password,
        [FromForm] string? workspace,
        [FromForm] string? returnUrl,
        HttpContext http,
        SignInService signIn,
        CancellationToken ct)
    {
        var result = await signIn.CheckAsync(email, password, workspace, ct).ConfigureAwait(false);
        if (result.Outcome != SignInOutcome.Success)
        {
            var error = result.Outcome switch
            {
                SignInOutcome.LockedOut => "locked",
                SignInOutcome.ChooseWorkspace => "workspace",
                _ => "invalid",
            };
            return Results.Redirect($"/login?error={error}&email={Uri.EscapeDataString(email ?? "")}&returnUrl={Uri.EscapeDataString(SafeReturn(returnUrl))}");
        }

        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, result.Principal!).ConfigureAwait(false);
        return Results.LocalRedirect(SafeReturn(returnUrl));
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery)
    {
        // The form carries no other field, so nothing binds it and the framework would not check its token: check
        // it here, or any site could sign our users out.
        if (!await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return Results.Problem(statusCode: 400, title: "Invalid form", detail: "The sign-out form has expired; reload the page and try again.");
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return Results.Redirect("/login?signedOut=1");
    }

    private static IResult SetPreferences([FromForm] string? textSize, [FromForm] string? contrast, [FromForm] string? returnUrl, HttpContext http)
    {
        var prefs = new DisplayPreferences(
            textSize is "100" or "125" or "150" ? textSize : "100",
            contrast == "high");
        http.Response.Cookies.Append(PreferencesCookie, prefs.ToCookie(), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(365),
        });
        return Results.LocalRedirect(SafeReturn(returnUrl));
    }

    /// <summary>Only local paths: an open redirect would let a phishing link borrow our sign-in page.</summary>
    internal static string SafeReturn(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}

/// <summary>Text size (100, 125 or 150 %) and high contrast, kept in a cookie so they apply before sign-in too.</summary>
public sealed record DisplayPreferences(string TextSize, bool HighContrast)
{
    public static DisplayPreferences Default { get; } = new("100", false);

    public string ToCookie() => $"{TextSize}|{(HighContrast ? "high" : "normal")}";

    public static DisplayPreferences FromCookie(string? value)
    {
        var parts = value?.Split('|');
        return parts is [var size, var contrast] && size is "100" or "125" or "150"
            ? new DisplayPreferences(size, contrast == "high")
            : Default;
    }
}
