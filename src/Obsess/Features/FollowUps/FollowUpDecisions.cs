using System.Globalization;
using Obsess.Features.Feedback;

namespace Obsess.Features.FollowUps;

/// <summary>A team member as the rotation sees them.</summary>
public sealed record RotationMember(Guid UserId, int Position, bool Active);

/// <summary>A feedback row that matched a rule, before tasks are made of it.</summary>
public sealed record RuleMatch(Guid FeedbackId, Guid? ResponseId, Guid CustomerId, FollowUpRule Rule, string Reason, DateTime OccurredAt);

/// <summary>The task one survey response (or one review) should get: its key, the deciding rule, and every reason.</summary>
public sealed record TaskPlan(string TriggerKey, Guid FeedbackId, Guid CustomerId, FollowUpRule Rule, string Reason, DateTime DueAt);

/// <summary>The closed loop's decisions as pure functions: which member is next, what a response's task looks like.</summary>
public static class FollowUpDecisions
{
    /// <summary>
    /// Round robin: the first active member after <paramref name="lastPosition"/> in position order, wrapping
    /// around; disabled users are skipped. Null when nobody in the team can take the task.
    /// </summary>
    public static RotationMember? NextMember(IEnumerable<RotationMember> members, int lastPosition)
    {
        var active = members.Where(m => m.Active).OrderBy(m => m.Position).ToList();
        return active.FirstOrDefault(m => m.Position > lastPosition) ?? active.FirstOrDefault();
    }

    /// <summary>"response:{id}" when the feedback belongs to a survey response, so a response gets one task whatever matched it.</summary>
    public static string TriggerKey(Guid feedbackId, Guid? responseId) =>
        responseId is { } r ? $"response:{r:N}" : $"feedback:{feedbackId:N}";

    /// <summary>
    /// Groups matches by response: one plan each, owned by the rule that is due soonest, due that many hours after
    /// detection (<paramref name="now"/>), with every matching reason listed.
    /// </summary>
    public static List<TaskPlan> Plan(IEnumerable<RuleMatch> matches, DateTime now) =>
        [.. matches
            .GroupBy(m => TriggerKey(m.FeedbackId, m.ResponseId))
            .Select(g =>
            {
                var first = g.OrderBy(m => m.Rule.DueHours).ThenBy(m => m.Rule.CreatedAt).ThenBy(m => m.Rule.Id).First();
                var reason = string.Join("; ", g.Select(m => m.Reason).Distinct(StringComparer.Ordinal));
                return new TaskPlan(g.Key, first.FeedbackId, first.CustomerId, first.Rule, reason.Length > 300 ? reason[..300] : reason, now.AddHours(first.Rule.DueHours));
            })
            .OrderBy(p => p.TriggerKey, StringComparer.Ordinal)];

    public static string MetricLabel(string? metric) => metric switch
    {
        FeedbackMetrics.Nps => "NPS",
        FeedbackMetrics.Csat => "CSAT",
        FeedbackMetrics.Ces => "CES",
        FeedbackMetrics.Rating => "Rating",
        _ => metric ?? "",
    };

    public static string ScoreReason(string metric, double score, double max) =>
        string.Create(CultureInfo.InvariantCulture, $"{MetricLabel(metric)} {score:0.##} (at or below {max:0.##})");

    public const string ChurnThreatReason = "Churn threat in the comment";

    /// <summary>The scale each score metric is asked on, for validating a rule's threshold.</summary>
    public static (double Min, double Max)? Scale(string? metric) => metric switch
    {
        FeedbackMetrics.Nps => (0, 10),
        FeedbackMetrics.Csat => (1, 5),
        FeedbackMetrics.Ces => (1, 7),
        FeedbackMetrics.Rating => (0, 10),
        _ => null,
    };

    /// <summary>
    /// The q-quantile of <paramref name="sorted"/> by linear interpolation between closest ranks
    /// (Hyndman &amp; Fan 1996, definition 7, the default of R and NumPy). Null for no values.
    /// </summary>
    public static double? Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
