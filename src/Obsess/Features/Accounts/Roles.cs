namespace Obsess.Features.Accounts;

/// <summary>
/// Roles, from most to least powerful. A user has one of the first four; <see cref="Ingest"/> exists only for
/// API keys that may send data to the ingestion API and nothing else.
/// </summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Manager = "manager";
    public const string Agent = "agent";
    public const string Viewer = "viewer";
    public const string Ingest = "ingest";

    public static readonly IReadOnlyList<string> UserRoles = [Admin, Manager, Agent, Viewer];

    public static readonly IReadOnlyList<string> KeyRoles = [Admin, Manager, Agent, Viewer, Ingest];

    public static bool IsUserRole(string? role) => role is not null && UserRoles.Contains(role);

    public static bool IsKeyRole(string? role) => role is not null && KeyRoles.Contains(role);
}

/// <summary>Authorization policy names: each admits its role and every more powerful one.</summary>
public static class Policies
{
    public const string Viewer = "role:viewer";
    public const string Agent = "role:agent";
    public const string Manager = "role:manager";
    public const string Admin = "role:admin";
    public const string Ingest = "role:ingest";
}
