using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Customers;
using Obsess.Features.FollowUps;
using Obsess.Features.Invitations;
using Obsess.Features.Workspaces;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.FollowUps;

/// <summary>The closed loop's and invitations' entities match the hand-written schema (version 7) on each engine.</summary>
public abstract class LoopModelTests(ObsessAppFixture app)
{
    private static readonly DateTime T1 = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private static readonly DateTime T2 = new(2025, 7, 8, 9, 10, 11, 123, DateTimeKind.Utc);

    [Fact]
    public async Task Every_loop_entity_written_through_the_model_reads_back_unchanged_and_only_in_its_workspace()
    {
        var storage = await app.NewDatabaseAsync();
        var ws = Guid.CreateVersion7();
        var user = new User { WorkspaceId = ws, Id = Guid.CreateVersion7(), Email = "a@example.com", Name = "A", Role = Roles.Agent, PasswordHash = "h", CreatedAt = T1 };
        var customer = new Customer { WorkspaceId = ws, Id = Guid.CreateVersion7(), Name = "Zoë", FirstSeenAt = T1, LastSeenAt = T2, CreatedAt = T1, UpdatedAt = T2 };
        var team = new FollowUpTeam { WorkspaceId = ws, Id = Guid.CreateVersion7(), Name = "Care «A»", RotationPosition = 3, CreatedAt = T1 };
        var member = new FollowUpTeamMember { WorkspaceId = ws, TeamId = team.Id, UserId = user.Id, Position = 3 };
        var rule = new FollowUpRule { WorkspaceId = ws, Id = Guid.CreateVersion7(), Name = "NPS", Kind = RuleKinds.Score, Metric = "nps", MaxScore = 6.5, DueHours = 48, TeamId = team.Id, Enabled = true, CreatedAt = T1 };
        var task = new FollowUpTask
        {
            WorkspaceId = ws,
            Id = Guid.CreateVersion7(),
            TriggerKey = "response:abc",
            RuleId = rule.Id,
            FeedbackId = Guid.CreateVersion7(),
            CustomerId = customer.Id,
            TeamId = team.Id,
            OwnerId = user.Id,
            Reason = "NPS 3 (at or below 6)",
            Status = TaskStatuses.Closed,
            DueAt = T2,
            CreatedAt = T1,
            ClosedAt = T2,
            ClosedBy = "user:x",
            Outcome = Outcomes.Resolved,
            OutcomeNote = "Called — «fixed» 👍",
        };
        var settings = new LoopSettings
        {
            WorkspaceId = ws,
            DefaultRulesAt = T1,
            SmtpHost = "smtp.example.com",
            SmtpPort = 587,
            SmtpStarttls = false,
            SmtpFrom = "f@example.com",
            SmtpUser = "u",
            SmtpPasswordProtected = "CfDJ8…",
            WebhookUrl = "https://hooks.example.com/x",
            WebhookSecretProtected = "CfDJ8…2",
            UpdatedAt = T2,
        };
        var trigger = new InvitationTrigger
        {
            WorkspaceId = ws,
            Id = Guid.CreateVersion7(),
            Name = "After support",
            Source = TriggerSources.Event,
            EventName = "Conversation Resolved",
            SurveyId = Guid.CreateVersion7(),
            Touchpoint = "support_resolved",
            Channel = Channels.Webhook,
            DelayMinutes = 90,
            RecontactDays = 30,
            SamplePercent = 25,
            RequireConsent = true,
            Enabled = false,
            ScannedUntil = T2,
            CreatedAt = T1,
        };
        var invitation = new Invitation
        {
            WorkspaceId = ws,
            Id = Guid.CreateVersion7(),
            TriggerId = trigger.Id,
            CustomerId = customer.Id,
            SurveyId = trigger.SurveyId,
            SourceId = Guid.CreateVersion7(),
            Touchpoint = "support_resolved",
            Channel = Channels.Webhook,
            Status = InvitationStatuses.Failed,
            SkipReason = null,
            DueAt = T1,
            Attempts = 6,
            NextAttemptAt = T2,
            LastError = "The webhook answered 500.",
            SentAt = T2,
            CreatedAt = T1,
        };

        await using (var db = TestDb.Open(storage, ws))
        {
            await Migrator.MigrateAsync(db);
            db.Workspaces.Add(new Workspace { Id = ws, Slug = "loop", Name = "Loop", CreatedAt = T1 });
            db.AddRange(user, customer, team, member, rule, task, settings, trigger, invitation);
            await db.SaveChangesAsync();
        }

        await using (var db = TestDb.Open(storage, ws))
        {
            (await db.FollowUpTeams.SingleAsync()).ShouldBeEquivalentTo(team);
            (await db.FollowUpTeamMembers.SingleAsync()).ShouldBeEquivalentTo(member);
            (await db.FollowUpRules.SingleAsync()).ShouldBeEquivalentTo(rule);
            (await db.FollowUpTasks.SingleAsync()).ShouldBeEquivalentTo(task);
            (await db.LoopSettings.SingleAsync()).ShouldBeEquivalentTo(settings);
            (await db.InvitationTriggers.SingleAsync()).ShouldBeEquivalentTo(trigger);
            (await db.Invitations.SingleAsync()).ShouldBeEquivalentTo(invitation);
        }

        await using (var other = TestDb.Open(storage, Guid.CreateVersion7()))
        {
            (await other.FollowUpTasks.CountAsync()).ShouldBe(0);
            (await other.LoopSettings.CountAsync()).ShouldBe(0);
            (await other.Invitations.CountAsync()).ShouldBe(0);
            (await other.FollowUpTasks.IgnoreQueryFilters().CountAsync()).ShouldBe(1);
        }
    }
}

public sealed class LoopModelTests_on_sqlite(SqliteAppFixture app) : LoopModelTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class LoopModelTests_on_postgres(PostgresAppFixture app) : LoopModelTests(app), IClassFixture<PostgresAppFixture>;
