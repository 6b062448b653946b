using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Import;

namespace Obsess.Features.Feedback;

/// <summary>The filters every feedback endpoint accepts, as the query string gives them (validated by <see cref="FeedbackApi.Parse"/>).</summary>
public sealed record FeedbackFilterParameters(
    string? Survey = null,
    string? From = null,
    string? To = null,
    string? Channel = null,
    string? Touchpoint = null,
    string? Segment = null,
    string? Agent = null,
    string? Product = null,
    string? Kind = null);

/// <summary>One review for <c>POST /api/reviews</c>; the importer reads the same fields from CSV and JSON Lines (in snake_case).</summary>
public sealed record ReviewInput(
    string? Source,
    string? ExternalId,
    double? Rating,
    double? ScaleMax,
    string? Text,
    DateTimeOffset? Date,
    string? Email,
    string? Phone,
    string? CustomerId,
    string? CustomerSource,
    string? Product,
    string? Channel,
    string? Language);

public sealed record ReviewsImported(int Received, int Imported, int Skipped, int Matched);

/// <summary>Survey results, feedback metrics with breakdowns and trends, comparisons, the CSV export, and review import.</summary>
internal static class FeedbackApi
{
    public const int MaxReviewsPerCall = 5000;
    public const int MaxReviewBytes = 10 * 1024 * 1024;

