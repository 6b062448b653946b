using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Obsess.Data;

/// <summary>
/// The columns of an entity's table as <see cref="BulkWriter"/> columns, read from the EF model (column names and
/// property getters), so a bulk write of entities matches what <c>SaveChanges</c> would store without listing the
/// columns a second time. Only for entities mapped to one table with plain properties (no owned types or shadow
/// properties, which have no CLR getter).
/// </summary>
public static class EntityColumns
{
    private static readonly ConcurrentDictionary<Type, object> Cache = new();

    public static (string Table, IReadOnlyList<BulkColumn<T>> Columns) Of<T>(IModel model)
        where T : class
    {
        var entity = model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var columns = (IReadOnlyList<BulkColumn<T>>)Cache.GetOrAdd(typeof(T), _ =>
            entity.GetProperties()
                .Select(p =>
                {
                    if (p.IsShadowProperty())
                    {
                        throw new InvalidOperationException($"{typeof(T).Name}.{p.Name} is a shadow property; bulk writes need CLR properties.");
                    }

                    var getter = p.GetGetter();
                    return new BulkColumn<T>(p.GetColumnName(), row => getter.GetClrValue(row));
                })
                .ToList());
        return (entity.GetTableName()!, columns);
    }
}
