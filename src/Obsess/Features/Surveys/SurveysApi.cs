using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;

namespace Obsess.Features.Surveys;

/// <summary>What the public API returns after saving answers.</summary>
/// <param name="ResumeSecret">Only when the response was created: send it with <paramref name="ResponseId"/> to continue.</param>
/// <param name="Path">The question ids the respondent sees, given the answers so far (skip rules applied).</param>
/// <param name="Missing">Required questions on the path still unanswered.</param>
public sealed record ResponseSaved(Guid ResponseId, string? ResumeSecret, string Status, IReadOnlyList<string> Path, IReadOnlyList<string> Missing);

/// <summary>The body of <c>POST /s/{token}/responses</c>.</summary>
/// <param name="Answers">Question id → answer: a whole number (NPS, CSAT, CES, rating), an option id (single choice), an array of option ids (multiple choice) or a string (open text, at most 5,000 characters); null clears an answer.</param>
/// <param name="Website">Leave empty: a field people never see, filled in only by bots.</param>
public sealed record ResponseSubmission(
    Guid? ResponseId,
    string? ResumeSecret,
    string? Link,
    string? Language,
    Dictionary<string, JsonElement>? Answers,
    bool? Complete,
    string? Touchpoint,
    string? Channel,
    string? Website);

public sealed record PublicOption(string Id, string Label);

/// <param name="HasRules">Whether skip rules follow this question, so the next question depends on its answer.</param>
public sealed record PublicQuestion(string Id, string Type, bool Required, string Label, int Min, int Max, IReadOnlyList<PublicOption>? Options, bool HasRules);

/// <summary>A survey as a respondent sees it, in one language.</summary>
public sealed record PublicSurvey(string Name, string Language, IReadOnlyList<string> Languages, IReadOnlyList<PublicQuestion> Questions, int MaxTextLength);

/// <summary>
/// Surveys: the management API under /api/surveys (viewer reads, manager changes) and the public answer API under
/// /s/{token} (anonymous, rate-limited, open to every origin so the widget works on any site). Results and metrics are
/// another feature's (they read the feedback rows these answers become).
/// </summary>
internal static class SurveysApi
{
    public const int MaxSubmissionBytes = 512 * 1024;

    public static void MapSurveysApi(this RouteGroupBuilder api)
    {
        var surveys = api.MapGroup("/surveys").WithTags("Surveys");
        surveys.MapGet("/", ListAsync).WithName("ListSurveys")
            .WithSummary("Every survey of the workspace with its status and counts of complete and partial responses.");
        surveys.MapGet("/{id:guid}", GetAsync).WithName("GetSurvey")
            .WithSummary("One survey: its definition (languages, questions, skip rules), settings, public path and response counts.");
        surveys.MapPost("/", CreateAsync).WithName("CreateSurvey")
            .WithSummary("Creates a draft survey (manager or above). Question types: nps, csat, ces, rating, single, multiple, text; skip rules per question.")
            .RequireAuthorization(Policies.Manager);
        surveys.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateSurvey")
            .WithSummary("Replaces a draft survey; a live one may only change responseQuota and closesAt (manager or above).")
            .RequireAuthorization(Policies.Manager);
        surveys.MapPost("/{id:guid}/publish", PublishAsync).WithName("PublishSurvey")
            .WithSummary("Makes a draft live: its public page, widget and links take answers (manager or above).")
            .RequireAuthorization(Policies.Manager);
        surveys.MapPost("/{id:guid}/close", CloseAsync).WithName("CloseSurvey")
            .WithSummary("Closes a live survey; it takes no more answers (manager or above).")
            .RequireAuthorization(Policies.Manager);
        surveys.MapPost("/{id:guid}/links", CreateLinkAsync).WithName("CreateSurveyLink")
            .WithSummary("Creates a personal, single-use link for one customer and touchpoint (manager or above). The URL is shown once.")
            .RequireAuthorization(Policies.Manager);
    }

    public static void MapPublicSurveyApi(this IEndpointRouteBuilder app)
    {
        var open = app.MapGroup("/s/{token}").WithTags("Surveys (public)").AllowAnonymous()
            .AddEndpointFilter(async (context, next) =>
            {
                AllowAnyOrigin(context.HttpContext.Response);
                return await next(context).ConfigureAwait(false);
            });
        open.MapGet("/survey", GetPublicAsync).WithName("GetPublicSurvey")
            .WithSummary("The survey's questions in one language (?lang=, else Accept-Language, else the survey's default), for the widget.");
        open.MapPost("/responses", SubmitAsync).WithName("SubmitSurveyResponse")
            .WithSummary("Creates or continues a response (send responseId and resumeSecret to continue). Partial saves are kept; complete=true submits.")
            .Accepts<ResponseSubmission>("application/json")
            .DisableAntiforgery();
        open.MapMethods("/survey", [HttpMethods.Options], Preflight).ExcludeFromDescription();
        open.MapMethods("/responses", [HttpMethods.Options], Preflight).ExcludeFromDescription();
    }

