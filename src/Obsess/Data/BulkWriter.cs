using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;

namespace Obsess.Data;

public sealed record BulkColumn<T>(string Name, Func<T, object?> Value)
{
    /// <summary>The same value, typed (<see cref="Of{TValue}"/>): written without boxing it.</summary>
    internal BulkValue<T>? Typed { get; init; }

    /// <summary>
    /// A column whose value is written with its own type, where <see cref="BulkColumn{T}.Value"/> boxes every value
    /// and has its type resolved again for each. A table whose columns are all uuid, timestamp, integer, boolean or
    /// text is encoded by the writer itself (binary COPY through <see cref="PgCopyBuffer"/>, positional binds on
    /// SQLite); any other type goes through Npgsql's generic write, which resolves the type once per column.
    /// </summary>
    public static BulkColumn<T> Of<TValue>(string name, Func<T, TValue> value) =>
        new(name, row => value(row)) { Typed = new BulkValue<T, TValue>(value) };
}

/// <summary>One column's value of a row, written to either engine without boxing it on the way.</summary>
internal abstract class BulkValue<T>
{
    public abstract Task CopyAsync(NpgsqlBinaryImporter importer, T row, CancellationToken ct);

    public abstract object Sqlite(T row);

    /// <summary>
    /// Whether this column's type is one the writer encodes itself (<see cref="WriteBinary"/> for PostgreSQL,
    /// <see cref="BindSqlite"/> for SQLite): uuid, timestamp, integer, boolean, text.
    /// </summary>
    public abstract bool Encoded { get; }

    public abstract void WriteBinary(PgCopyBuffer buffer, T row);

    /// <summary>Binds the value to parameter <paramref name="index"/> (1-based) in EF Core's SQLite formats, as <see cref="BulkWriter.SqliteValue(object)"/>.</summary>
    public abstract void BindSqlite(sqlite3_stmt statement, int index, T row);
}

internal sealed class BulkValue<T, TValue>(Func<T, TValue> value) : BulkValue<T>
{
    public override Task CopyAsync(NpgsqlBinaryImporter importer, T row, CancellationToken ct) =>
        value(row) is { } v ? importer.WriteAsync(v, ct) : importer.WriteNullAsync(ct);

    public override object Sqlite(T row) => BulkWriter.SqliteValue(value(row));

    public override bool Encoded { get; } = typeof(TValue) == typeof(Guid) || typeof(TValue) == typeof(DateTime) || typeof(TValue) == typeof(string)
        || typeof(TValue) == typeof(int) || typeof(TValue) == typeof(long) || typeof(TValue) == typeof(bool);

    // The type tests are constants to the JIT, one branch is left per column type (and no value is boxed).
    public override void WriteBinary(PgCopyBuffer buffer, T row)
    {
        var v = value(row);
        if (typeof(TValue) == typeof(Guid))
        {
            buffer.Write((Guid)(object)v!);
        }
        else if (typeof(TValue) == typeof(DateTime))
        {
            buffer.Write((DateTime)(object)v!);
        }
        else if (typeof(TValue) == typeof(int))
        {
            buffer.Write((int)(object)v!);
        }
        else if (typeof(TValue) == typeof(long))
        {
            buffer.Write((long)(object)v!);
        }
        else if (typeof(TValue) == typeof(bool))
        {
            buffer.Write((bool)(object)v!);
        }
        else if (v is string text)
        {
            buffer.Write(text);
        }
        else if (v is null)
        {
            buffer.WriteNull();
        }
        else
        {
            throw new NotSupportedException($"{typeof(TValue)} has no binary COPY encoding here.");
        }
    }

