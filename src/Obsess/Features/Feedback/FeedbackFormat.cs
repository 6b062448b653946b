using System.Globalization;

namespace Obsess.Features.Feedback;

/// <summary>How the pages write scores: one decimal for scores out of 100, two for means, a dash for "none yet".</summary>
public static class FeedbackFormat
{
    public const string None = "–";

    public static string Score(double? value, int decimals = 1) =>
        value is { } v ? v.ToString(decimals == 1 ? "0.#" : "0.##", CultureInfo.InvariantCulture).Replace("-", "−", StringComparison.Ordinal) : None;

    public static string Interval(double[]? ci, int decimals = 1) =>
        ci is [var low, var high] ? $"95% interval {Score(low, decimals)} to {Score(high, decimals)}" : "no interval";

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The query string of a filter (only the fields set), for links to the export and the API.</summary>
    public static string Query(FeedbackFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }

        Add("survey", filter.SurveyId?.ToString());
        Add("from", filter.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("to", filter.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("channel", filter.Channel);
        Add("touchpoint", filter.Touchpoint);
        Add("segment", filter.Segment);
        Add("agent", filter.Agent);
        Add("product", filter.Product);
        Add("kind", filter.Kind);
        return string.Join('&', parts);
    }
}