    private static NoContent Preflight(HttpContext http)
    {
        AllowAnyOrigin(http.Response);
        http.Response.Headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
        http.Response.Headers.AccessControlAllowHeaders = "Content-Type, Accept-Language";
        http.Response.Headers.AccessControlMaxAge = "600";
        return TypedResults.NoContent();
    }

    /// <summary>Public endpoints only: no credentials are involved, so any site may call them.</summary>
    private static void AllowAnyOrigin(HttpResponse response) => response.Headers.AccessControlAllowOrigin = "*";

    private static async Task<Ok<List<SurveyListItem>>> ListAsync(SurveyService service, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(ct).ConfigureAwait(false));

    private static async Task<Results<Ok<SurveyView>, NotFound>> GetAsync(Guid id, SurveyService service, CancellationToken ct) =>
        await service.GetAsync(id, ct).ConfigureAwait(false) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<Results<Created<SurveyView>, ValidationProblem>> CreateAsync(
        SurveyRequest request, SurveyService service, ClaimsPrincipal caller, CancellationToken ct)
    {
        var result = await service.CreateAsync(request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false);
        return result.Outcome == SurveyChange.Done
            ? TypedResults.Created($"/api/surveys/{result.Survey!.Id}", result.Survey)
            : TypedResults.ValidationProblem(result.Errors!);
    }