    public override void BindSqlite(sqlite3_stmt statement, int index, T row)
    {
        var v = value(row);
        Span<byte> text = stackalloc byte[40];
        int length;
        var rc = 0;
        if (typeof(TValue) == typeof(Guid))
        {
            ((Guid)(object)v!).TryFormat(text, out length);
            Ascii.ToUpperInPlace(text[..length], out _);
            rc = raw.sqlite3_bind_text(statement, index, text[..length]);
        }
        else if (typeof(TValue) == typeof(DateTime))
        {
            ((DateTime)(object)v!).TryFormat(text, out length, BulkWriter.SqliteDateFormat, CultureInfo.InvariantCulture);
            rc = raw.sqlite3_bind_text(statement, index, text[..length]);
        }
        else if (typeof(TValue) == typeof(int))
        {
            rc = raw.sqlite3_bind_int(statement, index, (int)(object)v!);
        }
        else if (typeof(TValue) == typeof(long))
        {
            rc = raw.sqlite3_bind_int64(statement, index, (long)(object)v!);
        }
        else if (typeof(TValue) == typeof(bool))
        {
            rc = raw.sqlite3_bind_int(statement, index, (bool)(object)v! ? 1 : 0);
        }
        else if (v is string s)
        {
            rc = raw.sqlite3_bind_text16(statement, index, s.AsSpan());
        }
        else if (v is null)
        {
            rc = raw.sqlite3_bind_null(statement, index);
        }
        else
        {
            throw new NotSupportedException($"{typeof(TValue)} has no SQLite encoding here.");
        }

        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"Binding parameter {index} failed (SQLite error {rc}).", rc);
        }
    }
}

/// <summary>
/// Writes many rows fast inside the caller's transaction: PostgreSQL's binary COPY, or a reused prepared INSERT
/// on SQLite (with typed columns, <see cref="BulkColumn{T}.Of{TValue}"/>, both encoded here without boxing). Values
/// on SQLite are written in the same text formats EF Core uses, so rows written here read back through the
/// <see cref="ObsessDb"/> model unchanged.
/// </summary>
public static class BulkWriter
{
    public static async Task<int> WriteAsync<T>(
        DbConnection connection,
        DbTransaction transaction,
        string table,
        IReadOnlyList<BulkColumn<T>> columns,
        IEnumerable<T> rows,
        Action<int>? progress = null,
        CancellationToken ct = default)
    {
        if (rows is IReadOnlyCollection<T> { Count: 0 })
        {
            progress?.Invoke(0);
            return 0;
        }

        var count = 0;
        var names = string.Join(", ", columns.Select(c => c.Name));
        if (connection is NpgsqlConnection binary && columns.All(c => c.Typed is { Encoded: true }))
        {
            count = await CopyBinaryAsync(binary, table, names, [.. columns.Select(c => c.Typed!)], rows.ToAsyncEnumerable(), progress, ct).ConfigureAwait(false);
        }
        else if (connection is NpgsqlConnection pg)
        {
            await using var importer = await pg.BeginBinaryImportAsync($"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct).ConfigureAwait(false);
                foreach (var column in columns)
                {
                    if (column.Typed is { } typed)
                    {
                        await typed.CopyAsync(importer, row, ct).ConfigureAwait(false);
                    }
                    else if (column.Value(row) is { } value)
                    {
                        await importer.WriteAsync(value, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await importer.WriteNullAsync(ct).ConfigureAwait(false);
                    }
                }

                if (++count % 10_000 == 0)
                {
                    progress?.Invoke(count);
                }
            }

            await importer.CompleteAsync(ct).ConfigureAwait(false);
        }
        else if (connection is SqliteConnection sqlite && columns.All(c => c.Typed is { Encoded: true }))
        {
            count = InsertEncoded(sqlite, table, names, [.. columns.Select(c => c.Typed!)], rows, progress, ct);
        }
        else
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
            var parameters = columns.Select((_, i) =>
            {
                var p = command.CreateParameter();
                p.ParameterName = $"@p{i}";
                command.Parameters.Add(p);
                return p;
            }).ToArray();
            // Synchronous on purpose: SQLite runs in-process, and its async methods only wrap the same calls, at a
            // cost per row.
            command.Prepare();
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                for (var i = 0; i < columns.Count; i++)
                {
                    parameters[i].Value = columns[i].Typed is { } typed ? typed.Sqlite(row) : SqliteValue(columns[i].Value(row));
                }

                command.ExecuteNonQuery();
                if (++count % 10_000 == 0)
                {
                    progress?.Invoke(count);
                }
            }
        }

