using Microsoft.Extensions.Logging;
using Obsess.Features.Customers;
using Obsess.Features.Feedback;
using Obsess.Features.Texts;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.FollowUps;

/// <summary>A clock the test sets: the services under test read time only through it.</summary>
public sealed class ManualClock(DateTime utcNow) : TimeProvider
{
    public DateTime UtcNow { get; set; } = utcNow;

    public override DateTimeOffset GetUtcNow() => new(UtcNow, TimeSpan.Zero);
}

/// <summary>Collects a job's error log lines, so a test can assert that nothing failed quietly.</summary>
public sealed class ListLog<T> : ILogger<T>
{
    public List<string> Errors { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error)
        {
            Errors.Add($"{formatter(state, exception)} {exception}");
        }
    }
}

/// <summary>Writes the customers, feedback and comments the closed-loop tests start from.</summary>
public static class LoopSeed
{
    /// <summary>A time to whole seconds: PostgreSQL keeps microseconds, .NET ticks are finer, so exact comparisons need this.</summary>
    public static DateTime Seconds(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    public static async Task<Guid> CustomerAsync(ObsessAppFixture app, Guid ws, string name, string? email = null, string consent = "{}")
    {
        var id = Guid.CreateVersion7();
        await app.QueryAsync(ws, async db =>
        {
            var now = DateTime.UtcNow;
            db.Customers.Add(new Customer { WorkspaceId = ws, Id = id, Name = name, Email = email ?? $"{Guid.NewGuid():N}@example.com", Consent = consent, FirstSeenAt = now, LastSeenAt = now, CreatedAt = now, UpdatedAt = now });
            return await db.SaveChangesAsync();
        });
        return id;
    }

    /// <summary>One answer; <paramref name="response"/> groups answers of one survey response.</summary>
    public static async Task<Guid> AnswerAsync(ObsessAppFixture app, Guid ws, Guid? customer, string metric, double? score, Guid? response = null, DateTime? at = null, Guid? textId = null)
    {
        var id = Guid.CreateVersion7();
        await app.QueryAsync(ws, async db =>
        {
            var when = at ?? DateTime.UtcNow.AddHours(-1);
            db.Feedback.Add(new FeedbackRecord
            {
                WorkspaceId = ws,
                Id = id,
                CustomerId = customer,
                Kind = FeedbackKinds.Survey,
                Source = "test survey",
                ExternalId = id.ToString("N"),
                SurveyId = Guid.Empty,
                ResponseId = response,
                QuestionId = metric,
                Metric = metric,
                Score = score,
                TextId = textId,
                Touchpoint = "order",
                Channel = "web",
                OccurredAt = when,
                CreatedAt = when,
            });
            return await db.SaveChangesAsync();
        });
        return id;
    }

    public static async Task<Guid> CommentAsync(ObsessAppFixture app, Guid ws, Guid? customer, string body, bool analysed, bool churnThreat, Guid? response = null)
    {
        var textId = Guid.CreateVersion7();
        await app.QueryAsync(ws, async db =>
        {
            var now = DateTime.UtcNow.AddHours(-1);
            db.Texts.Add(new CustomerText
            {
                WorkspaceId = ws,
                Id = textId,
                CustomerId = customer,
                Kind = TextKinds.SurveyComment,
                Source = "test survey",
                ExternalId = textId.ToString("N"),
                Body = body,
                OccurredAt = now,
                CreatedAt = now,
                AnalysisVersion = analysed ? "test-1" : null,
                AnalyzedAt = analysed ? now : null,
                ChurnThreat = churnThreat,
            });
            return await db.SaveChangesAsync();
        });
        await AnswerAsync(app, ws, customer, FeedbackMetrics.Text, null, response, textId: textId);
        return textId;
    }
}
