using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Accounts;

public enum SignInOutcome
{
    Success,
    InvalidCredentials,
    LockedOut,
    ChooseWorkspace,
}

public sealed record SignInResult(SignInOutcome Outcome, ClaimsPrincipal? Principal = null, DateTime? LockedUntil = null);

/// <summary>
/// Checks a password and applies the account lockout: after <see cref="MaxFailures"/> wrong passwords in a row the
/// account is locked for <see cref="LockoutMinutes"/> minutes (OWASP Authentication Cheat Sheet). Per-address
/// throttling is the "login" rate-limit policy on the endpoint.
/// </summary>
public sealed class SignInService(ObsessDb db, TimeProvider clock)
{
    public const int MaxFailures = 5;
    public const int LockoutMinutes = 15;

    public async Task<SignInResult> CheckAsync(string? email, string? password, string? workspaceSlug, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return new SignInResult(SignInOutcome.InvalidCredentials);
        }

        var normalized = UserService.NormalizeEmail(email);
        var query = db.Users.IgnoreQueryFilters().Where(u => u.Email == normalized);
        if (!string.IsNullOrWhiteSpace(workspaceSlug))
        {
            var slug = workspaceSlug.Trim().ToLowerInvariant();
            query = query.Where(u => db.Workspaces.Any(w => w.Id == u.WorkspaceId && w.Slug == slug));
        }

        var candidates = await query.Take(2).ToListAsync(ct).ConfigureAwait(false);
        if (candidates.Count > 1)
        {
            return new SignInResult(SignInOutcome.ChooseWorkspace);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (candidates.Count == 0)
        {
            // Spend the same time as a real check, so response time does not reveal which e-mails exist.
            PasswordHasher.Verify(password, DummyHash);
            return new SignInResult(SignInOutcome.InvalidCredentials);
        }

        var user = candidates[0];
        if (user.LockedUntil is { } until && until > now)
        {
            return new SignInResult(SignInOutcome.LockedOut, LockedUntil: until);
        }

        if (user.Disabled || !PasswordHasher.Verify(password, user.PasswordHash, out var rehash))
        {
            user.FailedLogins++;
            if (user.FailedLogins >= MaxFailures)
            {
                user.LockedUntil = now.AddMinutes(LockoutMinutes);
                user.FailedLogins = 0;
                Audit.Audit.Record(db, user.WorkspaceId, $"user:{user.Id}", "user.locked_out", $"user:{user.Id}", $"{MaxFailures} failed sign-ins", clock);
            }

            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            return user.LockedUntil > now ? new SignInResult(SignInOutcome.LockedOut, LockedUntil: user.LockedUntil) : new SignInResult(SignInOutcome.InvalidCredentials);
        }

        user.FailedLogins = 0;
        user.LockedUntil = null;
        user.LastLoginAt = now;
        if (rehash)
        {
            user.PasswordHash = PasswordHasher.Hash(password);
        }

        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new SignInResult(SignInOutcome.Success, PrincipalFor(user));
    }

    public static ClaimsPrincipal PrincipalFor(User user) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new Claim(ClaimTypes.Name, user.Name),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(ClaimTypes.Role, user.Role),
            new Claim(ObsessClaims.Workspace, user.WorkspaceId.ToString()),
            new Claim(ObsessClaims.Kind, "user"),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme));

    private static readonly string DummyHash = PasswordHasher.Hash("not a real password, only spends time");
}