        progress?.Invoke(count);
        return count;
    }

    /// <summary>
    /// Writes rows as they come (e.g. from another thread, while they are still being produced), inside the transaction
    /// the connection has open, which nothing else may use until this returns: one binary COPY on PostgreSQL, the
    /// prepared INSERT on SQLite. Every column must be typed with a type the writer encodes
    /// (<see cref="BulkColumn{T}.Of{TValue}"/>).
    /// </summary>
    public static async Task<int> WriteAsync<T>(
        DbConnection connection, string table, IReadOnlyList<BulkColumn<T>> columns, IAsyncEnumerable<T> rows, CancellationToken ct = default)
    {
        if (!columns.All(c => c.Typed is { Encoded: true }))
        {
            throw new NotSupportedException($"Writing {table} as its rows come needs every column typed with a type the writer encodes.");
        }

        var names = string.Join(", ", columns.Select(c => c.Name));
        BulkValue<T>[] typed = [.. columns.Select(c => c.Typed!)];
        switch (connection)
        {
            case NpgsqlConnection pg:
                return await CopyBinaryAsync(pg, table, names, typed, rows, null, ct).ConfigureAwait(false);
            case SqliteConnection sqlite:
                using (var insert = new SqliteInsert<T>(sqlite, table, names, typed))
                {
                    await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
                    {
                        insert.Insert(row);
                    }

                    return insert.Count;
                }

            default:
                throw new NotSupportedException($"No bulk writer for {connection.GetType().Name}.");
        }
    }

    /// <summary>
    /// A COPY whose columns all have a type <see cref="PgCopyBuffer"/> encodes: the rows encoded here and sent in
    /// 64 KiB writes. The importer's typed writes cost ~2.3 s of client CPU for the 1.3M rows of a million-event
    /// import (three fifths of its write phase); this path does the same work without a parameter object, a type
    /// lookup and an asynchronous call per value.
    /// </summary>
    private static async Task<int> CopyBinaryAsync<T>(
        NpgsqlConnection connection, string table, string names, BulkValue<T>[] columns, IAsyncEnumerable<T> rows, Action<int>? progress, CancellationToken ct)
    {
        var count = 0;
        var buffer = new PgCopyBuffer();
        await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
        try
        {
            buffer.WriteHeader();
            await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
            {
                buffer.StartRow(columns.Length);
                foreach (var column in columns)
                {
                    column.WriteBinary(buffer, row);
                }

                if (buffer.Length >= PgCopyBuffer.FlushAt)
                {
                    await copy.WriteAsync(buffer.Written, ct).ConfigureAwait(false);
                    buffer.Clear();
                }

                if (++count % 10_000 == 0)
                {
                    progress?.Invoke(count);
                }
            }

            buffer.WriteTrailer();
            await copy.WriteAsync(buffer.Written, ct).ConfigureAwait(false);
        }
        catch
        {
            // Nothing half-written reaches the table: the server discards the COPY (the caller's transaction is
            // rolled back anyway).
            await copy.CancelAsync().ConfigureAwait(false);
            throw;
        }

        return count;
    }

    /// <summary>
    /// SQLite with columns of types the writer encodes: one statement prepared on the connection's own handle (inside
    /// the caller's transaction, which that handle runs), parameters bound by position, uuids and times formatted
    /// on the stack. A prepared <see cref="SqliteCommand"/> binds each parameter by name on every execution and
    /// formats them as strings: ~1.4 KB allocated per row, 1.9 GB for the 1.3M rows of a million-event import.
    /// </summary>
    private static int InsertEncoded<T>(SqliteConnection connection, string table, string names, BulkValue<T>[] columns, IEnumerable<T> rows, Action<int>? progress, CancellationToken ct)
    {
        using var insert = new SqliteInsert<T>(connection, table, names, columns);
        foreach (var row in rows)
        {
            ct.ThrowIfCancellationRequested();
            insert.Insert(row);
            if (insert.Count % 10_000 == 0)
            {
                progress?.Invoke(insert.Count);
            }
        }

        return insert.Count;
    }

    /// <summary>The prepared statement of <see cref="InsertEncoded{T}"/>, one row at a time.</summary>
    private sealed class SqliteInsert<T> : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;
        private readonly BulkValue<T>[] _columns;

        public SqliteInsert(SqliteConnection connection, string table, string names, BulkValue<T>[] columns)
        {
            _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
            _columns = columns;
            var sql = $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"?{i + 1}"))})";
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
        }

        public int Count { get; private set; }

        public void Insert(T row)
        {
            for (var i = 0; i < _columns.Length; i++)
            {
                _columns[i].BindSqlite(_statement, i + 1, row);
            }

            var rc = raw.sqlite3_step(_statement);
            raw.sqlite3_reset(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            Count++;
        }

        public void Dispose() => _statement.Dispose();
    }

    /// <summary>
    /// Writes rows of several tables inside the caller's transaction, in the given order. PostgreSQL: one round trip
    /// for all of them — an <c>INSERT … SELECT * FROM unnest(…)</c> per table with one typed array per column, sent
    /// as one batch — which suits the small, frequent groups of the survey writer better than a COPY per table (two
    /// round trips each). SQLite: the prepared INSERT of <see cref="WriteAsync{T}"/>.
    /// </summary>
    public static async Task InsertTablesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TableRows> tables, CancellationToken ct = default)
    {
        var nonEmpty = tables.Where(t => t.Rows.Count > 0).ToList();
        if (nonEmpty.Count == 0)
        {
            return;
        }

        if (connection is NpgsqlConnection pg)
        {
            await using var batch = new NpgsqlBatch(pg, (NpgsqlTransaction)transaction);
            foreach (var table in nonEmpty)
            {
                var names = string.Join(", ", table.Columns.Select(c => c.Name));
                var arrays = string.Join(", ", table.Columns.Select((_, i) => $"${i + 1}"));
                var command = new NpgsqlBatchCommand($"INSERT INTO {table.Table} ({names}) SELECT * FROM unnest({arrays})");
                foreach (var column in table.Columns)
                {
                    var values = Array.CreateInstance(column.Type, table.Rows.Count);
                    for (var i = 0; i < table.Rows.Count; i++)
                    {
                        values.SetValue(column.Value(table.Rows[i]), i);
                    }

                    command.Parameters.Add(new NpgsqlParameter { Value = values });
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return;
        }

        foreach (var table in nonEmpty)
        {
            var columns = table.Columns.Select(c => new BulkColumn<object>(c.Name, c.Value)).ToList();
            await WriteAsync(connection, transaction, table.Table, columns, table.Rows, ct: ct).ConfigureAwait(false);
        }
    }

    /// <summary>EF Core's SQLite text formats for the types it stores as TEXT.</summary>
    internal static object SqliteValue(object? value) => value switch
    {
        null => DBNull.Value,
        Guid g => SqliteText(g),
        DateTime d => SqliteText(d),
        decimal m => m.ToString("0.0###########################", CultureInfo.InvariantCulture),
        bool b => b ? 1 : 0,
        _ => value,
    };

    /// <summary><see cref="SqliteValue(object)"/> of a typed value, boxing only the types SQLite stores as they are.</summary>
    internal static object SqliteValue<TValue>(TValue value)
    {
        if (typeof(TValue) == typeof(Guid))
        {
            return SqliteText((Guid)(object)value!);
        }

        if (typeof(TValue) == typeof(DateTime))
        {
            return SqliteText((DateTime)(object)value!);
        }

        return typeof(TValue) == typeof(string) ? (object?)value ?? DBNull.Value : SqliteValue((object?)value);
    }

    /// <summary>A GUID as EF Core stores it on SQLite (upper case), in one string rather than two.</summary>
    private static string SqliteText(Guid g) => string.Create(36, g, static (chars, g) =>
    {
        g.TryFormat(chars, out _);
        Ascii.ToUpperInPlace(chars, out _);
    });

    /// <summary>EF Core's format of a <see cref="DateTime"/> on SQLite.</summary>
    internal const string SqliteDateFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private static string SqliteText(DateTime d) => d.ToString(SqliteDateFormat, CultureInfo.InvariantCulture);
}
