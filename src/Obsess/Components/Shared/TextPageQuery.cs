using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Obsess.Features.Texts;

namespace Obsess.Components.Shared;

/// <summary>Turns the text pages' query string into a <see cref="TextFilterQuery"/> (empty values mean "any"), and back into links.</summary>
internal static class TextPageQuery
{
    public static TextFilterQuery Build(
        Dictionary<string, string[]> errors, string? from, string? to, string? kind, string? channel, string? source, string? segment,
        string? sentiment, string? intent, int? theme, Guid? customerId, bool? urgent)
    {
        static string? Empty(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        DateOnly? Date(string? v, string field)
        {
            if (Empty(v) is not { } s)
            {
                return null;
            }

            if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                return d;
            }

            errors[field] = ["Use a date like 2026-05-31."];
            return null;
        }

        return new TextFilterQuery(customerId, Empty(kind), Empty(channel), Empty(source), Empty(segment), Date(from, "from"), Date(to, "to"), Empty(sentiment), Empty(intent), theme, urgent);
    }

    public static string Href(string path, TextFilterQuery q, int? page = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["from"] = q.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = q.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["kind"] = q.Kind,
            ["channel"] = q.Channel,
            ["source"] = q.Source,
            ["segment"] = q.Segment,
            ["sentiment"] = q.Sentiment,
            ["intent"] = q.Intent,
            ["theme"] = q.Theme?.ToString(CultureInfo.InvariantCulture),
            ["customerId"] = q.CustomerId?.ToString(),
            ["urgent"] = q.Urgent == true ? "true" : null,
            ["page"] = page?.ToString(CultureInfo.InvariantCulture),
        };
        return QueryHelpers.AddQueryString(path, values.Where(v => v.Value is not null));
    }
}