    public static void MapFeedbackApi(this RouteGroupBuilder api)
    {
        api.MapGet("/surveys/{id:guid}/results", SurveyResultsAsync).WithName("GetSurveyResults").WithTags("Feedback")
            .WithSummary("A survey's results: responses, NPS/CSAT/CES with 95% intervals, the response rate over its personal links (responseRate: score, ci95, responses, invited, started, anonymous), each question's score distribution and choice counts, and the latest comments.");

        var feedback = api.MapGroup("/feedback").WithTags("Feedback");
        feedback.MapGet("/metrics", MetricsAsync).WithName("GetFeedbackMetrics")
            .WithSummary("NPS, CSAT, CES and star ratings with 95% intervals over the filtered feedback, their trend by ISO week and by month, a breakdown by=channel|touchpoint|segment|agent|product, and response rates over personal links (responseRates: overall, per survey, by week and month of invitation).");
        feedback.MapGet("/compare", CompareAsync).WithName("CompareFeedback")
            .WithSummary("Compares two periods (firstFrom/firstTo vs secondFrom/secondTo) or two segments (firstSegment vs secondSegment): the difference, its 95% interval, the p-value and a plain sentence for NPS, CSAT and CES.");
        feedback.MapGet("/comments", CommentsAsync).WithName("GetFeedbackComments")
            .WithSummary("What the comments say: sentiment, top emotions and themes of the filtered feedback's comments, and the latest verbatims.");
        feedback.MapGet("/export.csv", Export).WithName("ExportFeedback")
            .WithSummary("Every filtered feedback record as CSV, with its comment, customer id and e-mail, survey, question, score and sentiment.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
    }

    /// <summary>Managers and admins, and API keys with the ingest role, may send reviews.</summary>
    public static void MapReviewsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/reviews", ImportReviewsAsync).WithName("ImportReviews").WithTags("Feedback")
            .WithSummary("Imports reviews (a JSON array), all or nothing: any invalid item rejects the call, with each problem named as [i].field. Re-sending the same reviews changes nothing.")
            .Accepts<List<ReviewInput>>("application/json")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Manager, Roles.Ingest))
            .RequireRateLimiting("ingest");

    /// <summary>Validates the query-string filters, naming each bad field.</summary>
    internal static (FeedbackFilter Filter, Dictionary<string, string[]> Errors) Parse(FeedbackFilterParameters p)
    {
        var errors = new Dictionary<string, string[]>();
        Guid? survey = null;
        if (p.Survey is { Length: > 0 } s)
        {
            if (Guid.TryParse(s, out var id))
            {
                survey = id;
            }
            else
            {
                errors["survey"] = ["Survey must be a survey id (a GUID)."];
            }
        }

        var from = Date(p.From, "from", errors);
        var to = Date(p.To, "to", errors);
        if (from is not null && to is not null && from > to)
        {
            errors["to"] = ["To must be on or after from."];
        }

        if (p.Segment is { Length: > 0 } segment && !Customers.CustomersApi.SegmentNames.Contains(segment))
        {
            errors["segment"] = [$"Segment must be one of: {string.Join(", ", Customers.CustomersApi.SegmentNames)}."];
        }

        if (p.Kind is { Length: > 0 } and not FeedbackKinds.Survey and not FeedbackKinds.Review)
        {
            errors["kind"] = ["Kind must be survey or review."];
        }

        foreach (var (name, value) in new[] { ("channel", p.Channel), ("touchpoint", p.Touchpoint), ("agent", p.Agent), ("product", p.Product) })
        {
            if (value is { Length: > 200 })
            {
                errors[name] = [$"{char.ToUpperInvariant(name[0])}{name[1..]} must be at most 200 characters."];
            }
        }

        static string? Blank(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        return (new FeedbackFilter
        {
            SurveyId = survey,
            From = from,
            To = to,
            Channel = Blank(p.Channel),
            Touchpoint = Blank(p.Touchpoint),
            Segment = Blank(p.Segment),
            Agent = Blank(p.Agent),
            Product = Blank(p.Product),
            Kind = Blank(p.Kind),
        }, errors);
    }

    internal static DateOnly? Date(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d;
        }

        errors[field] = [$"{char.ToUpperInvariant(field[0])}{field[1..]} must be a date written yyyy-MM-dd."];
        return null;
    }

    private static async Task<Results<Ok<SurveyResults>, ProblemHttpResult, ValidationProblem>> SurveyResultsAsync(
        Guid id, FeedbackQueries queries, int? verbatims, CancellationToken ct)
    {
        if (verbatims is < 0 or > FeedbackQueries.MaxVerbatims)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["verbatims"] = [$"Verbatims must be between 0 and {FeedbackQueries.MaxVerbatims}."] });
        }

        var results = await queries.SurveyResultsAsync(id, verbatims ?? 20, ct).ConfigureAwait(false);
        return results is null
            ? TypedResults.Problem(statusCode: 404, title: "No results", detail: "There is no such survey in this workspace, and no feedback names it.")
            : TypedResults.Ok(results);
    }

    private static async Task<Results<Ok<FeedbackMetricsResult>, ValidationProblem>> MetricsAsync(
        [AsParameters] FeedbackFilterParameters parameters, string? by, FeedbackQueries queries, CancellationToken ct)
    {
        var (filter, errors) = Parse(parameters);
        if (by is { Length: > 0 } && !FeedbackDimensions.All.Contains(by))
        {
            errors["by"] = [$"By must be one of: {string.Join(", ", FeedbackDimensions.All)}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.MetricsAsync(filter, string.IsNullOrEmpty(by) ? null : by, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<FeedbackComparisonResult>, ValidationProblem>> CompareAsync(
        [AsParameters] FeedbackFilterParameters parameters, string? firstFrom, string? firstTo, string? secondFrom, string? secondTo,
        string? firstSegment, string? secondSegment, FeedbackQueries queries, CancellationToken ct)
    {
        var (filter, errors) = Parse(parameters);
        var periods = new[] { firstFrom, firstTo, secondFrom, secondTo }.Any(v => !string.IsNullOrWhiteSpace(v));
        var segments = !string.IsNullOrWhiteSpace(firstSegment) || !string.IsNullOrWhiteSpace(secondSegment);
        if (periods == segments)
        {
            errors["firstFrom"] = ["Compare either two periods (firstFrom, firstTo, secondFrom, secondTo) or two segments (firstSegment, secondSegment)."];
            return TypedResults.ValidationProblem(errors);
        }

        if (periods)
        {
            var a1 = Required(firstFrom, "firstFrom", errors);
            var a2 = Required(firstTo, "firstTo", errors);
            var b1 = Required(secondFrom, "secondFrom", errors);
            var b2 = Required(secondTo, "secondTo", errors);
            if (a1 > a2)
            {
                errors["firstTo"] = ["FirstTo must be on or after firstFrom."];
            }

            if (b1 > b2)
            {
                errors["secondTo"] = ["SecondTo must be on or after secondFrom."];
            }

            if (filter.From is not null || filter.To is not null)
            {
                errors[filter.From is not null ? "from" : "to"] = ["When comparing periods, give the dates as firstFrom/firstTo and secondFrom/secondTo."];
            }

            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }

            var result = await queries.CompareAsync(
                filter with { From = a1, To = a2 }, $"{a1:yyyy-MM-dd} to {a2:yyyy-MM-dd}",
                filter with { From = b1, To = b2 }, $"{b1:yyyy-MM-dd} to {b2:yyyy-MM-dd}", overTime: true, ct).ConfigureAwait(false);
            return TypedResults.Ok(result);
        }

        foreach (var (name, value) in new[] { ("firstSegment", firstSegment), ("secondSegment", secondSegment) })
        {
            if (string.IsNullOrWhiteSpace(value) || !Customers.CustomersApi.SegmentNames.Contains(value))
            {
                errors[name] = [$"{char.ToUpperInvariant(name[0])}{name[1..]} must be one of: {string.Join(", ", Customers.CustomersApi.SegmentNames)}."];
            }
        }

        if (filter.Segment is not null)
        {
            errors["segment"] = ["When comparing segments, give them as firstSegment and secondSegment."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await queries.CompareAsync(
            filter with { Segment = firstSegment }, firstSegment!, filter with { Segment = secondSegment }, secondSegment!, overTime: false, ct).ConfigureAwait(false));
    }

    private static DateOnly? Required(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{char.ToUpperInvariant(field[0])}{field[1..]} is required (yyyy-MM-dd)."];
            return null;
        }

        return Date(value, field, errors);
    }

    public sealed record CommentsView(CommentInsights Insights, IReadOnlyList<Verbatim> Verbatims);

    private static async Task<Results<Ok<CommentsView>, ValidationProblem>> CommentsAsync(
        [AsParameters] FeedbackFilterParameters parameters, int? take, FeedbackQueries queries, CancellationToken ct)
    {
        var (filter, errors) = Parse(parameters);
        if (take is < 1 or > FeedbackQueries.MaxVerbatims)
        {
            errors["take"] = [$"Take must be between 1 and {FeedbackQueries.MaxVerbatims}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(new CommentsView(
            await queries.CommentInsightsAsync(filter, ct).ConfigureAwait(false),
            await queries.VerbatimsAsync(filter, take ?? 20, ct).ConfigureAwait(false)));
    }

    private static Results<PushStreamHttpResult, ValidationProblem> Export(
        [AsParameters] FeedbackFilterParameters parameters, FeedbackQueries queries, ObsessDb db, TimeProvider clock, HttpContext http)
    {
        var (filter, errors) = Parse(parameters);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var name = $"feedback-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv";
        return TypedResults.Stream(
            stream => FeedbackCsv.WriteAsync(db, queries.Select(filter), stream, http.RequestAborted),
            "text/csv; charset=utf-8",
            name);
    }

    private static async Task<Results<Ok<ReviewsImported>, ValidationProblem, ProblemHttpResult>> ImportReviewsAsync(
        HttpContext http, ReviewImportService service, ObsessDb db, TimeProvider clock, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (http.Request.ContentLength is > MaxReviewBytes)
        {
            return TypedResults.Problem(statusCode: 413, title: "Payload too large", detail: $"Send at most {MaxReviewBytes / 1024 / 1024} MB per call.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "Malformed JSON", detail: $"The body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body must be a JSON array of reviews."] });
            }

            var count = document.RootElement.GetArrayLength();
            if (count == 0 || count > MaxReviewsPerCall)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Send between 1 and {MaxReviewsPerCall:N0} reviews per call."] });
            }

            var errors = new Dictionary<string, List<string>>();
            void Add(string key, string message)
            {
                if (!errors.TryGetValue(key, out var list))
                {
                    errors[key] = list = [];
                }

                list.Add(message);
            }

            var rows = new List<RawRow>(count);
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Add($"[{index}]", "Each review must be a JSON object.");
                }
                else
                {
                    var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
                    foreach (var p in item.EnumerateObject())
                    {
                        var field = ObsessDb.ToSnakeCase(p.Name);
                        switch (p.Value.ValueKind)
                        {
                            case JsonValueKind.String:
                                fields[field] = p.Value.GetString();
                                break;
                            case JsonValueKind.Number:
                                fields[field] = p.Value.GetRawText();
                                break;
                            case JsonValueKind.Null:
                                fields[field] = null;
                                break;
                            default:
                                Add($"[{index}].{p.Name}", "Must be a string or a number.");
                                break;
                        }
                    }

                    rows.Add(new RawRow(index, fields));
                }

                index++;
            }

            var source = Ingestion.IngestionApi.SourceOf(caller);
            if (errors.Count > 0)
            {
                // Some items are not even shaped right: report every item's problems, write nothing.
                var region = db.Workspaces.Where(w => w.Id == db.CurrentWorkspaceId).Select(w => w.DefaultRegion).FirstOrDefault() ?? "US";
                foreach (var e in rows.SelectMany(r => ReviewRows.Validate(r, source, region).Errors))
                {
                    Add($"[{e.Line}].{Camel(e.Field)}", e.Message);
                }

                return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "No review was imported");
            }

            var result = await service.ImportAsync(rows, source, null, ct).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                foreach (var e in result.Errors)
                {
                    Add($"[{e.Line}].{Camel(e.Field)}", e.Message);
                }

                return TypedResults.ValidationProblem(
                    errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
                    title: "No review was imported",
                    detail: result.ErrorCount > result.Errors.Count ? $"{result.ErrorCount:N0} problems; the first {result.Errors.Count} are listed." : null);
            }

            Audit.Audit.Record(db, db.CurrentWorkspaceId, Audit.Audit.ActorOf(caller), "reviews.import", $"source:{source}",
                $"{result.Imported} imported, {result.Skipped} already there, {result.Matched} matched to customers", clock);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            return TypedResults.Ok(new ReviewsImported(result.Rows, result.Imported, result.Skipped, result.Matched));
        }
    }

    /// <summary>scale_max → scaleMax: the API's names for the importer's fields.</summary>
    internal static string Camel(string snake)
    {
        var parts = snake.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? snake : parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
