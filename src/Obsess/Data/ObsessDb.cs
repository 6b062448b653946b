using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Audit;
using Obsess.Features.Customers;
using Obsess.Features.Workspaces;

namespace Obsess.Data;

/// <summary>
/// The one database context. Every <see cref="IWorkspaceOwned"/> entity gets a query filter on the current
/// workspace, so a handler cannot read another tenant's rows by forgetting a where clause. With no current
/// workspace the filter matches nothing. The schema itself is created by <see cref="Migrator"/> from
/// versioned SQL; this model must match it (a test checks that).
/// </summary>
public sealed class ObsessDb(DbContextOptions<ObsessDb> options, ICurrentWorkspace workspace) : DbContext(options)
{
    public DbSet<Workspace> Workspaces => Set<Workspace>();

    public DbSet<User> Users => Set<User>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<CustomerIdentity> Identities => Set<CustomerIdentity>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<CustomerEvent> Events => Set<CustomerEvent>();

    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    public DbSet<CustomerMerge> Merges => Set<CustomerMerge>();

    public DbSet<Features.Intelligence.CustomerScore> Scores => Set<Features.Intelligence.CustomerScore>();

    public DbSet<Features.Intelligence.ModelRun> ModelRuns => Set<Features.Intelligence.ModelRun>();

    public DbSet<Features.Texts.CustomerText> Texts => Set<Features.Texts.CustomerText>();

    public DbSet<Features.Texts.TextTheme> TextThemes => Set<Features.Texts.TextTheme>();

    public DbSet<Features.Texts.TextThemeModel> TextThemeModels => Set<Features.Texts.TextThemeModel>();

    public DbSet<Features.Feedback.FeedbackRecord> Feedback => Set<Features.Feedback.FeedbackRecord>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>The workspace every query is scoped to; <see cref="Guid.Empty"/> (matching nothing) when there is none.</summary>
    public Guid CurrentWorkspaceId => workspace.Id ?? Guid.Empty;

    public bool IsSqlite => Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ObsessDb).Assembly);

        var filter = typeof(ObsessDb).GetMethod(nameof(ApplyWorkspaceFilter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => typeof(IWorkspaceOwned).IsAssignableFrom(e.ClrType)))
        {
            filter.MakeGenericMethod(entity.ClrType).Invoke(this, [modelBuilder]);
        }

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                if (property.GetColumnName() == property.Name)
                {
                    property.SetColumnName(ToSnakeCase(property.Name));
                }

                if (IsSqlite && (property.ClrType == typeof(DateTime) || property.ClrType == typeof(DateTime?)))
                {
                    // SQLite keeps no kind: every stored time is UTC, so say so when reading it back.
                    property.SetValueConverter(property.ClrType == typeof(DateTime) ? UtcConverter : NullableUtcConverter);
                }
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(key.IsPrimaryKey() ? $"pk_{entity.GetTableName()}" : $"ak_{entity.GetTableName()}_{string.Join('_', key.Properties.Select(p => ToSnakeCase(p.Name)))}");
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join('_', index.Properties.Select(p => ToSnakeCase(p.Name)))}");
            }

            foreach (var fk in entity.GetForeignKeys())
            {
                fk.SetConstraintName($"fk_{entity.GetTableName()}_{fk.PrincipalEntityType.GetTableName()}");
            }
        }
    }

    private void ApplyWorkspaceFilter<T>(ModelBuilder modelBuilder)
        where T : class, IWorkspaceOwned
    {
        Expression<Func<T, bool>> scoped = e => e.WorkspaceId == CurrentWorkspaceId;
        modelBuilder.Entity<T>().HasQueryFilter(scoped);
    }

    private static readonly ValueConverter<DateTime, DateTime> UtcConverter =
        new(v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private static readonly ValueConverter<DateTime?, DateTime?> NullableUtcConverter =
        new(v => v.HasValue ? (v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime()) : v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
