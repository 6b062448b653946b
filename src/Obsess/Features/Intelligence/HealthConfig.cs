using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Obsess.Analytics.Segments;
using Obsess.Data;
using Obsess.Features.Accounts;

namespace Obsess.Features.Intelligence;

/// <summary>A workspace's health scorecard: a weight per measure (normalised to 100 when scored) and the band thresholds.</summary>
public sealed record HealthConfig(IReadOnlyDictionary<string, double> Weights, double GoodAtLeast, double AverageAtLeast)
{
    /// <summary>What each measure means, in the words the settings page shows.</summary>
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [HealthScore.ProbabilityAlive] = "Probability the customer is still active (lifetime-value model)",
        [HealthScore.DaysSinceLastActivity] = "Days since the customer was last seen (fewer is better; 120+ scores 0)",
        [HealthScore.PurchaseFrequencyTrend] = "Orders in the last 90 days against the 90 days before",
        [HealthScore.SupportTickets90Days] = "Support tickets opened in the last 90 days (fewer is better)",
        [HealthScore.Sentiment] = "Sentiment of the customer's recent texts (when text analytics has run)",
    };

    public static HealthConfig Default { get; } = From(HealthScore.Default);

    public static HealthConfig From(HealthScore score) =>
        new(score.Measures.ToDictionary(m => m.Name, m => m.Weight), score.GoodAtLeast, score.AverageAtLeast);

    public static HealthConfig Read(string? json) =>
        json is null ? Default : JsonSerializer.Deserialize<HealthConfig>(json, Json) ?? Default;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The scorecard: the default measures and mappings with this workspace's weights and thresholds.</summary>
    public HealthScore ToScore() => new(
        HealthScore.Default.Measures.Select(m => m with { Weight = Weights.TryGetValue(m.Name, out var w) ? w : m.Weight }),
        GoodAtLeast,
        AverageAtLeast);

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, weight) in Weights)
        {
            if (!Descriptions.ContainsKey(name))
            {
                errors[$"weights.{name}"] = [$"Unknown measure; the measures are {string.Join(", ", Descriptions.Keys)}."];
            }
            else if (!double.IsFinite(weight) || weight < 0 || weight > 1000)
            {
                errors[$"weights.{name}"] = ["A weight is a number from 0 to 1000."];
            }
        }

        if (errors.Count == 0 && Weights.Count > 0 && HealthScore.Default.Measures.Sum(m => Weights.TryGetValue(m.Name, out var w) ? w : m.Weight) <= 0)
        {
            errors["weights"] = ["At least one weight must be above 0."];
        }

        if (!(AverageAtLeast >= 0 && AverageAtLeast <= GoodAtLeast && GoodAtLeast <= 100))
        {
            errors["goodAtLeast"] = ["The thresholds must satisfy 0 ≤ averageAtLeast ≤ goodAtLeast ≤ 100."];
        }

        return errors;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public sealed record HealthMeasureView(string Name, string Description, double Weight, double NormalisedWeight);

public sealed record HealthConfigView(IReadOnlyList<HealthMeasureView> Measures, double GoodAtLeast, double AverageAtLeast, bool IsDefault);

public sealed record UpdateHealthRequest(Dictionary<string, double>? Weights, double? GoodAtLeast, double? AverageAtLeast);

internal static class HealthConfigApi
{
    public static HealthConfigView View(string? json)
    {
        var config = HealthConfig.Read(json);
        var score = config.ToScore();
        var total = score.Measures.Sum(m => m.Weight);
        return new HealthConfigView(
            score.Measures.Select(m => new HealthMeasureView(m.Name, HealthConfig.Descriptions[m.Name], m.Weight, Math.Round(100 * m.Weight / total, 1))).ToList(),
            config.GoodAtLeast, config.AverageAtLeast, json is null);
    }

    public static void MapHealthConfigApi(this RouteGroupBuilder api)
    {
        var health = api.MapGroup("/workspace/health").WithTags("Customer intelligence");
        health.MapGet("/", async (ObsessDb db, CancellationToken ct) =>
                TypedResults.Ok(View(await db.Workspaces.Where(w => w.Id == db.CurrentWorkspaceId).Select(w => w.HealthConfig).FirstAsync(ct).ConfigureAwait(false))))
            .WithName("GetHealthScorecard").WithSummary("The workspace's health scorecard: measures, weights (and their share of 100) and band thresholds.");
        health.MapPut("/", async Task<Results<Ok<HealthConfigView>, ValidationProblem>> (UpdateHealthRequest request, ObsessDb db, ClaimsPrincipal caller, TimeProvider clock, CancellationToken ct) =>
            {
                var (config, errors) = await UpdateAsync(db, request, Audit.Audit.ActorOf(caller), clock, ct).ConfigureAwait(false);
                return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : TypedResults.Ok(View(config));
            })
            .RequireAuthorization(Policies.Admin)
            .WithName("UpdateHealthScorecard").WithSummary("Sets measure weights (normalised to 100 when scoring) and the good/average thresholds (admin). Scores follow at the next run.");
    }

    /// <summary>Validates and stores a change; returns the stored JSON or the errors by field.</summary>
    public static async Task<(string? Json, Dictionary<string, string[]> Errors)> UpdateAsync(ObsessDb db, UpdateHealthRequest request, string actor, TimeProvider clock, CancellationToken ct)
    {
        var workspace = await db.Workspaces.FirstAsync(w => w.Id == db.CurrentWorkspaceId, ct).ConfigureAwait(false);
        var current = HealthConfig.Read(workspace.HealthConfig);
        var weights = new Dictionary<string, double>(current.Weights);
        foreach (var (name, weight) in request.Weights ?? [])
        {
            weights[name] = weight;
        }

        var next = new HealthConfig(weights, request.GoodAtLeast ?? current.GoodAtLeast, request.AverageAtLeast ?? current.AverageAtLeast);
        var errors = next.Validate();
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        workspace.HealthConfig = next.ToJson();
        Audit.Audit.Record(db, workspace.Id, actor, "workspace.health_scorecard", $"workspace:{workspace.Id}", workspace.HealthConfig, clock);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return (workspace.HealthConfig, errors);
    }
}
