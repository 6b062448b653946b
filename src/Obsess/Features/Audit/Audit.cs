using System.Security.Claims;
using Obsess.Data;

namespace Obsess.Features.Audit;

public static class Audit
{
    /// <summary>"user:{id}", "key:{id}", or "cli" when there is no signed-in principal.</summary>
    public static string ActorOf(ClaimsPrincipal? principal)
    {
        var id = principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var kind = principal?.FindFirstValue(ObsessClaims.Kind);
        return id is null ? "cli" : $"{kind ?? "user"}:{id}";
    }

    /// <summary>Adds an entry to the unit of work; it is saved with the change it records.</summary>
    public static void Record(ObsessDb db, Guid workspaceId, string actor, string action, string target, string? detail, TimeProvider clock) =>
        db.AuditLog.Add(new AuditEntry
        {
            WorkspaceId = workspaceId,
            Id = Guid.CreateVersion7(),
            At = clock.GetUtcNow().UtcDateTime,
            Actor = actor,
            Action = action,
            Target = target,
            Detail = detail,
        });
}
