using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Feedback;
using Obsess.Features.Texts;

namespace Obsess.Features.Surveys;

/// <summary>What a respondent sends: already parsed against the survey's questions (see <see cref="SurveyFlow.Parse(SurveyQuestion, System.Text.Json.JsonElement)"/>).</summary>
public sealed record Submission
{
    /// <summary>Continue this response (with <see cref="ResumeSecret"/>); null starts a new one.</summary>
    public Guid? ResponseId { get; init; }

    public string? ResumeSecret { get; init; }

    /// <summary>A personal link's key (the <c>k</c> of its URL).</summary>
    public string? Link { get; init; }

    public string? Language { get; init; }

    /// <summary>Question id → answer; a null answer clears an earlier one.</summary>
    public Dictionary<string, SurveyAnswer?> Answers { get; init; } = [];

    /// <summary>True when the respondent is done: required questions on their path must then be answered.</summary>
    public bool Complete { get; init; }

    /// <summary>For anonymous answers only (a personal link fixes its own); defaults to the survey's.</summary>
    public string? Touchpoint { get; init; }

    public string? Channel { get; init; }
}

public enum SubmitOutcome
{
    Saved,
    Invalid,
    NotFound,
    Gone,
    Conflict,
    Forbidden,
}

public sealed record SubmitResult(
    SubmitOutcome Outcome,
    Guid? ResponseId = null,
    string? ResumeSecret = null,
    string? Status = null,
    IReadOnlyList<string>? Path = null,
    IReadOnlyList<string>? Missing = null,
    Dictionary<string, string[]>? Errors = null,
    string? Detail = null);

/// <summary>
/// Takes answers from the public page, the widget and the public API alike: creates or continues a response, keeps
/// one feedback row per answered question (idempotent per response and question, so re-sending changes nothing),
/// turns open text into a customer text for the text engine, and enforces the survey's rules (closed, quota, personal
/// link single-use and expiry, one answer per customer and touchpoint).
/// </summary>
public sealed class SurveyResponder(ObsessDb db, CurrentWorkspace workspace, TimeProvider clock, SurveyCache cache, SurveyResponseWriter writer)
{
    /// <summary>
    /// The survey behind a public token for answering it: a cached, untracked copy (see <see cref="SurveyCache"/>);
    /// null for unknown tokens and drafts. Pass it to <see cref="SubmitAsync(CachedSurvey, Submission, CancellationToken)"/>.
    /// </summary>
    public Task<CachedSurvey?> FindForAnswersAsync(string? token, CancellationToken ct = default) => cache.FindAsync(db, workspace, token, ct);

    /// <summary>The survey behind a public token, in its own workspace; null for unknown tokens and drafts.</summary>
    public async Task<Survey?> FindAsync(string? token, CancellationToken ct = default)
    {
        if (!SurveyTokens.TryReadWorkspace(token, out var ws))
        {
            return null;
        }

        workspace.Use(ws);
        var survey = await db.Set<Survey>().FirstOrDefaultAsync(s => s.Token == token, ct).ConfigureAwait(false);
        if (survey is null || survey.Status == SurveyStatuses.Draft)
        {
            return null;
        }

        await SurveyService.CloseIfDueAsync(db, survey, clock, ct).ConfigureAwait(false);
        return survey;
    }

    /// <summary>The language to show: the asked one if the survey has it (or its base language), else the survey's default.</summary>
    public static string LanguageFor(SurveyDefinition definition, params string?[] wanted)
    {
        foreach (var w in wanted)
        {
            if (string.IsNullOrWhiteSpace(w))
            {
                continue;
            }

            var exact = definition.Languages.FirstOrDefault(l => string.Equals(l, w, StringComparison.OrdinalIgnoreCase));
            if (exact is not null)
            {
                return exact;
            }

            var baseLanguage = w.Split('-')[0];
            var partial = definition.Languages.FirstOrDefault(l => string.Equals(l.Split('-')[0], baseLanguage, StringComparison.OrdinalIgnoreCase));
            if (partial is not null)
            {
                return partial;
            }
        }

        return definition.DefaultLanguage ?? definition.Languages.FirstOrDefault() ?? "en";
    }

