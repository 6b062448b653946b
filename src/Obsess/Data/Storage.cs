using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Obsess.Data;

/// <summary>Where the data lives: the embedded SQLite file in the data folder, or PostgreSQL by connection string.</summary>
public sealed record Storage(string DataDir, string? PostgresConnectionString)
{
    /// <summary>Statements each pooled PostgreSQL connection prepares automatically, unless the connection string says.</summary>
    public const int DefaultMaxAutoPrepare = 64;

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

            if (!Names(database, "maxautoprepare"))
            {
                // Npgsql's automatic preparation: a statement run often on a pooled connection is prepared there once
                // and then only bound and executed, skipping PostgreSQL's parse and plan on every call
                // (https://www.npgsql.org/doc/prepare.html#automatic-preparation). Off by default in Npgsql because
                // transaction-mode poolers such as PgBouncer before 1.21 do not carry prepared statements; an
                // explicit "Max Auto Prepare=0" in the connection string turns it off again.
                builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
                database = builder.ConnectionString;
            }

            return new Storage(dataDir, database);
        }
        catch (ArgumentException e)
        {
            throw new StorageException($"--database: not a valid PostgreSQL connection string ({e.Message}). Example: \"Host=127.0.0.1;Username=obsess;Password=…;Database=obsess\".");
        }
    }

    /// <summary>Whether the connection string itself sets the keyword (written with or without spaces, any case).</summary>
    private static bool Names(string connectionString, string keyword) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(k => string.Equals(k.Replace(" ", "", StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));

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
