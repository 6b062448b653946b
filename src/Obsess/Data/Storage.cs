using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Obsess.Data;

/// <summary>Where the data lives: the embedded SQLite file in the data folder, or PostgreSQL by connection string.</summary>
public sealed record Storage(string DataDir, string? PostgresConnectionString)
{
    public bool IsPostgres => PostgresConnectionString is not null;

    public string SqlitePath => Path.Combine(Path.GetFullPath(DataDir), "obsess.db");

    public string Describe() => IsPostgres
        ? $"PostgreSQL ({new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Password = null }.ConnectionString})"
        : $"SQLite ({SqlitePath})";

    /// <summary>Validates the options: a malformed connection string gets a message, not a stack trace.</summary>
    public static Storage Create(string? dataDir, string? database)
    {
        dataDir = string.IsNullOrWhiteSpace(dataDir) ? "./data" : dataDir;
        if (string.IsNullOrWhiteSpace(database))
        {
            return new Storage(dataDir, null);
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(database);
            if (string.IsNullOrEmpty(builder.Host))
            {
                throw new StorageException("--database: the PostgreSQL connection string names no Host (e.g. \"Host=127.0.0.1;Username=obsess;Password=…;Database=obsess\").");
            }

            return new Storage(dataDir, database);
        }
        catch (ArgumentException e)
        {
            throw new StorageException($"--database: not a valid PostgreSQL connection string ({e.Message}). Example: \"Host=127.0.0.1;Username=obsess;Password=…;Database=obsess\".");
        }
    }

    public void Configure(DbContextOptionsBuilder options)
    {
        if (IsPostgres)
        {
            options.UseNpgsql(PostgresConnectionString);
        }
        else
        {
            Directory.CreateDirectory(Path.GetFullPath(DataDir));
            options.UseSqlite($"Data Source={SqlitePath};Default Timeout=30;Pooling=True");
        }
    }
}

public sealed class StorageException(string message) : Exception(message);
