using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Obsess.Data;

namespace Obsess.Features.Texts;

/// <summary>
/// Sets the theme of many texts of one workspace at once, inside the caller's transaction: PostgreSQL one
/// <c>UPDATE … FROM unnest(…)</c>, SQLite a prepared <c>UPDATE</c> per text (in-process, no round trip). Tens of
/// thousands of texts take a fraction of a second, where change tracking took seconds — time in which SQLite's
/// single write lock kept every other writer (survey answers, ingestion) waiting.
/// </summary>
internal static class TextThemeWrites
{
    public static async Task SetAsync(ObsessDb db, Guid workspace, IReadOnlyList<(Guid Id, int Theme)> themes, CancellationToken ct)
    {
        if (themes.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Theme writes run inside a transaction.");
        if (connection is NpgsqlConnection pg)
        {
            await using var update = new NpgsqlCommand(
                """
                UPDATE texts AS t SET theme_id = u.theme
                FROM unnest(@ids, @themes) AS u(id, theme)
                WHERE t.workspace_id = @ws AND t.id = u.id
                """, pg, (NpgsqlTransaction)transaction);
            update.Parameters.Add(new NpgsqlParameter("ws", NpgsqlDbType.Uuid) { Value = workspace });
            update.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = themes.Select(t => t.Id).ToArray() });
            update.Parameters.Add(new NpgsqlParameter("themes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = themes.Select(t => t.Theme).ToArray() });
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return;
        }

        using var command = ((SqliteConnection)connection).CreateCommand();
        command.Transaction = (SqliteTransaction)transaction;
        command.CommandText = "UPDATE texts SET theme_id = @theme WHERE workspace_id = @ws AND id = @id";
        command.Parameters.Add(new SqliteParameter("@ws", BulkWriter.SqliteValue(workspace)));
        var id = command.Parameters.Add(new SqliteParameter { ParameterName = "@id" });
        var theme = command.Parameters.Add(new SqliteParameter { ParameterName = "@theme" });
        command.Prepare();
        foreach (var (textId, themeId) in themes)
        {
            ct.ThrowIfCancellationRequested();
            id.Value = BulkWriter.SqliteValue(textId);
            theme.Value = themeId;
            // Synchronous on purpose: SQLite runs in-process, and its async methods only wrap the same call.
            command.ExecuteNonQuery();
        }
    }
}
