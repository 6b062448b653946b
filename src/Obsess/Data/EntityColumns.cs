using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Obsess.Data;

/// <summary>
/// The columns of an entity's table for <see cref="BulkWriter"/>, read from the EF model (column names, CLR types
/// and property getters), so a bulk write of entities matches what <c>SaveChanges</c> would store without listing
/// the columns a second time. Only for entities mapped to one table with plain properties (no owned types or shadow
/// properties, which have no CLR getter).
/// </summary>
public static class EntityColumns
{
    private static readonly ConcurrentDictionary<Type, object> Cache = new();

    /// <summary>Rows of one entity type with their table and columns, untyped, for <see cref="BulkWriter.InsertTablesAsync"/>.</summary>
    public static TableRows RowsOf<T>(IModel model, IReadOnlyList<T> rows)
        where T : class
    {
        var entity = model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var columns = (IReadOnlyList<TableColumn>)Cache.GetOrAdd(typeof(TableRows<T>), _ =>
            entity.GetProperties()
                .Select(p =>
                {
                    var getter = p.GetGetter();
                    return new TableColumn(p.GetColumnName(), p.ClrType, row => getter.GetClrValue(row));
                })
                .ToArray());
        return new TableRows(entity.GetTableName()!, columns, [.. rows]);
    }

    /// <summary>A marker type: the cache key of <typeparamref name="T"/>'s untyped columns.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Major Code Smell", "S2326:Unused type parameters should be removed", Justification = "The type parameter is the key.")]
    private sealed class TableRows<T>;
}

/// <summary>A column: its name, CLR type (of the property, e.g. <c>Guid?</c>) and how to read it from a row.</summary>
public sealed record TableColumn(string Name, Type Type, Func<object, object?> Value);

/// <summary>Rows bound for one table.</summary>
public sealed record TableRows(string Table, IReadOnlyList<TableColumn> Columns, IReadOnlyList<object> Rows);
