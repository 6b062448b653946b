using Obsess.Features.Feedback;
using Obsess.Features.FollowUps;

namespace Obsess.Tests.FollowUps;

/// <summary>The closed loop's pure decisions: rotation, one plan per response, quantiles and the retention groups.</summary>
public sealed class FollowUpDecisionTests
{
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid C = Guid.Parse("00000000-0000-0000-0000-00000000000c");
    private static readonly DateTime Now = new(2026, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Rotation_takes_the_next_active_member_after_the_last_one_and_wraps_around()
    {
        RotationMember[] team = [new(A, 0, true), new(B, 1, false), new(C, 2, true)];

        FollowUpDecisions.NextMember(team, -1)!.UserId.ShouldBe(A);
        FollowUpDecisions.NextMember(team, 0)!.UserId.ShouldBe(C);
        FollowUpDecisions.NextMember(team, 2)!.UserId.ShouldBe(A);
        FollowUpDecisions.NextMember(team.Reverse(), 0)!.UserId.ShouldBe(C);
        FollowUpDecisions.NextMember([new(B, 1, false)], -1).ShouldBeNull();
        FollowUpDecisions.NextMember([], 3).ShouldBeNull();
    }

    [Fact]
    public void Answers_of_one_response_become_one_plan_owned_by_the_rule_due_soonest()
    {
        var nps = Rule(48, FeedbackMetrics.Nps);
        var churn = Rule(24, null);
        var response = Guid.NewGuid();
        var lone = Guid.NewGuid();

        var plans = FollowUpDecisions.Plan(
            [
                new RuleMatch(Guid.NewGuid(), response, A, nps, "NPS 2 (at or below 6)", Now),
                new RuleMatch(Guid.NewGuid(), response, A, churn, FollowUpDecisions.ChurnThreatReason, Now),
                new RuleMatch(lone, null, B, nps, "NPS 5 (at or below 6)", Now),
            ],
            Now);

        plans.Count.ShouldBe(2);
        var both = plans.Single(p => p.TriggerKey == $"response:{response:N}");
        (both.Rule, both.DueAt, both.Reason).ShouldBe((churn, Now.AddHours(24), $"NPS 2 (at or below 6); {FollowUpDecisions.ChurnThreatReason}"));
        plans.Single(p => p.TriggerKey == $"feedback:{lone:N}").DueAt.ShouldBe(Now.AddHours(48));
    }

    [Fact]
    public void Quantiles_interpolate_between_closest_ranks()
    {
        double[] hours = [1, 2, 3, 4, 10];

        FollowUpDecisions.Quantile(hours, 0.5).ShouldBe(3);
        FollowUpDecisions.Quantile(hours, 0.9)!.Value.ShouldBe(7.6, 1e-9);
        FollowUpDecisions.Quantile([5], 0.9).ShouldBe(5);
        FollowUpDecisions.Quantile([], 0.5).ShouldBeNull();
    }

    [Fact]
    public void Retention_groups_leave_out_tasks_in_progress_and_count_a_reached_customer_as_followed_up()
    {
        var opened = Now.AddDays(-5);
        ReportTask[] tasks =
        [
            new(A, TaskStatuses.Closed, opened, opened.AddDays(2), opened.AddHours(3), Outcomes.NoAnswer),
            new(A, TaskStatuses.Closed, opened.AddDays(1), opened.AddDays(3), opened.AddDays(1).AddHours(4), Outcomes.Resolved),
            new(B, TaskStatuses.Open, opened, opened.AddDays(2), null, null),
            new(C, TaskStatuses.Open, Now.AddHours(-1), Now.AddDays(1), null, null),
        ];

        var anchors = FollowUpReports.RetentionAnchors(tasks, Now);
        var report = FollowUpReports.Compute(30, Now.AddDays(-30), tasks, 1, anchors, c => c == A ? opened.AddDays(2) : c == B ? opened.AddHours(-1) : Now);

        anchors.Keys.Order().ShouldBe([A, B]);
        anchors[A].ShouldBe((true, opened.AddDays(1).AddHours(4)));
        anchors[B].ShouldBe((false, opened));
        report.FollowedUp.ShouldBe(new RetentionGroup(1, 1, 1.0));
        report.NotFollowedUp.ShouldBe(new RetentionGroup(1, 0, 0.0));
        (report.Tasks, report.Closed, report.ClosureRate).ShouldBe((4, 2, 0.5));
    }

    private static FollowUpRule Rule(int hours, string? metric) => new()
    {
        Id = Guid.NewGuid(),
        Name = $"rule {hours}",
        Kind = metric is null ? RuleKinds.ChurnThreat : RuleKinds.Score,
        Metric = metric,
        MaxScore = metric is null ? null : 6,
        DueHours = hours,
        Enabled = true,
        CreatedAt = Now,
    };
}
