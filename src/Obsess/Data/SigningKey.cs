using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Obsess.Data;

/// <summary>
/// A workspace's secret key for one purpose (e.g. signing personal survey links): 32 random bytes, stored protected
/// with Data Protection (<see cref="KeyProtected"/>), never in plain text.
/// </summary>
public sealed class SigningKey : IWorkspaceOwned
{
    public Guid WorkspaceId { get; init; }

    public required string Purpose { get; init; }

    public required string KeyProtected { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> builder)
    {
        builder.ToTable("signing_keys");
        builder.HasKey(k => new { k.WorkspaceId, k.Purpose });
        builder.Property(k => k.Purpose).HasMaxLength(64);
    }
}

/// <summary>
/// Per-workspace HMAC keys. The first node that needs a workspace's key creates it (insert-if-absent, so nodes racing
/// to create it agree on one row) and every node reads that row, unprotects it with the shared Data Protection key
/// ring and keeps it in memory: the key never changes, so the cache holds no state another node could disagree with,
/// and after the first use a node checks a signature without a database round trip. Keys are per workspace so that a
/// workspace's signatures mean nothing in another, and one workspace's key can be replaced without touching the rest.
/// </summary>
public sealed class SigningKeys(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string SurveyLinks = "survey_links";

    private readonly ConcurrentDictionary<(Guid, string), byte[]> _keys = new();

    private IDataProtector Protector => protection.CreateProtector("Obsess.SigningKeys.v1");

    /// <param name="db">Acting in <paramref name="workspaceId"/>.</param>
    public async ValueTask<byte[]> KeyAsync(ObsessDb db, Guid workspaceId, string purpose, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (_keys.TryGetValue((workspaceId, purpose), out var cached))
        {
            return cached;
        }

        var stored = await ReadAsync(db, workspaceId, purpose, ct).ConfigureAwait(false);
        if (stored is null)
        {
            var fresh = Convert.ToBase64String(Protector.Protect(RandomNumberGenerator.GetBytes(32)));
            var now = clock.GetUtcNow().UtcDateTime;
            // Plain SQL so that a lost race is a no-op rather than an exception (which would also abort a PostgreSQL transaction).
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO signing_keys (workspace_id, purpose, key_protected, created_at) VALUES ({workspaceId}, {purpose}, {fresh}, {now}) ON CONFLICT (workspace_id, purpose) DO NOTHING",
                ct).ConfigureAwait(false);
            stored = await ReadAsync(db, workspaceId, purpose, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The {purpose} key of workspace {workspaceId} could not be stored.");
        }

        var key = Protector.Unprotect(Convert.FromBase64String(stored));
        return _keys.GetOrAdd((workspaceId, purpose), key);
    }

    private static Task<string?> ReadAsync(ObsessDb db, Guid workspaceId, string purpose, CancellationToken ct) =>
        db.Set<SigningKey>().AsNoTracking().Where(k => k.WorkspaceId == workspaceId && k.Purpose == purpose)
            .Select(k => k.KeyProtected).FirstOrDefaultAsync(ct);
}
