using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Obsess.Data;

namespace Obsess.Features.Texts;

/// <summary>
/// Writes the analysis and themes of many texts at once, inside the caller's transaction: PostgreSQL one
/// <c>UPDATE … FROM unnest(…)</c>, SQLite a prepared <c>UPDATE</c> per text (in-process, no round trip). Tens of
/// thousands of texts take a fraction of a second, where change tracking took seconds — time in which SQLite's
/// single write lock kept every other writer (survey answers, ingestion) waiting.
/// </summary>
internal static class TextWrites
{
    /// <summary>The theme of each text of one workspace.</summary>
    public static async Task SetThemesAsync(ObsessDb db, Guid workspace, IReadOnlyList<(Guid Id, int Theme)> themes, CancellationToken ct)
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

    /// <summary>The analysis columns of each text (any workspaces), as <see cref="TextAnalysisService.Apply"/> set them.</summary>
    public static async Task SetAnalysisAsync(ObsessDb db, IReadOnlyList<CustomerText> texts, CancellationToken ct)
    {
        if (texts.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Analysis writes run inside a transaction.");
        if (connection is NpgsqlConnection pg)
        {
            await using var update = new NpgsqlCommand(
                """
                UPDATE texts AS t
                SET analysis_version = u.version, analyzed_at = u.analyzed_at, language = u.language,
                    sentiment_score = u.score, sentiment_label = u.label, emotions = u.emotions, top_emotion = u.top_emotion,
                    intents = u.intents, churn_threat = u.churn, urgency = u.urgency
                FROM unnest(@ws, @ids, @versions, @analyzed, @languages, @scores, @labels, @emotions, @tops, @intents, @churn, @urgency)
                    AS u(workspace_id, id, version, analyzed_at, language, score, label, emotions, top_emotion, intents, churn, urgency)
                WHERE t.workspace_id = u.workspace_id AND t.id = u.id
                """, pg, (NpgsqlTransaction)transaction);
            void Add<T>(string name, NpgsqlDbType type, Func<CustomerText, T> value) =>
                update.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = texts.Select(value).ToArray() });
            Add("ws", NpgsqlDbType.Uuid, t => t.WorkspaceId);
            Add("ids", NpgsqlDbType.Uuid, t => t.Id);
            Add("versions", NpgsqlDbType.Varchar, t => t.AnalysisVersion);
            Add("analyzed", NpgsqlDbType.TimestampTz, t => t.AnalyzedAt);
            Add("languages", NpgsqlDbType.Varchar, t => t.Language);
            Add("scores", NpgsqlDbType.Double, t => t.SentimentScore);
            Add("labels", NpgsqlDbType.Varchar, t => t.SentimentLabel);
            Add("emotions", NpgsqlDbType.Text, t => t.Emotions);
            Add("tops", NpgsqlDbType.Varchar, t => t.TopEmotion);
            Add("intents", NpgsqlDbType.Text, t => t.Intents);
            Add("churn", NpgsqlDbType.Boolean, t => t.ChurnThreat);
            Add("urgency", NpgsqlDbType.Double, t => t.Urgency);
            await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return;
        }

        using var command = ((SqliteConnection)connection).CreateCommand();
        command.Transaction = (SqliteTransaction)transaction;
        command.CommandText =
            """
            UPDATE texts SET analysis_version = @version, analyzed_at = @analyzed_at, language = @language,
                sentiment_score = @score, sentiment_label = @label, emotions = @emotions, top_emotion = @top_emotion,
                intents = @intents, churn_threat = @churn, urgency = @urgency
            WHERE workspace_id = @ws AND id = @id
            """;
        var columns = new Func<CustomerText, object?>[]
        {
            t => t.WorkspaceId, t => t.Id, t => t.AnalysisVersion, t => t.AnalyzedAt, t => t.Language, t => t.SentimentScore,
            t => t.SentimentLabel, t => t.Emotions, t => t.TopEmotion, t => t.Intents, t => t.ChurnThreat, t => t.Urgency,
        };
        var parameters = new[] { "@ws", "@id", "@version", "@analyzed_at", "@language", "@score", "@label", "@emotions", "@top_emotion", "@intents", "@churn", "@urgency" }
            .Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name })).ToArray();
        command.Prepare();
        foreach (var text in texts)
        {
            ct.ThrowIfCancellationRequested();
            for (var i = 0; i < columns.Length; i++)
            {
                parameters[i].Value = BulkWriter.SqliteValue(columns[i](text));
            }

            // Synchronous on purpose: SQLite runs in-process, and its async methods only wrap the same call.
            command.ExecuteNonQuery();
        }
    }
}
