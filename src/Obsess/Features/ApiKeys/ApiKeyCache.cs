using System.Collections.Concurrent;

namespace Obsess.Features.ApiKeys;

/// <summary>A valid key as authentication needs it.</summary>
public sealed record CachedApiKey(Guid Id, Guid WorkspaceId, string Name, string Role, DateTime? LastUsedAt, DateTime LoadedAt);

/// <summary>
/// Valid API keys by hash, kept for <see cref="Fresh"/> so that a busy client (an SDK sending batches, a dashboard
/// polling the API) does not cost a key lookup per request. Only valid keys are kept; unknown and revoked keys are
/// looked up every time. Revoking a key through this node forgets it at once; on another node (or through the CLI,
/// which is its own process) a revoked key stops working within <see cref="Fresh"/>.
/// </summary>
public sealed class ApiKeyCache
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);

    /// <summary>More keys than this in use at once and the cache starts again (a flood of keys cannot grow it).</summary>
    private const int MaxKeys = 10_000;

    private readonly ConcurrentDictionary<string, CachedApiKey> _keys = new(StringComparer.Ordinal);

    public CachedApiKey? Find(string hash, DateTime now) =>
        _keys.TryGetValue(hash, out var key) && now - key.LoadedAt < Fresh ? key : null;

    public void Keep(string hash, CachedApiKey key)
    {
        if (_keys.Count >= MaxKeys)
        {
            _keys.Clear();
        }

        _keys[hash] = key;
    }

    public void Forget(Guid keyId)
    {
        foreach (var (hash, key) in _keys)
        {
            if (key.Id == keyId)
            {
                _keys.TryRemove(hash, out _);
            }
        }
    }
}
