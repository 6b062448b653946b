using System.Security.Claims;

namespace Obsess.Data;

/// <summary>The workspace the current request, command or job acts in.</summary>
public interface ICurrentWorkspace
{
    Guid? Id { get; }
}

/// <summary>Claim types Obsess puts on a signed-in principal.</summary>
public static class ObsessClaims
{
    public const string Workspace = "obsess:ws";
    public const string Kind = "obsess:kind";
}

/// <summary>
/// Scoped: the workspace named by the signed-in user's or API key's claims, unless a command or job has chosen
/// one explicitly with <see cref="Use"/>.
/// </summary>
public sealed class CurrentWorkspace(IHttpContextAccessor accessor) : ICurrentWorkspace
{
    private Guid? _chosen;

    public Guid? Id => _chosen
        ?? (Guid.TryParse(accessor.HttpContext?.User.FindFirstValue(ObsessClaims.Workspace), out var id) ? id : null);

    public void Use(Guid workspaceId) => _chosen = workspaceId;
}
