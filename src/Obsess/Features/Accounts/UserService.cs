using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Accounts;

public sealed record UserSummary(Guid Id, string Email, string Name, string Role, bool Disabled, DateTime CreatedAt, DateTime? LastLoginAt);

/// <summary>Users of the current workspace: create, list, change role, disable. Shared by the API, the UI and the CLI.</summary>
public sealed class UserService(ObsessDb db, TimeProvider clock)
{
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static Dictionary<string, string[]> Validate(string? email, string? name, string? role, string? password)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsEmail(email))
        {
            errors["email"] = ["A valid e-mail address is required."];
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["Name is required."];
        }
        else if (name.Length > 200)
        {
            errors["name"] = ["Name must be at most 200 characters."];
        }

        if (!Roles.IsUserRole(role))
        {
            errors["role"] = [$"Role must be one of: {string.Join(", ", Roles.UserRoles)}."];
        }

        if (PasswordHasher.Weakness(password) is { } weak)
        {
            errors["password"] = [weak];
        }

        return errors;
    }

    public static bool IsEmail(string? email) =>
        !string.IsNullOrWhiteSpace(email) && email.Trim().Length <= 320 && MailAddress.TryCreate(email.Trim(), out var parsed)
        && parsed.Address == email.Trim() && parsed.Host.Contains('.', StringComparison.Ordinal);

    public async Task<UserSummary?> CreateAsync(string email, string name, string role, string password, string actor, CancellationToken ct = default)
    {
        var workspaceId = db.CurrentWorkspaceId;
        var normalized = NormalizeEmail(email);
        if (await db.Users.AnyAsync(u => u.Email == normalized, ct).ConfigureAwait(false))
        {
            return null;
        }

        var user = new User
        {
            WorkspaceId = workspaceId,
            Id = Guid.CreateVersion7(),
            Email = normalized,
            Name = name.Trim(),
            Role = role,
            PasswordHash = PasswordHasher.Hash(password),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(user);
        Audit.Audit.Record(db, workspaceId, actor, "user.created", $"user:{user.Id}", $"{user.Email} ({role})", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return ToSummary(user);
    }

    public async Task<List<UserSummary>> ListAsync(CancellationToken ct = default) =>
        (await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct).ConfigureAwait(false)).Select(ToSummary).ToList();

    /// <summary>Changes a user's role and/or disabled flag; null when there is no such user in the workspace.</summary>
    public async Task<UserSummary?> UpdateAsync(Guid id, string? role, bool? disabled, string actor, CancellationToken ct = default)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct).ConfigureAwait(false);
        if (user is null)
        {
            return null;
        }

        if (role is not null && role != user.Role)
        {
            Audit.Audit.Record(db, user.WorkspaceId, actor, "user.role_changed", $"user:{user.Id}", $"{user.Role} → {role}", clock);
            user.Role = role;
        }

        if (disabled is { } d && d != user.Disabled)
        {
            Audit.Audit.Record(db, user.WorkspaceId, actor, d ? "user.disabled" : "user.enabled", $"user:{user.Id}", user.Email, clock);
            user.Disabled = d;
        }

        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return ToSummary(user);
    }

    /// <summary>True when this user is an active admin and removing their admin rights would leave the workspace without one.</summary>
    public async Task<bool> IsLastAdminAsync(Guid id, CancellationToken ct = default) =>
        await db.Users.AnyAsync(u => u.Id == id && u.Role == Roles.Admin && !u.Disabled, ct).ConfigureAwait(false)
        && !await db.Users.AnyAsync(u => u.Id != id && u.Role == Roles.Admin && !u.Disabled, ct).ConfigureAwait(false);

    private static UserSummary ToSummary(User u) => new(u.Id, u.Email, u.Name, u.Role, u.Disabled, u.CreatedAt, u.LastLoginAt);
}
