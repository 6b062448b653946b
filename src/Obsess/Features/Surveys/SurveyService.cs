using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;

namespace Obsess.Features.Surveys;

/// <summary>A survey as the API creates or replaces it.</summary>
public sealed record SurveyRequest
{
    public string? Name { get; init; }

    public List<string>? Languages { get; init; }

    public string? DefaultLanguage { get; init; }

    public List<SurveyQuestion>? Questions { get; init; }

    public int? ResponseQuota { get; init; }

    public DateTime? ClosesAt { get; init; }

    public string? DefaultTouchpoint { get; init; }

    public string? DefaultChannel { get; init; }

    public bool? AllowMultiple { get; init; }
}

public sealed record SurveyCounts(int Complete, int Partial);

public sealed record SurveyView(
    Guid Id,
    string Name,
    string Status,
    string Token,
    string PublicPath,
    SurveyDefinition Definition,
    int? ResponseQuota,
    DateTime? ClosesAt,
    string? DefaultTouchpoint,
    string? DefaultChannel,
    bool AllowMultiple,
    SurveyCounts Responses,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? PublishedAt,
    DateTime? ClosedAt);

public sealed record SurveyListItem(Guid Id, string Name, string Status, string PublicPath, SurveyCounts Responses, int? ResponseQuota, DateTime? ClosesAt, DateTime UpdatedAt);

public enum SurveyChange
{
    Done,
    NotFound,
    Invalid,
    Conflict,
}

public sealed record SurveyChangeResult(SurveyChange Outcome, SurveyView? Survey = null, Dictionary<string, string[]>? Errors = null, string? Detail = null);

/// <summary>Creating, changing, publishing and closing surveys in the current workspace.</summary>
public sealed class SurveyService(ObsessDb db, TimeProvider clock, SurveyCache cache)
{
    public static string PublicPath(string token) => $"/s/{token}";