    /// <summary>The languages an Accept-Language header asks for, most wanted first.</summary>
    public static string?[] AcceptedLanguages(string? header) =>
        [.. (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part =>
            {
                var pieces = part.Split(';', StringSplitOptions.TrimEntries);
                var q = 1.0;
                foreach (var p in pieces.Skip(1))
                {
                    if (p.StartsWith("q=", StringComparison.Ordinal)
                        && double.TryParse(p[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                    {
                        q = v;
                    }
                }

                return (Language: pieces[0], Q: q);
            })
            .Where(x => x.Q > 0 && x.Language != "*")
            .OrderByDescending(x => x.Q)
            .Select(x => (string?)x.Language)];

    /// <summary>Checks a personal link before showing the survey: null when it can be answered, else why not.</summary>
    public async Task<string?> LinkProblemAsync(Survey survey, string key, CancellationToken ct = default)
    {
        var link = await SurveyLinks.FindAsync(db, survey, key, ct).ConfigureAwait(false);
        return link is null ? "This personal link is not valid. Check that you copied the whole address."
            : link.ExpiresAt <= clock.GetUtcNow().UtcDateTime ? "This personal link has expired."
            : link.UsedAt is not null ? "This personal link has already been used to answer the survey. Thank you for your answers."
            : null;
    }

    /// <summary>Answers for a survey found by <see cref="FindForAnswersAsync"/>.</summary>
    public async Task<SubmitResult> SubmitAsync(CachedSurvey cached, Submission submission, CancellationToken ct = default)
    {
        if (IsNew(cached.Survey, submission))
        {
            return await SubmitNewAsync(cached.Survey, cached.Definition, submission).ConfigureAwait(false);
        }

        // The per-request path changes the survey (closing it when due) and links, so it works on tracked rows.
        var survey = await FindAsync(cached.Survey.Token, ct).ConfigureAwait(false);
        return survey is null
            ? new SubmitResult(SubmitOutcome.NotFound)
            : await SubmitAsync(survey, submission, ct).ConfigureAwait(false);
    }

    /// <summary>Answers for a survey found by <see cref="FindAsync"/> (tracked).</summary>
    public async Task<SubmitResult> SubmitAsync(Survey survey, Submission submission, CancellationToken ct = default)
    {
        if (IsNew(survey, submission))
        {
            return await SubmitNewAsync(survey, SurveyDefinition.FromJson(survey.Definition), submission).ConfigureAwait(false);
        }

        if (survey.Status == SurveyStatuses.Closed || await SurveyService.CloseIfDueAsync(db, survey, clock, ct).ConfigureAwait(false))
        {
            return new SubmitResult(SubmitOutcome.Gone, Detail: "This survey is closed and no longer takes answers.");
        }

        var definition = SurveyDefinition.FromJson(survey.Definition);
        var now = clock.GetUtcNow().UtcDateTime;
        SurveyResponse? response;
        string? resumeSecret = null;
        if (submission.ResponseId is { } responseId)
        {
            response = await db.Set<SurveyResponse>().FirstOrDefaultAsync(r => r.Id == responseId && r.SurveyId == survey.Id, ct).ConfigureAwait(false);
            if (response is null || !SurveyTokens.Verify(submission.ResumeSecret, response.ResumeHash))
            {
                return new SubmitResult(SubmitOutcome.Forbidden, Detail: "The response id or its resume secret is not right.");
            }

            if (response.Status == ResponseStatuses.Complete)
            {
                return new SubmitResult(SubmitOutcome.Conflict, Detail: "This response is already submitted; it cannot be changed.");
            }
        }
        else
        {
            var errors = new Dictionary<string, string[]>();
            SurveyLink? link = null;
            if (submission.Link is not null)
            {
                link = await SurveyLinks.FindAsync(db, survey, submission.Link, ct).ConfigureAwait(false);
                if (link is null)
                {
                    return new SubmitResult(SubmitOutcome.Forbidden, Detail: "This personal link is not valid.");
                }

                if (link.ExpiresAt <= now)
                {
                    return new SubmitResult(SubmitOutcome.Gone, Detail: "This personal link has expired.");
                }

                if (link.UsedAt is not null)
                {
                    return new SubmitResult(SubmitOutcome.Conflict, Detail: "This personal link has already been used to answer the survey.");
                }
            }

            var touchpoint = link?.Touchpoint ?? Tag(submission.Touchpoint, "touchpoint", SurveyValidation.MaxTouchpointLength, errors) ?? survey.DefaultTouchpoint;
            var channel = link?.Channel ?? Tag(submission.Channel, "channel", SurveyValidation.MaxChannelLength, errors) ?? survey.DefaultChannel ?? "web";
            if (errors.Count > 0)
            {
                return new SubmitResult(SubmitOutcome.Invalid, Errors: errors);
            }

            string? dedupeKey = null;
            if (link?.CustomerId is { } customerId && !survey.AllowMultiple)
            {
                dedupeKey = $"{customerId:N}|{touchpoint}";
                if (await db.Set<SurveyResponse>().AnyAsync(r => r.SurveyId == survey.Id && r.DedupeKey == dedupeKey, ct).ConfigureAwait(false))
                {
                    return new SubmitResult(SubmitOutcome.Conflict, Detail: "This customer has already answered this survey for this touchpoint.");
                }
            }

            resumeSecret = SurveyTokens.NewResumeSecret();
            response = new SurveyResponse
            {
                WorkspaceId = survey.WorkspaceId,
                Id = Guid.CreateVersion7(),
                SurveyId = survey.Id,
                CustomerId = link?.CustomerId,
                LinkId = link?.Id,
                Touchpoint = touchpoint,
                Channel = channel,
                Agent = link?.Agent,
                Product = link?.Product,
                Language = LanguageFor(definition, submission.Language),
                Status = ResponseStatuses.Partial,
                ResumeHash = SurveyTokens.HashOf(resumeSecret),
                DedupeKey = dedupeKey,
                Answers = "{}",
                StartedAt = now,
                UpdatedAt = now,
            };
            db.Add(response);
            if (link is not null)
            {
                link.UsedAt = now;
                link.ResponseId = response.Id;
            }
        }

        // Unknown question ids are refused; the parsed answers were checked against their questions already.
        var unknown = submission.Answers.Keys.Where(k => definition.Question(k) is null).ToList();
        if (unknown.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new SubmitResult(SubmitOutcome.Invalid, Errors: unknown.ToDictionary(k => $"answers.{Field(k)}", _ => new[] { "This survey has no question with this id." }));
        }

        var answers = SurveyService.ReadAnswers(response.Answers);
        foreach (var (id, answer) in submission.Answers)
        {
            if (answer is null)
            {
                answers.Remove(id);
            }
            else
            {
                answers[id] = answer;
            }
        }

        answers = SurveyFlow.OnPath(definition, answers);
        var path = SurveyFlow.Path(definition, answers).Select(q => q.Id!).ToList();
        var missing = SurveyFlow.MissingRequired(definition, answers).Select(q => q.Id!).ToList();
        if (submission.Complete)
        {
            if (missing.Count > 0)
            {
                db.ChangeTracker.Clear();
                return new SubmitResult(
                    SubmitOutcome.Invalid,
                    Errors: missing.ToDictionary(id => $"answers.{id}", _ => new[] { "This question needs an answer." }),
                    Path: path,
                    Missing: missing);
            }

            if (survey.ResponseQuota is { } quota
                && await db.Set<SurveyResponse>().CountAsync(r => r.SurveyId == survey.Id && r.Status == ResponseStatuses.Complete, ct).ConfigureAwait(false) >= quota)
            {
                db.ChangeTracker.Clear();
                return new SubmitResult(SubmitOutcome.Gone, Detail: "This survey has all the responses it needs and is closed.");
            }

            response.Status = ResponseStatuses.Complete;
            response.CompletedAt = now;
        }

        response.Answers = SurveyService.AnswersJson(answers);
        response.UpdatedAt = now;
        await WriteFeedbackAsync(survey, definition, response, answers, now, ct).ConfigureAwait(false);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException) when (response.DedupeKey is not null)
        {
            // Two first submissions for the same customer and touchpoint raced; the unique key let one through.
            db.ChangeTracker.Clear();
            return new SubmitResult(SubmitOutcome.Conflict, Detail: "This customer has already answered this survey for this touchpoint.");
        }

        if (response.Status == ResponseStatuses.Complete)
        {
            await SurveyService.CloseIfDueAsync(db, survey, clock, ct).ConfigureAwait(false);
        }

        return new SubmitResult(SubmitOutcome.Saved, response.Id, resumeSecret, response.Status, path, missing);
    }

    /// <summary>
    /// A new anonymous response (no response to continue, no personal link) to a survey that takes answers: it needs
    /// nothing from the database before it is stored, so it goes to the <see cref="SurveyResponseWriter"/>, which
    /// stores it with others in one transaction and checks the survey's state and quota there.
    /// </summary>
    private bool IsNew(Survey survey, Submission submission) =>
        submission.ResponseId is null && submission.Link is null && survey.TakesAnswersAt(clock.GetUtcNow().UtcDateTime);

    private async Task<SubmitResult> SubmitNewAsync(Survey survey, SurveyDefinition definition, Submission submission)
    {
        var errors = new Dictionary<string, string[]>();
        var touchpoint = Tag(submission.Touchpoint, "touchpoint", SurveyValidation.MaxTouchpointLength, errors) ?? survey.DefaultTouchpoint;
        var channel = Tag(submission.Channel, "channel", SurveyValidation.MaxChannelLength, errors) ?? survey.DefaultChannel ?? "web";
        foreach (var id in submission.Answers.Keys.Where(k => definition.Question(k) is null))
        {
            errors[$"answers.{Field(id)}"] = ["This survey has no question with this id."];
        }

        if (errors.Count > 0)
        {
            return new SubmitResult(SubmitOutcome.Invalid, Errors: errors);
        }

        var answers = SurveyFlow.OnPath(definition, submission.Answers.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value!));
        var path = SurveyFlow.Path(definition, answers).Select(q => q.Id!).ToList();
        var missing = SurveyFlow.MissingRequired(definition, answers).Select(q => q.Id!).ToList();
        if (submission.Complete && missing.Count > 0)
        {
            return new SubmitResult(
                SubmitOutcome.Invalid,
                Errors: missing.ToDictionary(id => $"answers.{id}", _ => new[] { "This question needs an answer." }),
                Path: path,
                Missing: missing);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var resumeSecret = SurveyTokens.NewResumeSecret();
        var response = new SurveyResponse
        {
            WorkspaceId = survey.WorkspaceId,
            Id = Guid.CreateVersion7(),
            SurveyId = survey.Id,
            Touchpoint = touchpoint,
            Channel = channel,
            Language = LanguageFor(definition, submission.Language),
            Status = submission.Complete ? ResponseStatuses.Complete : ResponseStatuses.Partial,
            ResumeHash = SurveyTokens.HashOf(resumeSecret),
            Answers = SurveyService.AnswersJson(answers),
            StartedAt = now,
            UpdatedAt = now,
            CompletedAt = submission.Complete ? now : null,
        };

        var feedback = new List<FeedbackRecord>();
        var texts = new List<CustomerText>();
        foreach (var q in definition.Questions)
        {
            if (!answers.TryGetValue(q.Id!, out var answer))
            {
                continue;
            }

            var text = q.Type == QuestionTypes.Text ? NewText(survey, response, q, answer.Text!, now) : null;
            if (text is not null)
            {
                texts.Add(text);
            }

            var row = NewFeedback(survey, response, q, now);
            SetAnswer(row, answer, text);
            feedback.Add(row);
        }

        var written = await writer.WriteAsync(new NewResponse(response, feedback, texts), quota: survey.ResponseQuota is not null).ConfigureAwait(false);
        return written == ResponseWrite.Stored
            ? new SubmitResult(SubmitOutcome.Saved, response.Id, resumeSecret, response.Status, path, missing)
            : new SubmitResult(SubmitOutcome.Gone, Detail: "This survey is closed and no longer takes answers.");
    }

    /// <summary>One feedback row per answered question: created, updated in place, or removed when the answer went away.</summary>
    private async Task WriteFeedbackAsync(Survey survey, SurveyDefinition definition, SurveyResponse response, Dictionary<string, SurveyAnswer> answers, DateTime now, CancellationToken ct)
    {
        var existing = await db.Feedback.Where(f => f.ResponseId == response.Id).ToListAsync(ct).ConfigureAwait(false);
        var textIds = existing.Where(f => f.TextId != null).Select(f => f.TextId!.Value).ToList();
        var texts = textIds.Count == 0 ? [] : await db.Texts.Where(t => textIds.Contains(t.Id)).ToListAsync(ct).ConfigureAwait(false);
        foreach (var q in definition.Questions)
        {
            answers.TryGetValue(q.Id!, out var answer);
            var row = existing.FirstOrDefault(f => f.QuestionId == q.Id);
            var text = row?.TextId is { } tid ? texts.FirstOrDefault(t => t.Id == tid) : null;
            if (answer is null)
            {
                if (row is not null)
                {
                    db.Feedback.Remove(row);
                }

                if (text is not null)
                {
                    db.Texts.Remove(text);
                }

                continue;
            }

            if (q.Type == QuestionTypes.Text)
            {
                if (text is null)
                {
                    text = NewText(survey, response, q, answer.Text!, now);
                    db.Texts.Add(text);
                }
                else if (text.Body != answer.Text)
                {
                    // The body is fixed once written; an edited answer replaces it and queues the text for analysis again.
                    db.Entry(text).Property(t => t.Body).CurrentValue = answer.Text!;
                    text.AnalysisVersion = null;
                    text.AnalyzedAt = null;
                }
            }

            if (row is null)
            {
                row = NewFeedback(survey, response, q, now);
                db.Feedback.Add(row);
            }

            SetAnswer(row, answer, text);
        }
    }

    /// <summary>The feedback row of one question of a response; its external id (response:question) keeps it unique.</summary>
    private static FeedbackRecord NewFeedback(Survey survey, SurveyResponse response, SurveyQuestion q, DateTime now) => new()
    {
        WorkspaceId = survey.WorkspaceId,
        Id = Guid.CreateVersion7(),
        CustomerId = response.CustomerId,
        Kind = FeedbackKinds.Survey,
        Source = SourceOf(survey),
        ExternalId = $"{response.Id:N}:{q.Id}",
        SurveyId = survey.Id,
        ResponseId = response.Id,
        QuestionId = q.Id,
        Metric = MetricOf(q.Type!),
        ScaleMax = QuestionTypes.IsScale(q.Type!) ? QuestionTypes.Range(q).Max : null,
        Touchpoint = response.Touchpoint,
        Channel = response.Channel,
        Agent = response.Agent,
        Product = response.Product,
        Language = response.Language,
        OccurredAt = now,
        CreatedAt = now,
    };

    /// <summary>An open-text answer as a customer text, queued for the text engine (no analysis version yet).</summary>
    private static CustomerText NewText(Survey survey, SurveyResponse response, SurveyQuestion q, string body, DateTime now) => new()
    {
        WorkspaceId = survey.WorkspaceId,
        Id = Guid.CreateVersion7(),
        CustomerId = response.CustomerId,
        Kind = TextKinds.SurveyComment,
        Channel = response.Channel,
        Source = SourceOf(survey),
        ExternalId = $"{response.Id:N}:{q.Id}",
        Body = body,
        OccurredAt = now,
        CreatedAt = now,
    };

    private static void SetAnswer(FeedbackRecord row, SurveyAnswer answer, CustomerText? text)
    {
        row.Score = answer.Score;
        row.Choices = answer.Choices is null ? null : System.Text.Json.JsonSerializer.Serialize(answer.Choices);
        row.TextId = text?.Id;
    }

    /// <summary>
    /// The feedback and text source of a survey's answers: the survey's name (as the feedback record's contract says),
    /// cut to the column's 64 characters. Only drafts can be renamed and drafts take no answers, so it stays stable;
    /// <see cref="FeedbackRecord.SurveyId"/> is the exact link, and the external id (response:question) keeps rows unique.
    /// </summary>
    public static string SourceOf(Survey survey) => survey.Name.Length > 64 ? survey.Name[..64] : survey.Name;

    public static string MetricOf(string questionType) => questionType switch
    {
        QuestionTypes.Nps => FeedbackMetrics.Nps,
        QuestionTypes.Csat => FeedbackMetrics.Csat,
        QuestionTypes.Ces => FeedbackMetrics.Ces,
        QuestionTypes.Rating => FeedbackMetrics.Rating,
        QuestionTypes.SingleChoice or QuestionTypes.MultipleChoice => FeedbackMetrics.Choice,
        _ => FeedbackMetrics.Text,
    };

    private static string? Tag(string? value, string field, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!SurveyValidation.IsTag(value.Trim(), max))
        {
            errors[field] = [$"A {field} is 1 to {max} lower-case letters, digits, '_' or '-'."];
            return null;
        }

        return value.Trim();
    }

    /// <summary>A question id as it may appear in an error's field name (an attacker's id is cut short).</summary>
    internal static string Field(string id) => id.Length > 40 ? id[..40] : id;
}
