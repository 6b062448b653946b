namespace Obsess.Analytics.Churn;

/// <summary>Which fitted model produces a probability.</summary>
public enum ChurnModelKind
{
    LogisticRegression,
    GradientBoosting,
    Ensemble,
}

/// <summary>How a table is turned into a churn model. Defaults are general, not tuned to any one data set.</summary>
public sealed record ChurnOptions
{
    /// <summary>The column holding the two-valued churn label.</summary>
    public required string LabelColumn { get; init; }

    /// <summary>The label value meaning "churned"; null detects Yes/1/true/churned/… (falls back to the minority class).</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>A customer id column, left out of the features and echoed in scores; null detects one by name/uniqueness.</summary>
    public string? IdColumn { get; init; }

    /// <summary>Outer stratified folds for <see cref="ChurnTrainer.Evaluate"/>.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Inner folds giving out-of-fold predictions for the L2 penalty choice and for calibration.</summary>
    public int InnerFolds { get; init; } = 3;

    public int Seed { get; init; } = 1;

    /// <summary>Categorical levels seen in fewer than this share of training rows are pooled into "other".</summary>
    public double RareLevelFraction { get; init; } = 0.01;

    /// <summary>The model used by <see cref="ChurnModel.Score"/>.</summary>
    public ChurnModelKind ScoringModel { get; init; } = ChurnModelKind.Ensemble;

    /// <summary>Reasons reported per scored row.</summary>
    public int TopReasons { get; init; } = 3;

    /// <summary>Outer folds (Evaluate) or boosting fits (Train) run at once; results do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    public LogisticOptions Logistic { get; init; } = new();

    public BoostingOptions Boosting { get; init; } = new();
}

/// <summary>L2-penalised logistic regression on standardised features.</summary>
public sealed record LogisticOptions
{
    /// <summary>Candidate penalties λ (on the summed log-likelihood); the one with the best inner-CV log loss is used.</summary>
    public IReadOnlyList<double> Penalties { get; init; } = [0.01, 0.1, 1, 10, 100, 1000];

    /// <summary>Expand numeric columns with a restricted cubic spline (4 knots, Harrell 2015 §2.4.5) so non-linear effects fit.</summary>
    public bool Splines { get; init; } = true;

    public int MaxIterations { get; init; } = 50;
}

/// <summary>Histogram gradient-boosted trees with logistic loss (Friedman 2001; Chen &amp; Guestrin 2016 for the Newton leaf/gain).</summary>
public sealed record BoostingOptions
{
    public double LearningRate { get; init; } = 0.05;

    public int MaxDepth { get; init; } = 3;

    public int MinSamplesLeaf { get; init; } = 20;

    public double L2 { get; init; } = 1.0;

    public double Subsample { get; init; } = 0.8;

    public int MaxRounds { get; init; } = 1000;

    public int MaxBins { get; init; } = 64;

    /// <summary>Share of training rows held out (stratified) to stop boosting when validation log loss stops improving.</summary>
    public double ValidationFraction { get; init; } = 0.15;

    public int EarlyStoppingRounds { get; init; } = 50;
}
