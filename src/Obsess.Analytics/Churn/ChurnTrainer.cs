namespace Obsess.Analytics.Churn;

/// <summary>Cross-validated figures of one model: per outer fold and their mean.</summary>
public sealed record ModelEvaluation
{
    public required ChurnModelKind Model { get; init; }

    public required IReadOnlyList<ClassificationMetrics> Folds { get; init; }

    public required ClassificationMetrics Mean { get; init; }

    /// <summary>Each row's probability from the fold in which it was held out.</summary>
    public required IReadOnlyList<double> OutOfFold { get; init; }
}

public sealed record ChurnEvaluation
{
    public required int Rows { get; init; }

    public required int Positives { get; init; }

    public required string PositiveLabel { get; init; }

    public required int Folds { get; init; }

    public required int Seed { get; init; }

    /// <summary>0/1 labels in table order (1 = <see cref="PositiveLabel"/>).</summary>
    public required IReadOnlyList<int> Labels { get; init; }

    /// <summary>Column typing as detected on the whole table (each fold re-detects on its own training rows).</summary>
    public required IReadOnlyList<ColumnReport> Columns { get; init; }

    public required IReadOnlyList<ModelEvaluation> Models { get; init; }

    public ModelEvaluation Best => Models.MaxBy(m => m.Mean.RocAuc)!;

    public ModelEvaluation this[ChurnModelKind model] => Models.First(m => m.Model == model);
}

/// <summary>Trains and cross-validates churn models on any table with a two-valued label column.</summary>
public static class ChurnTrainer
{
    private static readonly ChurnModelKind[] Kinds =
        [ChurnModelKind.LogisticRegression, ChurnModelKind.GradientBoosting, ChurnModelKind.Ensemble];

