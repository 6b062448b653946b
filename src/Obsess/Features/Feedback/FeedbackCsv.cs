using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Feedback;

/// <summary>
/// The feedback export: every record the filter selects with its comment, customer, survey, question, score and
/// sentiment, as RFC 4180 CSV streamed row by row.
/// </summary>
public static class FeedbackCsv
{
    public static readonly IReadOnlyList<string> Header =
    [
        "feedback_id", "kind", "source", "external_id", "occurred_at", "survey_id", "response_id", "question_id", "metric", "score", "scale_max",
        "choices", "touchpoint", "channel", "agent", "product", "language", "customer_id", "customer_email", "comment", "sentiment_label",
        "sentiment_score", "top_emotion",
    ];

    /// <summary>
    /// One text cell. A cell a spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage return) gets
    /// a leading apostrophe (OWASP, "CSV Injection"); then a cell holding a comma, quote or line break is quoted with its
    /// quotes doubled (RFC 4180 §2). Numbers the export formats itself are written plainly.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    public static async Task WriteAsync(ObsessDb db, IQueryable<FeedbackRecord> records, Stream output, CancellationToken ct)
    {
        var rows =
            from f in records
            join t in db.Texts on f.TextId equals (Guid?)t.Id into texts
            from t in texts.DefaultIfEmpty()
            join c in db.Customers on f.CustomerId equals (Guid?)c.Id into customers
            from c in customers.DefaultIfEmpty()
            orderby f.OccurredAt, f.Id
            select new
            {
                f.Id,
                f.Kind,
                f.Source,
                f.ExternalId,
                f.OccurredAt,
                f.SurveyId,
                f.ResponseId,
                f.QuestionId,
                f.Metric,
                f.Score,
                f.ScaleMax,
                f.Choices,
                f.Touchpoint,
                f.Channel,
                f.Agent,
                f.Product,
                f.Language,
                f.CustomerId,
                Email = c == null ? null : c.Email,
                Body = t == null ? null : t.Body,
                Label = t == null ? null : t.SentimentLabel,
                Sentiment = t == null ? null : t.SentimentScore,
                Emotion = t == null ? null : t.TopEmotion,
            };

        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', Header)).ConfigureAwait(false);
        var line = new StringBuilder();
        await foreach (var r in rows.AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
        {
            line.Clear();
            line.AppendJoin(',',
                r.Id.ToString(), Cell(r.Kind), Cell(r.Source), Cell(r.ExternalId), r.OccurredAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                r.SurveyId?.ToString() ?? "", r.ResponseId?.ToString() ?? "", Cell(r.QuestionId), Cell(r.Metric), Number(r.Score), Number(r.ScaleMax),
                Cell(r.Choices), Cell(r.Touchpoint), Cell(r.Channel), Cell(r.Agent), Cell(r.Product), Cell(r.Language), r.CustomerId?.ToString() ?? "",
                Cell(r.Email), Cell(r.Body), Cell(r.Label), Number(r.Sentiment), Cell(r.Emotion));
            await writer.WriteLineAsync(line, ct).ConfigureAwait(false);
        }

        await writer.FlushAsync(ct).ConfigureAwait(false);
    }
}