    private static async Task<Results<Ok<SurveyView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, SurveyRequest request, SurveyService service, ClaimsPrincipal caller, CancellationToken ct) =>
        Outcome(await service.UpdateAsync(id, request, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false));

    private static async Task<Results<Ok<SurveyView>, NotFound, ValidationProblem, ProblemHttpResult>> PublishAsync(
        Guid id, SurveyService service, ClaimsPrincipal caller, CancellationToken ct) =>
        Outcome(await service.PublishAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false));

    private static async Task<Results<Ok<SurveyView>, NotFound, ValidationProblem, ProblemHttpResult>> CloseAsync(
        Guid id, SurveyService service, ClaimsPrincipal caller, CancellationToken ct) =>
        Outcome(await service.CloseAsync(id, Audit.Audit.ActorOf(caller), ct).ConfigureAwait(false));

    private static Results<Ok<SurveyView>, NotFound, ValidationProblem, ProblemHttpResult> Outcome(SurveyChangeResult result) => result.Outcome switch
    {
        SurveyChange.Done => TypedResults.Ok(result.Survey!),
        SurveyChange.NotFound => TypedResults.NotFound(),
        SurveyChange.Invalid => TypedResults.ValidationProblem(result.Errors!),
        _ => TypedResults.Problem(statusCode: 409, title: "Not possible in this state", detail: result.Detail),
    };

    private static async Task<Results<Created<CreatedSurveyLink>, NotFound, ValidationProblem, ProblemHttpResult>> CreateLinkAsync(
        Guid id, CreateLinkRequest request, ObsessDb db, TimeProvider clock, HttpContext http, ClaimsPrincipal caller, CancellationToken ct)
    {
        var survey = await db.Set<Survey>().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return TypedResults.NotFound();
        }

        var result = await SurveyLinks.CreateAsync(db, survey, request, clock, ct).ConfigureAwait(false);
        if (result.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(result.Errors);
        }

        if (result.Conflict is not null)
        {
            return TypedResults.Problem(statusCode: 409, title: "Survey closed", detail: result.Conflict);
        }

        Audit.Audit.Record(db, survey.WorkspaceId, Audit.Audit.ActorOf(caller), "survey.link", $"survey:{survey.Id}", $"customer:{result.Link!.CustomerId} touchpoint:{result.Link.Touchpoint}", clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        var link = result.Link with { Url = $"{http.Request.Scheme}://{http.Request.Host}{result.Link.Path}" };
        return TypedResults.Created($"/api/surveys/{survey.Id}", link);
    }

    private static async Task<Results<Ok<PublicSurvey>, ProblemHttpResult>> GetPublicAsync(
        string token, string? lang, HttpRequest request, SurveyResponder responder, TimeProvider clock, CancellationToken ct)
    {
        var cached = await responder.FindForAnswersAsync(token, ct).ConfigureAwait(false);
        if (cached is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "No such survey", detail: "Check the survey link.");
        }

        var (survey, definition, _) = cached;
        if (!survey.TakesAnswersAt(clock.GetUtcNow().UtcDateTime))
        {
            return TypedResults.Problem(statusCode: 410, title: "Survey closed", detail: "This survey is closed and no longer takes answers.");
        }

        var language = SurveyResponder.LanguageFor(definition, [lang, .. SurveyResponder.AcceptedLanguages(request.Headers.AcceptLanguage)]);
        return TypedResults.Ok(Localise(survey, definition, language));
    }

    public static PublicSurvey Localise(Survey survey, SurveyDefinition definition, string language)
    {
        var fallback = definition.DefaultLanguage ?? language;
        return new PublicSurvey(
            survey.Name,
            language,
            definition.Languages,
            [.. definition.Questions.Select(q =>
            {
                var (min, max) = QuestionTypes.Range(q);
                return new PublicQuestion(
                    q.Id!,
                    q.Type!,
                    q.Required,
                    q.Label.In(language, fallback),
                    min,
                    max,
                    q.Options?.Select(o => new PublicOption(o.Id!, o.Label.In(language, fallback))).ToList(),
                    q.Rules is { Count: > 0 });
            })],
            SurveyValidation.MaxTextAnswerLength);
    }

    private static async Task<Results<Ok<ResponseSaved>, Created<ResponseSaved>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        string token, HttpContext http, SurveyResponder responder, SurveyThrottle throttle, CancellationToken ct)
    {
        if (!throttle.TryAcquire(http, token))
        {
            http.Response.Headers.RetryAfter = "60";
            return TypedResults.Problem(statusCode: 429, title: "Too many requests", detail: "Too many answers from this address or to this survey. Try again in a minute.");
        }

        if (http.Request.ContentLength is > MaxSubmissionBytes)
        {
            return TypedResults.Problem(statusCode: 413, title: "Payload too large", detail: $"A submission may carry at most {MaxSubmissionBytes / 1024} KB.");
        }

        ResponseSubmission? body;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
            if (buffer.Length > MaxSubmissionBytes)
            {
                return TypedResults.Problem(statusCode: 413, title: "Payload too large", detail: $"A submission may carry at most {MaxSubmissionBytes / 1024} KB.");
            }

            body = JsonSerializer.Deserialize<ResponseSubmission>(buffer.ToArray(), SurveyDefinition.Json);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = ["This value has the wrong type or the JSON is malformed."] });
        }

        if (body is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] });
        }

        if (!string.IsNullOrEmpty(body.Website))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["website"] = ["Leave this field empty."] }, title: "Rejected as automated");
        }

        var survey = await responder.FindForAnswersAsync(token, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "No such survey", detail: "Check the survey link.");
        }

        var definition = survey.Definition;
        var errors = new Dictionary<string, string[]>();
        var answers = new Dictionary<string, SurveyAnswer?>(StringComparer.Ordinal);
        foreach (var (id, value) in body.Answers ?? [])
        {
            var question = definition.Question(id);
            if (question is null)
            {
                errors[$"answers.{SurveyResponder.Field(id)}"] = ["This survey has no question with this id."];
                continue;
            }

            var (answer, error) = SurveyFlow.Parse(question, value);
            if (error is not null)
            {
                errors[$"answers.{id}"] = [error];
            }
            else
            {
                answers[id] = answer;
            }
        }

        if (body.ResponseId is not null && string.IsNullOrEmpty(body.ResumeSecret))
        {
            errors["resumeSecret"] = ["Send the resume secret you got with the response id."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await responder.SubmitAsync(survey, new Submission
        {
            ResponseId = body.ResponseId,
            ResumeSecret = body.ResumeSecret,
            Link = string.IsNullOrEmpty(body.Link) ? null : body.Link,
            Language = body.Language,
            Answers = answers,
            Complete = body.Complete ?? false,
            Touchpoint = body.Touchpoint,
            Channel = body.Channel,
        }, ct).ConfigureAwait(false);

        return result.Outcome switch
        {
            // No Location: a response is not readable back through the public API.
            SubmitOutcome.Saved when result.ResumeSecret is not null => TypedResults.Created(
                (string?)null,
                new ResponseSaved(result.ResponseId!.Value, result.ResumeSecret, result.Status!, result.Path!, result.Missing!)),
            SubmitOutcome.Saved => TypedResults.Ok(new ResponseSaved(result.ResponseId!.Value, null, result.Status!, result.Path!, result.Missing!)),
            SubmitOutcome.Invalid => TypedResults.ValidationProblem(result.Errors!),
            SubmitOutcome.Gone => TypedResults.Problem(statusCode: 410, title: "Not taking answers", detail: result.Detail),
            SubmitOutcome.Conflict => TypedResults.Problem(statusCode: 409, title: "Already answered", detail: result.Detail),
            SubmitOutcome.Forbidden => TypedResults.Problem(statusCode: 403, title: "Not allowed", detail: result.Detail),
            _ => TypedResults.Problem(statusCode: 404, title: "No such survey", detail: "Check the survey link."),
        };
    }

    public static IServiceCollection AddSurveys(this IServiceCollection services)
    {
        services.AddScoped<SurveyService>();
        services.AddScoped<SurveyResponder>();
        // Configurable (Obsess:Surveys:PerAddressPerMinute, Obsess:Surveys:PerSurveyPerMinute) for big campaigns and for the
        // load benchmark, whose load generator sends from one address.
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<IConfiguration>();
            var defaults = new SurveyThrottleOptions();
            return new SurveyThrottleOptions
            {
                PerAddressPerMinute = config.GetValue("Obsess:Surveys:PerAddressPerMinute", defaults.PerAddressPerMinute),
                PerSurveyPerMinute = config.GetValue("Obsess:Surveys:PerSurveyPerMinute", defaults.PerSurveyPerMinute),
            };
        });
        services.AddSingleton<SurveyThrottle>();
        services.AddSingleton<SurveyCache>();
        services.AddSingleton<SurveyResponseWriter>();
        return services;
    }
}