    /// <summary>
    /// Stratified k-fold cross-validation (options.Folds, options.Seed). Everything learned (column types, medians,
    /// levels, scales, penalty, trees, calibration) is fitted on each fold's training rows only.
    /// </summary>
    public static ChurnEvaluation Evaluate(ChurnTable table, ChurnOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var (y, positive) = ResolveLabel(table, options);
        var positives = y.Sum();
        if (Math.Min(positives, y.Length - positives) < options.Folds)
        {
            throw new ArgumentException(
                $"Label column '{options.LabelColumn}' has only {Math.Min(positives, y.Length - positives)} rows of its smaller class: too few for {options.Folds} folds.",
                nameof(table));
        }

        var assignment = StratifiedFolds.Assign(y, options.Folds, options.Seed);
        var oof = Kinds.Select(_ => new double[y.Length]).ToArray();
        var foldMetrics = new ClassificationMetrics[Kinds.Length, options.Folds];
        Parallel.For(0, options.Folds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism) }, fold =>
        {
            var (train, test) = StratifiedFolds.Split(assignment, fold);
            var model = Fit(table, train, y, positive, options with { MaxDegreeOfParallelism = 1 }, options.Seed + (1000 * (fold + 1)));
            var x = model.Encoder.Encode(table.Subset(test));
            var yTest = test.Select(i => y[i]).ToArray();
            for (var k = 0; k < Kinds.Length; k++)
            {
                var p = new double[test.Length];
                for (var t = 0; t < test.Length; t++)
                {
                    p[t] = model.Probability(x[t], Kinds[k]);
                    oof[k][test[t]] = p[t];
                }

                foldMetrics[k, fold] = ClassificationMetrics.Of(p, yTest);
            }
        });

        var models = Kinds.Select((kind, k) =>
        {
            var folds = Enumerable.Range(0, options.Folds).Select(f => foldMetrics[k, f]).ToArray();
            return new ModelEvaluation { Model = kind, Folds = folds, Mean = ClassificationMetrics.Mean(folds), OutOfFold = oof[k] };
        }).ToArray();
        var all = Enumerable.Range(0, table.RowCount).ToArray();
        return new ChurnEvaluation
        {
            Rows = y.Length,
            Positives = positives,
            PositiveLabel = positive,
            Folds = options.Folds,
            Seed = options.Seed,
            Labels = y,
            Columns = FeatureEncoder.Fit(table, all, options.LabelColumn, options.IdColumn, options.RareLevelFraction).Columns,
            Models = models,
        };
    }

    /// <summary>Fits the encoder, both models and their calibrators on every row of the table.</summary>
    public static ChurnModel Train(ChurnTable table, ChurnOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var (y, positive) = ResolveLabel(table, options);
        return Fit(table, Enumerable.Range(0, table.RowCount).ToArray(), y, positive, options, options.Seed);
    }

    private static ChurnModel Fit(ChurnTable table, int[] rows, int[] allLabels, string positive, ChurnOptions options, int seed)
    {
        var encoder = FeatureEncoder.Fit(table, rows, options.LabelColumn, options.IdColumn, options.RareLevelFraction);
        if (encoder.Features.Count == 0)
        {
            throw new ArgumentException(
                $"No usable feature columns: {string.Join("; ", encoder.Columns.Select(c => $"{c.Name}: {c.Reason}"))}.", nameof(table));
        }

        var x = encoder.Encode(table.Subset(rows));
        var y = rows.Select(i => allLabels[i]).ToArray();
        var innerFolds = Math.Clamp(options.InnerFolds, 2, Math.Max(2, Math.Min(y.Sum(), y.Length - y.Sum())));

        // Out-of-fold scores on the training rows choose λ and fit the calibrators without seeing the held-out fold.
        var (logistic, logisticOof) = LogisticModel.FitWithInnerCv(x, y, encoder.Features, options.Logistic, innerFolds, seed);
        var assignment = StratifiedFolds.Assign(y, innerFolds, seed);
        var boostingOof = new double[y.Length];
        BoostedTrees? boosting = null;

        // The inner fits and the final fit are independent (each has its own seed), so they may run at once.
        Parallel.For(0, innerFolds + 1, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism) }, fold =>
        {
            if (fold == innerFolds)
            {
                boosting = BoostedTrees.Fit(x, y, options.Boosting, seed);
                return;
            }

            var (train, test) = StratifiedFolds.Split(assignment, fold);
            var trees = BoostedTrees.Fit(train.Select(i => x[i]).ToArray(), train.Select(i => y[i]).ToArray(), options.Boosting, seed + fold + 1);
            foreach (var i in test)
            {
                boostingOof[i] = trees.Logit(x[i]);
            }
        });
        return new ChurnModel
        {
            LabelColumn = table.Header[table.IndexOf(options.LabelColumn)],
            PositiveLabel = positive,
            IdColumn = encoder.IdColumn,
            ScoringModel = options.ScoringModel,
            TopReasons = options.TopReasons,
            Encoder = encoder,
            Logistic = logistic,
            Boosting = boosting!,
            LogisticCalibration = PlattCalibrator.Fit(logisticOof, y),
            BoostingCalibration = PlattCalibrator.Fit(boostingOof, y),
        };
    }

    /// <summary>
    /// 0/1 labels for every row: the label column must exist, have no blank cell and exactly two distinct values. The
    /// positive value is options.PositiveLabel, else the one that reads as yes/1/true/churned, else the rarer one.
    /// </summary>
    public static (int[] Labels, string Positive) ResolveLabel(ChurnTable table, ChurnOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var column = table.IndexOf(options.LabelColumn);
        if (column < 0)
        {
            throw new ArgumentException(
                $"Label column '{options.LabelColumn}' not found; columns are: {string.Join(", ", table.Header)}.", nameof(options));
        }

        if (table.RowCount == 0)
        {
            throw new ArgumentException("The table has no data rows: nothing to train on.", nameof(table));
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 0; r < table.RowCount; r++)
        {
            var v = table[r, column].Trim();
            if (FeatureEncoder.IsMissing(v))
            {
                throw new ArgumentException(
                    $"Label column '{options.LabelColumn}' is blank on data row {r + 1}: every row needs a label.", nameof(table));
            }

            counts[v] = counts.GetValueOrDefault(v) + 1;
        }

        if (counts.Count != 2)
        {
            var shown = string.Join(", ", counts.Keys.Take(6).Select(k => $"'{k}'"));
            throw new ArgumentException(
                counts.Count == 1
                    ? $"Label column '{options.LabelColumn}' has a single value {shown} on all {table.RowCount} rows: need two classes."
                    : $"Label column '{options.LabelColumn}' has {counts.Count} distinct values ({shown}{(counts.Count > 6 ? ", …" : string.Empty)}): need exactly two.",
                nameof(table));
        }

        var values = counts.Keys.ToArray();
        string positive;
        if (options.PositiveLabel is not null)
        {
            positive = values.FirstOrDefault(v => string.Equals(v, options.PositiveLabel.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException(
                    $"Positive label '{options.PositiveLabel}' is not a value of '{options.LabelColumn}' (values: '{values[0]}', '{values[1]}').",
                    nameof(options));
        }
        else
        {
            var yesLike = values.Where(FeatureEncoder.IsPositiveToken).ToArray();
            positive = yesLike.Length == 1
                ? yesLike[0]
                : values.OrderBy(v => counts[v]).ThenBy(v => v, StringComparer.Ordinal).First();
        }

        var y = new int[table.RowCount];
        for (var r = 0; r < y.Length; r++)
        {
            y[r] = string.Equals(table[r, column].Trim(), positive, StringComparison.Ordinal) ? 1 : 0;
        }

        return (y, positive);
    }
}