    public async Task<SurveyChangeResult> CreateAsync(SurveyRequest request, string actor, CancellationToken ct = default)
    {
        var (definition, errors) = Check(request);
        if (errors.Count > 0)
        {
            return new SurveyChangeResult(SurveyChange.Invalid, Errors: errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var ws = db.CurrentWorkspaceId;
        var survey = new Survey
        {
            WorkspaceId = ws,
            Id = Guid.CreateVersion7(),
            Name = request.Name!.Trim(),
            Status = SurveyStatuses.Draft,
            Token = SurveyTokens.NewSurveyToken(ws),
            Definition = definition.ToJson(),
            ResponseQuota = request.ResponseQuota,
            ClosesAt = request.ClosesAt?.ToUniversalTime(),
            DefaultTouchpoint = Blank(request.DefaultTouchpoint),
            DefaultChannel = Blank(request.DefaultChannel),
            AllowMultiple = request.AllowMultiple ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(survey);
        Audit.Audit.Record(db, ws, actor, "survey.create", $"survey:{survey.Id}", survey.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new SurveyChangeResult(SurveyChange.Done, View(survey, new SurveyCounts(0, 0)));
    }

    /// <summary>
    /// A draft takes the whole request. A live survey may only change its quota and close date: any other field
    /// given with a different value is refused, so a change to questions never lands under answers already given.
    /// </summary>
    public async Task<SurveyChangeResult> UpdateAsync(Guid id, SurveyRequest request, string actor, CancellationToken ct = default)
    {
        var survey = await db.Set<Survey>().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return new SurveyChangeResult(SurveyChange.NotFound);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (survey.Status == SurveyStatuses.Closed)
        {
            return new SurveyChangeResult(SurveyChange.Conflict, Detail: "A closed survey cannot be changed.");
        }

        if (survey.Status == SurveyStatuses.Live)
        {
            var errors = new Dictionary<string, string[]>();
            SurveyValidation.ValidateSettings(errors, request.ResponseQuota, null, null);
            if (request.ClosesAt is { } closes && closes.ToUniversalTime() <= now)
            {
                errors["closesAt"] = ["The close date of a live survey must be in the future."];
            }

            if (errors.Count > 0)
            {
                return new SurveyChangeResult(SurveyChange.Invalid, Errors: errors);
            }

            var current = SurveyDefinition.FromJson(survey.Definition);
            var changed = new List<string>();
            if (request.Name is not null && request.Name.Trim() != survey.Name)
            {
                changed.Add("name");
            }

            if (request.Questions is not null || request.Languages is not null || request.DefaultLanguage is not null)
            {
                var (proposed, defErrors) = SurveyValidation.Validate(new SurveyDefinition
                {
                    Languages = request.Languages ?? current.Languages,
                    DefaultLanguage = request.DefaultLanguage ?? current.DefaultLanguage,
                    Questions = request.Questions ?? current.Questions,
                });
                if (defErrors.Count > 0 || proposed.ToJson() != current.ToJson())
                {
                    changed.Add("questions");
                }
            }

            if (request.DefaultTouchpoint is not null && request.DefaultTouchpoint != survey.DefaultTouchpoint)
            {
                changed.Add("defaultTouchpoint");
            }

            if (request.DefaultChannel is not null && request.DefaultChannel != survey.DefaultChannel)
            {
                changed.Add("defaultChannel");
            }

            if (request.AllowMultiple is { } allow && allow != survey.AllowMultiple)
            {
                changed.Add("allowMultiple");
            }

            if (changed.Count > 0)
            {
                return new SurveyChangeResult(
                    SurveyChange.Conflict,
                    Detail: $"A live survey may only change its response quota and close date; not: {string.Join(", ", changed)}.");
            }

            survey.ResponseQuota = request.ResponseQuota;
            survey.ClosesAt = request.ClosesAt?.ToUniversalTime();
        }
        else
        {
            var (definition, errors) = Check(request);
            if (errors.Count > 0)
            {
                return new SurveyChangeResult(SurveyChange.Invalid, Errors: errors);
            }

            survey.Name = request.Name!.Trim();
            survey.Definition = definition.ToJson();
            survey.ResponseQuota = request.ResponseQuota;
            survey.ClosesAt = request.ClosesAt?.ToUniversalTime();
            survey.DefaultTouchpoint = Blank(request.DefaultTouchpoint);
            survey.DefaultChannel = Blank(request.DefaultChannel);
            survey.AllowMultiple = request.AllowMultiple ?? false;
        }

        survey.UpdatedAt = now;
        Audit.Audit.Record(db, survey.WorkspaceId, actor, "survey.update", $"survey:{survey.Id}", survey.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        cache.Forget(survey.Token);
        return new SurveyChangeResult(SurveyChange.Done, View(survey, await CountsAsync(survey.Id, ct).ConfigureAwait(false)));
    }

    public async Task<SurveyChangeResult> PublishAsync(Guid id, string actor, CancellationToken ct = default)
    {
        var survey = await db.Set<Survey>().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return new SurveyChangeResult(SurveyChange.NotFound);
        }

        if (survey.Status != SurveyStatuses.Draft)
        {
            return new SurveyChangeResult(SurveyChange.Conflict, Detail: $"Only a draft can be published; this survey is {survey.Status}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (survey.ClosesAt is { } closes && closes <= now)
        {
            return new SurveyChangeResult(SurveyChange.Invalid, Errors: new() { ["closesAt"] = ["The close date has passed; move it into the future before publishing."] });
        }

        // Stored definitions were valid when saved; check again so that a survey never goes live with a bad one.
        var (_, errors) = SurveyValidation.Validate(SurveyDefinition.FromJson(survey.Definition));
        if (errors.Count > 0)
        {
            return new SurveyChangeResult(SurveyChange.Invalid, Errors: errors);
        }

        survey.Status = SurveyStatuses.Live;
        survey.PublishedAt = now;
        survey.UpdatedAt = now;
        Audit.Audit.Record(db, survey.WorkspaceId, actor, "survey.publish", $"survey:{survey.Id}", survey.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        cache.Forget(survey.Token);
        return new SurveyChangeResult(SurveyChange.Done, View(survey, await CountsAsync(survey.Id, ct).ConfigureAwait(false)));
    }

    public async Task<SurveyChangeResult> CloseAsync(Guid id, string actor, CancellationToken ct = default)
    {
        var survey = await db.Set<Survey>().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return new SurveyChangeResult(SurveyChange.NotFound);
        }

        if (survey.Status != SurveyStatuses.Live)
        {
            return new SurveyChangeResult(SurveyChange.Conflict, Detail: $"Only a live survey can be closed; this survey is {survey.Status}.");
        }

        MarkClosed(survey, clock.GetUtcNow().UtcDateTime);
        Audit.Audit.Record(db, survey.WorkspaceId, actor, "survey.close", $"survey:{survey.Id}", survey.Name, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        cache.Forget(survey.Token);
        return new SurveyChangeResult(SurveyChange.Done, View(survey, await CountsAsync(survey.Id, ct).ConfigureAwait(false)));
    }

    public async Task<SurveyView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        var survey = await db.Set<Survey>().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return null;
        }

        await CloseIfDueAsync(db, survey, clock, ct).ConfigureAwait(false);
        return View(survey, await CountsAsync(id, ct).ConfigureAwait(false));
    }

    public async Task<List<SurveyListItem>> ListAsync(CancellationToken ct = default)
    {
        var surveys = await db.Set<Survey>().OrderByDescending(s => s.UpdatedAt).ToListAsync(ct).ConfigureAwait(false);
        foreach (var s in surveys)
        {
            await CloseIfDueAsync(db, s, clock, ct).ConfigureAwait(false);
        }

        var counts = await db.Set<SurveyResponse>()
            .GroupBy(r => new { r.SurveyId, r.Status })
            .Select(g => new { g.Key.SurveyId, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct).ConfigureAwait(false);
        return [.. surveys.Select(s => new SurveyListItem(
            s.Id,
            s.Name,
            s.Status,
            PublicPath(s.Token),
            new SurveyCounts(
                counts.Where(c => c.SurveyId == s.Id && c.Status == ResponseStatuses.Complete).Sum(c => c.Count),
                counts.Where(c => c.SurveyId == s.Id && c.Status == ResponseStatuses.Partial).Sum(c => c.Count)),
            s.ResponseQuota,
            s.ClosesAt,
            s.UpdatedAt))];
    }

    public async Task<SurveyCounts> CountsAsync(Guid surveyId, CancellationToken ct = default)
    {
        var counts = await db.Set<SurveyResponse>().Where(r => r.SurveyId == surveyId)
            .GroupBy(r => r.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToListAsync(ct).ConfigureAwait(false);
        return new SurveyCounts(
            counts.FirstOrDefault(c => c.Status == ResponseStatuses.Complete)?.Count ?? 0,
            counts.FirstOrDefault(c => c.Status == ResponseStatuses.Partial)?.Count ?? 0);
    }

    /// <summary>Closes a live survey whose close date has passed or whose quota is full; true when it is (now) closed.</summary>
    public static async Task<bool> CloseIfDueAsync(ObsessDb db, Survey survey, TimeProvider clock, CancellationToken ct)
    {
        if (survey.Status == SurveyStatuses.Closed)
        {
            return true;
        }

        if (survey.Status != SurveyStatuses.Live)
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var due = survey.ClosesAt is { } at && at <= now;
        if (!due && survey.ResponseQuota is { } quota)
        {
            due = await db.Set<SurveyResponse>().CountAsync(r => r.SurveyId == survey.Id && r.Status == ResponseStatuses.Complete, ct).ConfigureAwait(false) >= quota;
        }

        if (!due)
        {
            return false;
        }

        MarkClosed(survey, now);
        Audit.Audit.Record(db, survey.WorkspaceId, "system", "survey.close", $"survey:{survey.Id}", survey.ClosesAt is { } c && c <= now ? "close date reached" : "response quota reached", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return true;
    }

    internal static void MarkClosed(Survey survey, DateTime now)
    {
        survey.Status = SurveyStatuses.Closed;
        survey.ClosedAt = now;
        survey.UpdatedAt = now;
    }

    public static SurveyView View(Survey s, SurveyCounts counts) => new(
        s.Id,
        s.Name,
        s.Status,
        s.Token,
        PublicPath(s.Token),
        SurveyDefinition.FromJson(s.Definition),
        s.ResponseQuota,
        s.ClosesAt,
        s.DefaultTouchpoint,
        s.DefaultChannel,
        s.AllowMultiple,
        counts,
        s.CreatedAt,
        s.UpdatedAt,
        s.PublishedAt,
        s.ClosedAt);

    /// <summary>Validates everything in a full request; the definition comes back normalised (ids filled in).</summary>
    public static (SurveyDefinition Definition, Dictionary<string, string[]> Errors) Check(SurveyRequest request)
    {
        var errors = SurveyValidation.ValidateName(request.Name);
        SurveyValidation.ValidateSettings(errors, request.ResponseQuota, Blank(request.DefaultTouchpoint), Blank(request.DefaultChannel));
        var (definition, definitionErrors) = SurveyValidation.Validate(new SurveyDefinition
        {
            Languages = request.Languages ?? [],
            DefaultLanguage = request.DefaultLanguage,
            Questions = request.Questions ?? [],
        });
        foreach (var (field, messages) in definitionErrors)
        {
            errors[field] = messages;
        }

        return (definition, errors);
    }

    public static SurveyRequest ToRequest(SurveyView s) => new()
    {
        Name = s.Name,
        Languages = s.Definition.Languages,
        DefaultLanguage = s.Definition.DefaultLanguage,
        Questions = s.Definition.Questions,
        ResponseQuota = s.ResponseQuota,
        ClosesAt = s.ClosesAt,
        DefaultTouchpoint = s.DefaultTouchpoint,
        DefaultChannel = s.DefaultChannel,
        AllowMultiple = s.AllowMultiple,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    internal static string AnswersJson(IReadOnlyDictionary<string, SurveyAnswer> answers) => JsonSerializer.Serialize(answers, SurveyDefinition.Json);

    internal static Dictionary<string, SurveyAnswer> ReadAnswers(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, SurveyAnswer>>(json, SurveyDefinition.Json) ?? [];
}
