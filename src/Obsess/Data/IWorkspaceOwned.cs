namespace Obsess.Data;

/// <summary>
/// A row that belongs to one workspace. Its primary key, unique keys and foreign keys all start with the
/// workspace id, so one workspace's rows can live together on one shard (Citus multi-tenant pattern), and
/// <see cref="ObsessDb"/> filters every query on it.
/// </summary>
public interface IWorkspaceOwned
{
    Guid WorkspaceId { get; }
}
