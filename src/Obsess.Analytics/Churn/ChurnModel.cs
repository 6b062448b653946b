using System.Text.Json;
using System.Text.Json.Serialization;

namespace Obsess.Analytics.Churn;

/// <summary>One reason a customer's risk is raised: a source column, its value in words, and its log-odds share.</summary>
public sealed record ChurnReason
{
    public required string Column { get; init; }

    /// <summary>For example "Contract = Month-to-month" or "tenure = 2 (low)".</summary>
    public required string Description { get; init; }

    /// <summary>How much this column raises the calibrated log-odds of churn for this customer.</summary>
    public required double Contribution { get; init; }
}

public sealed record ChurnScore
{
    /// <summary>0-based data row in the scored table.</summary>
    public required int Row { get; init; }

    /// <summary>The id column's value, when the model knows one and the table has it.</summary>
    public string? Id { get; init; }

    public required double Probability { get; init; }

    public required IReadOnlyList<ChurnReason> Reasons { get; init; }
}

/// <summary>
/// A trained churn model: the feature encoder, logistic regression, boosted trees and their Platt calibrators. Scores
/// any table holding the used columns (the label may be absent) and round-trips through JSON.
/// </summary>
public sealed record ChurnModel
{
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string LabelColumn { get; init; }

    public required string PositiveLabel { get; init; }

    public string? IdColumn { get; init; }

    public required ChurnModelKind ScoringModel { get; init; }

    public required int TopReasons { get; init; }

    public required FeatureEncoder Encoder { get; init; }

    public required LogisticModel Logistic { get; init; }

    public required BoostedTrees Boosting { get; init; }

    public required PlattCalibrator LogisticCalibration { get; init; }

    public required PlattCalibrator BoostingCalibration { get; init; }

    [JsonIgnore]
    public IReadOnlyList<ColumnReport> Columns => Encoder.Columns;

    public IReadOnlyList<ChurnScore> Score(ChurnTable table) => Score(table, ScoringModel, TopReasons);

    public IReadOnlyList<ChurnScore> Score(ChurnTable table, ChurnModelKind model, int topReasons)
    {
        ArgumentNullException.ThrowIfNull(table);
        var x = Encoder.Encode(table);
        var used = Encoder.ColumnIndices(table);
        var idIndex = IdColumn is null ? -1 : table.IndexOf(IdColumn);
        var scores = new ChurnScore[x.Length];
        var perFeature = new double[Encoder.Features.Count];
        var perColumn = new double[Encoder.Encodings.Count];
        for (var r = 0; r < x.Length; r++)
        {
            Array.Clear(perFeature);
            Array.Clear(perColumn);
            var probability = Probability(x[r], model, perFeature);
            for (var f = 0; f < perFeature.Length; f++)
            {
                perColumn[Encoder.Features[f].Source] += perFeature[f];
            }

            var reasons = Enumerable.Range(0, perColumn.Length)
                .Where(c => perColumn[c] > 0)
                .OrderByDescending(c => perColumn[c])
                .ThenBy(c => c)
                .Take(Math.Max(0, topReasons))
                .Select(c => new ChurnReason
                {
                    Column = Encoder.Encodings[c].Column,
                    Description = Encoder.Describe(c, table[r, used[c]]),
                    Contribution = perColumn[c],
                })
                .ToArray();
            scores[r] = new ChurnScore
            {
                Row = r,
                Id = idIndex >= 0 ? table[r, idIndex] : null,
                Probability = probability,
                Reasons = reasons,
            };
        }

        return scores;
    }

    /// <summary>Calibrated probability of one encoded row; contributions (calibrated log-odds) are added when asked.</summary>
    internal double Probability(double[] x, ChurnModelKind model, double[]? contributions = null)
    {
        var lr = model is ChurnModelKind.LogisticRegression or ChurnModelKind.Ensemble;
        var gb = model is ChurnModelKind.GradientBoosting or ChurnModelKind.Ensemble;
        var weight = lr && gb ? 0.5 : 1.0;
        double probability = 0;
        if (lr)
        {
            probability += weight * LogisticCalibration.Probability(Logistic.Logit(x));
            if (contributions is not null)
            {
                Logistic.AddContributions(x, contributions, weight * LogisticCalibration.Slope);
            }
        }

        if (gb)
        {
            var logit = contributions is null
                ? Boosting.Logit(x)
                : Boosting.AddContributions(x, contributions, weight * BoostingCalibration.Slope);
            probability += weight * BoostingCalibration.Probability(logit);
        }

        return probability;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ChurnModel FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        ChurnModel? model;
        try
        {
            model = JsonSerializer.Deserialize<ChurnModel>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not a valid churn model JSON: {ex.Message}", ex);
        }

        if (model is null)
        {
            throw new FormatException("Not a valid churn model JSON: the document is null.");
        }

        if (model.FormatVersion != CurrentFormatVersion)
        {
            throw new FormatException($"Churn model format version {model.FormatVersion} is not supported (expected {CurrentFormatVersion}).");
        }

        return model;
    }
}
