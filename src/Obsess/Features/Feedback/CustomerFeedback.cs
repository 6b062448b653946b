using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Texts;

namespace Obsess.Features.Feedback;

/// <summary>One survey response or review of a customer: its scores and its comment, with what the text engine found.</summary>
public sealed record FeedbackEntry(
    DateTime At,
    string Kind,
    string Source,
    Guid? SurveyId,
    string? Touchpoint,
    string? Channel,
    IReadOnlyList<FeedbackScore> Scores,
    IReadOnlyList<TextItem> Comments);

public sealed record FeedbackScore(string Metric, double Score, double? ScaleMax);

/// <summary>A customer's feedback history, newest first, for the customer page.</summary>
public sealed class CustomerFeedback(ObsessDb db, TextQueries texts)
{
    public async Task<IReadOnlyList<FeedbackEntry>> HistoryAsync(Guid customerId, int responses = 10, CancellationToken ct = default)
    {
        // The latest records, enough for the requested number of responses (a response has a handful of answers).
        var rows = await db.Feedback.AsNoTracking().Where(f => f.CustomerId == customerId)
            .OrderByDescending(f => f.OccurredAt).ThenBy(f => f.Id).Take(responses * 12).ToListAsync(ct).ConfigureAwait(false);
        var groups = rows.GroupBy(f => f.ResponseId ?? f.Id).Take(responses).ToList();
        var textIds = groups.SelectMany(g => g).Where(f => f.TextId is not null).Select(f => f.TextId!.Value).ToList();
        var comments = new Dictionary<Guid, TextItem>();
        foreach (var id in textIds)
        {
            if (await texts.GetAsync(id, ct).ConfigureAwait(false) is { } item)
            {
                comments[id] = item;
            }
        }

        return groups.Select(g =>
        {
            var first = g.First();
            return new FeedbackEntry(
                g.Max(f => f.OccurredAt),
                first.Kind,
                first.Source,
                first.SurveyId,
                first.Touchpoint,
                first.Channel,
                g.Where(f => f.Score is not null).Select(f => new FeedbackScore(f.Metric, f.Score!.Value, f.ScaleMax)).ToList(),
                g.Where(f => f.TextId is { } t && comments.ContainsKey(t)).Select(f => comments[f.TextId!.Value]).ToList());
        }).ToList();
    }
}
