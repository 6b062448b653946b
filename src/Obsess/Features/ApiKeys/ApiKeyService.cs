using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;

namespace Obsess.Features.ApiKeys;

public sealed record CreatedApiKey(Guid Id, string Name, string Role, string Prefix, DateTime CreatedAt, string Key);

public sealed record ApiKeySummary(Guid Id, string Name, string Role, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>Creates, lists and revokes API keys of the current workspace (used by the API, the UI and the CLI alike).</summary>
public sealed class ApiKeyService(ObsessDb db, TimeProvider clock, ApiKeyCache cache)
{
    public async Task<CreatedApiKey> CreateAsync(string name, string role, string actor, CancellationToken ct = default)
    {
        var workspaceId = db.CurrentWorkspaceId;
        if (workspaceId == Guid.Empty)
        {
            throw new InvalidOperationException("No current workspace.");
        }

        var key = ApiKeySecrets.NewKey(workspaceId);
        var entity = new ApiKey
        {
            WorkspaceId = workspaceId,
            Id = Guid.CreateVersion7(),
            Name = name.Trim(),
            Role = role,
            Prefix = ApiKeySecrets.PrefixOf(key),
            Hash = ApiKeySecrets.HashOf(key),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(entity);
        Audit.Audit.Record(db, workspaceId, actor, "api_key.created", $"api_key:{entity.Id}", $"{entity.Name} ({role})", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new CreatedApiKey(entity.Id, entity.Name, entity.Role, entity.Prefix, entity.CreatedAt, key);
    }

    public async Task<List<ApiKeySummary>> ListAsync(CancellationToken ct = default) =>
        await db.ApiKeys.AsNoTracking()
            .OrderBy(k => k.CreatedAt)
            .Select(k => new ApiKeySummary(k.Id, k.Name, k.Role, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt))
            .ToListAsync(ct).ConfigureAwait(false);

    /// <summary>Revokes a key; false when the workspace has no such key. Revoking twice is harmless.</summary>
    public async Task<bool> RevokeAsync(Guid id, string actor, CancellationToken ct = default)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct).ConfigureAwait(false);
        if (key is null)
        {
            return false;
        }

        if (key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow().UtcDateTime;
            Audit.Audit.Record(db, key.WorkspaceId, actor, "api_key.revoked", $"api_key:{key.Id}", key.Name, clock);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        cache.Forget(key.Id);
        return true;
    }

    /// <summary>Validation shared by every way of creating a key: field name → messages.</summary>
    public static Dictionary<string, string[]> Validate(string? name, string? role)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["Name is required."];
        }
        else if (name.Length > 200)
        {
            errors["name"] = ["Name must be at most 200 characters."];
        }

        if (!Roles.IsKeyRole(role))
        {
            errors["role"] = [$"Role must be one of: {string.Join(", ", Roles.KeyRoles)}."];
        }

        return errors;
    }
}
