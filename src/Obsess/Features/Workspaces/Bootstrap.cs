using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;

namespace Obsess.Features.Workspaces;

public sealed record BootstrapResult(Workspace Workspace, string? AdminEmail, string? GeneratedPassword, bool CreatedAdmin);

/// <summary>First start: the default workspace and its first admin.</summary>
public static class Bootstrap
{
    public const string DefaultSlug = "default";

    /// <summary>
    /// Creates the default workspace if there is none, and an admin if it has no users: from
    /// OBSESS_ADMIN_EMAIL / OBSESS_ADMIN_PASSWORD, or admin@obsess.local with a generated password that is
    /// returned once, to be printed, and never stored in clear.
    /// </summary>
    public static async Task<BootstrapResult> EnsureAsync(IServiceProvider services, string? adminEmail, string? adminPassword, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var workspace = await db.Workspaces.FirstOrDefaultAsync(w => w.Slug == DefaultSlug, ct).ConfigureAwait(false);
        if (workspace is null)
        {
            workspace = new Workspace { Id = Guid.CreateVersion7(), Slug = DefaultSlug, Name = "Default workspace", CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Workspaces.Add(workspace);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(workspace.Id);
        if (await db.Users.AnyAsync(ct).ConfigureAwait(false))
        {
            return new BootstrapResult(workspace, null, null, false);
        }

        var email = string.IsNullOrWhiteSpace(adminEmail) ? "admin@obsess.local" : adminEmail.Trim();
        var generated = string.IsNullOrEmpty(adminPassword) ? PasswordHasher.Generate() : null;
        var password = adminPassword ?? generated!;
        var errors = UserService.Validate(email, "Administrator", Roles.Admin, password);
        if (errors.Count > 0)
        {
            var (field, messages) = errors.First();
            throw new StorageException($"OBSESS_ADMIN_{(field == "email" ? "EMAIL" : "PASSWORD")}: {messages[0]}");
        }

        var users = scope.ServiceProvider.GetRequiredService<UserService>();
        await users.CreateAsync(email, "Administrator", Roles.Admin, password, "system", ct).ConfigureAwait(false);
        return new BootstrapResult(workspace, UserService.NormalizeEmail(email), generated, true);
    }
}
