using System.Globalization;
using System.Text.RegularExpressions;

namespace Obsess.Analytics.Churn;

/// <summary>What a source column became.</summary>
public enum ColumnRole
{
    Numeric,
    Categorical,
    Boolean,
    Label,
    Id,
    Ignored,
}

/// <summary>Whether a column was used, and why (or why not).</summary>
public sealed record ColumnReport
{
    public required string Name { get; init; }

    public required ColumnRole Role { get; init; }

    public required string Reason { get; init; }

    /// <summary>Model features derived from this column (0 when left out).</summary>
    public int Features { get; init; }
}

public enum FeatureKind
{
    Value,
    Missing,
    Level,
}

/// <summary>One encoded model feature and the source column it came from.</summary>
public sealed record FeatureInfo
{
    public required string Name { get; init; }

    public required string Column { get; init; }

    /// <summary>Index of the source column among <see cref="FeatureEncoder.Columns"/> that are used.</summary>
    public required int Source { get; init; }

    public required FeatureKind Kind { get; init; }

    /// <summary>A numeric value with enough distinct values to warrant a spline in the linear model.</summary>
    public bool Continuous { get; init; }
}

/// <summary>How one used column is encoded: numeric (transform, median, missing flag) or levels (one-hot).</summary>
public sealed record ColumnEncoding
{
    public required string Column { get; init; }

    public required ColumnRole Role { get; init; }

    public bool Log1p { get; init; }

    /// <summary>Set for a date column: its value is the number of days before this latest training date (UTC).</summary>
    public DateTime? DateReference { get; init; }

    /// <summary>Training median of the raw value, imputed for missing cells.</summary>
    public double Median { get; init; }

    public double LowerQuartile { get; init; }

    public double UpperQuartile { get; init; }

    public bool MissingIndicator { get; init; }

    /// <summary>Categorical: one-hot levels. Boolean: [reference, indicated].</summary>
    public IReadOnlyList<string> Levels { get; init; } = [];

    /// <summary>Rare training levels were pooled into an "other" feature; unseen levels go there too.</summary>
    public bool HasOther { get; init; }

    public required int FirstFeature { get; init; }

    public required int FeatureCount { get; init; }
}

/// <summary>
/// Table → numeric design matrix. Column types, medians, levels and quantiles are learned from training rows only
/// (<see cref="Fit"/>) and then applied unchanged to any table with those columns (<see cref="Encode"/>).
/// </summary>
public sealed partial record FeatureEncoder
{
    internal const string MissingLevel = "(missing)";
    internal const string OtherLevel = "other";
    private const int MinRowsForUniqueness = 20;

    private static readonly string[] MissingTokens = ["", "NA", "N/A", "NaN", "null", "NULL", "None", "none", "?", "-", "nan", "na", "n/a"];

    private static readonly string[] PositiveTokens =
        ["yes", "y", "1", "1.0", "true", "t", "churned", "churn", "exited", "left", "lost", "cancelled", "canceled", "positive", "inactive"];

    public required IReadOnlyList<ColumnReport> Columns { get; init; }

    public required IReadOnlyList<ColumnEncoding> Encodings { get; init; }

    public required IReadOnlyList<FeatureInfo> Features { get; init; }

    public string? IdColumn { get; init; }

    internal static bool IsMissing(string cell) => Array.IndexOf(MissingTokens, cell.Trim()) >= 0;

    internal static bool IsPositiveToken(string value) =>
        Array.IndexOf(PositiveTokens, value.Trim().ToLowerInvariant()) >= 0;

    /// <summary>
    /// Invariant-culture numbers, also accepting a currency sign ($ € £ ¥), a trailing % (kept as the number: 12% → 12) and
    /// comma thousands groups (1,234.5); "1,5" is not a number, as a decimal comma cannot be told from a list.
    /// </summary>
    public static bool TryParseNumber(string cell, out double value)
    {
        var text = cell.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return double.IsFinite(value);
        }

        var match = DecoratedNumber().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var digits = match.Groups["sign"].Value + match.Groups["number"].Value.Replace(",", string.Empty, StringComparison.Ordinal);
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    [GeneratedRegex(@"^(?<sign>-?)\s*[$€£¥]?\s*(?<number>\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?|\.\d+)\s*%?$")]
    private static partial Regex DecoratedNumber();

    /// <summary>Learns the encoding from <paramref name="rows"/> of <paramref name="table"/> (the training rows).</summary>
    public static FeatureEncoder Fit(
        ChurnTable table, IReadOnlyList<int> rows, string labelColumn, string? idColumn, double rareLevelFraction = 0.01)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labelColumn);
        if (rows.Count == 0)
        {
            throw new ArgumentException("Cannot fit the feature encoder on zero rows.", nameof(rows));
        }

        var labelIndex = table.IndexOf(labelColumn);
        var idIndex = idColumn is null ? -1 : table.IndexOf(idColumn);
        if (idColumn is not null && idIndex < 0)
        {
            throw new ArgumentException($"Id column '{idColumn}' not found; columns are: {string.Join(", ", table.Header)}.", nameof(idColumn));
        }

        var reports = new List<ColumnReport>();
        var encodings = new List<ColumnEncoding>();
        var features = new List<FeatureInfo>();
        string? detectedId = idIndex >= 0 ? table.Header[idIndex] : null;
        for (var c = 0; c < table.ColumnCount; c++)
        {
            var name = table.Header[c];
            if (c == labelIndex)
            {
                reports.Add(new ColumnReport { Name = name, Role = ColumnRole.Label, Reason = "label column" });
                continue;
            }

            if (c == idIndex)
            {
                reports.Add(new ColumnReport { Name = name, Role = ColumnRole.Id, Reason = "id column (given)" });
                continue;
            }

            var cells = new string[rows.Count];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = table[rows[i], c].Trim();
            }

            var (role, reason, encoding) = Profile(name, cells, rareLevelFraction, features.Count);
            if (role == ColumnRole.Id)
            {
                detectedId ??= name;
            }

            if (encoding is null)
            {
                reports.Add(new ColumnReport { Name = name, Role = role, Reason = reason });
                continue;
            }

            AddFeatures(encoding, encodings.Count, features);
            encodings.Add(encoding);
            reports.Add(new ColumnReport { Name = name, Role = role, Reason = reason, Features = encoding.FeatureCount });
        }

        return new FeatureEncoder { Columns = reports, Encodings = encodings, Features = features, IdColumn = detectedId };
    }

    private static void AddFeatures(ColumnEncoding e, int source, List<FeatureInfo> features)
    {
        switch (e.Role)
        {
            case ColumnRole.Numeric:
                features.Add(new FeatureInfo { Name = e.Column, Column = e.Column, Source = source, Kind = FeatureKind.Value, Continuous = true });
                if (e.MissingIndicator)
                {
                    features.Add(new FeatureInfo { Name = $"{e.Column} is missing", Column = e.Column, Source = source, Kind = FeatureKind.Missing });
                }

                break;
            case ColumnRole.Boolean:
                features.Add(new FeatureInfo { Name = $"{e.Column} = {e.Levels[1]}", Column = e.Column, Source = source, Kind = FeatureKind.Level });
                break;
            default:
                foreach (var level in e.Levels)
                {
                    features.Add(new FeatureInfo { Name = $"{e.Column} = {level}", Column = e.Column, Source = source, Kind = FeatureKind.Level });
                }

                if (e.HasOther)
                {
                    features.Add(new FeatureInfo { Name = $"{e.Column} = {OtherLevel}", Column = e.Column, Source = source, Kind = FeatureKind.Level });
                }

                break;
        }
    }

    private static (ColumnRole Role, string Reason, ColumnEncoding? Encoding) Profile(
        string name, string[] cells, double rareLevelFraction, int firstFeature)
    {
        var n = cells.Length;
        var present = cells.Where(v => !IsMissing(v)).ToArray();
        if (present.Length == 0)
        {
            return (ColumnRole.Ignored, "all values missing", null);
        }

        var distinct = present.Distinct(StringComparer.Ordinal).Count();
        if (distinct == 1)
        {
            return (ColumnRole.Ignored, "constant (one distinct value)", null);
        }

        if (LooksLikeIdName(name))
        {
            return (ColumnRole.Id, "identifier (named like an id)", null);
        }

        var parsed = new List<double>(present.Length);
        foreach (var v in present)
        {
            if (TryParseNumber(v, out var x))
            {
                parsed.Add(x);
            }
        }

        var missingCount = n - present.Length;
        if (parsed.Count >= 0.98 * present.Length)
        {
            var values = parsed.ToArray();
            var distinctNumbers = values.Distinct().Count();
            if (distinctNumbers == 2)
            {
                return BooleanOrLevels(name, cells, present, rareLevelFraction, firstFeature, "numeric with two values");
            }

            // Distinct integers on every row are a key (row number, account number) when the table is large, or when
            // they run consecutively; a small table's distinct integers may still be a genuine feature.
            if (n >= MinRowsForUniqueness && missingCount == 0 && distinctNumbers == n && values.All(x => x == Math.Floor(x))
                && (n >= 1000 || values.Max() - values.Min() + 1 == n))
            {
                return (ColumnRole.Id, "identifier (distinct integer on every row)", null);
            }

            return NumericColumn(name, values, missingCount + present.Length - parsed.Count, firstFeature, null, "numeric");
        }

        if (distinct == 2 && missingCount == 0)
        {
            return BooleanOrLevels(name, cells, present, rareLevelFraction, firstFeature, "two values");
        }

        // A quick look at the first cells spares parsing every cell of ordinary text columns as dates.
        var dates = new List<DateTime>(present.Length);
        var head = present.Take(50).ToArray();
        foreach (var v in head.Count(h => TryParseDate(h, out _)) >= 0.5 * head.Length ? present : [])
        {
            if (TryParseDate(v, out var date))
            {
                dates.Add(date);
            }
        }

        if (dates.Count >= 0.95 * present.Length)
        {
            var reference = dates.Max();
            var days = dates.Select(d => (reference - d).TotalDays).ToArray();
            if (days.Distinct().Count() < 2)
            {
                return (ColumnRole.Ignored, "constant date", null);
            }

            return NumericColumn(
                name, days, missingCount + present.Length - dates.Count, firstFeature, reference,
                $"date → days before {reference.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} (latest in training)");
        }

        if (n >= MinRowsForUniqueness && distinct > 0.5 * present.Length)
        {
            var withSpaces = present.Count(v => v.Contains(' ', StringComparison.Ordinal));
            if (withSpaces > 0.5 * present.Length)
            {
                return (ColumnRole.Ignored, $"free text ({distinct} distinct values with spaces)", null);
            }

            return distinct == n
                ? (ColumnRole.Id, "identifier (distinct value on every row)", null)
                : (ColumnRole.Ignored, $"high-cardinality string ({distinct} distinct of {present.Length}: name-like)", null);
        }

        return BooleanOrLevels(name, cells, present, rareLevelFraction, firstFeature, "categorical");
    }

    private static (ColumnRole, string, ColumnEncoding?) NumericColumn(
        string name, double[] values, int missing, int firstFeature, DateTime? dateReference, string what)
    {
        Array.Sort(values);
        var skew = Skewness(values);
        var log1p = values[0] >= 0 && skew > 1.0;
        var encoding = new ColumnEncoding
        {
            Column = name,
            Role = ColumnRole.Numeric,
            Log1p = log1p,
            DateReference = dateReference,
            Median = Quantile(values, 0.5),
            LowerQuartile = Quantile(values, 0.25),
            UpperQuartile = Quantile(values, 0.75),
            MissingIndicator = missing > 0,
            FirstFeature = firstFeature,
            FeatureCount = missing > 0 ? 2 : 1,
        };
        var transform = log1p ? $" (skewness {skew.ToString("F1", CultureInfo.InvariantCulture)} → log1p)" : string.Empty;
        var missingNote = missing > 0 ? $"; {missing} missing → median + missing flag" : string.Empty;
        return (ColumnRole.Numeric, what + transform + missingNote, encoding);
    }

    /// <summary>Dates parse with the invariant culture and are read as UTC, so a model scores the same on any machine.</summary>
    internal static bool TryParseDate(string cell, out DateTime date) =>
        DateTime.TryParse(cell.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out date);

    /// <summary>The numeric value of a cell in a numeric (or date) column; false when it is missing or unreadable.</summary>
    private static bool TryValue(ColumnEncoding e, string cell, out double value)
    {
        value = 0;
        if (IsMissing(cell))
        {
            return false;
        }

        if (e.DateReference is { } reference)
        {
            if (!TryParseDate(cell, out var date))
            {
                return false;
            }

            value = (reference - date).TotalDays;
            return true;
        }

        return TryParseNumber(cell, out value);
    }

    private static (ColumnRole, string, ColumnEncoding?) BooleanOrLevels(
        string name, string[] cells, string[] present, double rareLevelFraction, int firstFeature, string what)
    {
        var counts = cells
            .Select(v => IsMissing(v) ? MissingLevel : v)
            .GroupBy(v => v, StringComparer.Ordinal)
            .Select(g => (Level: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g.Level, StringComparer.Ordinal)
            .ToList();
        if (counts.Count == 2 && present.Length == cells.Length)
        {
            // The indicated level is the yes-like one when there is one, else the rarer one: "Partner = Yes" reads well.
            var indicated = counts.FirstOrDefault(l => IsPositiveToken(l.Level)).Level ?? counts[1].Level;
            var reference = counts.First(l => l.Level != indicated).Level;
            return (ColumnRole.Boolean, $"boolean ({what}: {reference}/{indicated})", new ColumnEncoding
            {
                Column = name,
                Role = ColumnRole.Boolean,
                Levels = [reference, indicated],
                FirstFeature = firstFeature,
                FeatureCount = 1,
            });
        }

        var minCount = Math.Max(1.0, rareLevelFraction * cells.Length);
        var kept = counts.Where(l => l.Count >= minCount).Select(l => l.Level).ToList();
        var pooled = counts.Count - kept.Count;
        if (kept.Count + (pooled > 0 ? 1 : 0) < 2)
        {
            return (ColumnRole.Ignored, $"categorical with {counts.Count} levels but fewer than two kept (levels under {rareLevelFraction.ToString("P0", CultureInfo.InvariantCulture)} are pooled)", null);
        }

        var pooledNote = pooled > 0 ? $", {pooled} rare pooled into '{OtherLevel}'" : string.Empty;
        return (ColumnRole.Categorical, $"categorical ({kept.Count} levels{pooledNote})", new ColumnEncoding
        {
            Column = name,
            Role = ColumnRole.Categorical,
            Levels = kept,
            HasOther = pooled > 0,
            FirstFeature = firstFeature,
            FeatureCount = kept.Count + (pooled > 0 ? 1 : 0),
        });
    }

    /// <summary>True for names whose words include "id" (customerID, user_id, Id), but not "Paid" or "Valid".</summary>
    public static bool LooksLikeIdName(string name)
    {
        var words = Regex.Split(name, "[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])");
        return words.Any(w => w.Equals("id", StringComparison.OrdinalIgnoreCase)
            || w.Equals("uuid", StringComparison.OrdinalIgnoreCase)
            || w.Equals("guid", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Encodes every row of <paramref name="table"/> (which must hold the used columns; label optional).</summary>
    public double[][] Encode(ChurnTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var index = ColumnIndices(table);
        var result = new double[table.RowCount][];
        for (var r = 0; r < result.Length; r++)
        {
            var x = new double[Features.Count];
            for (var e = 0; e < Encodings.Count; e++)
            {
                EncodeCell(Encodings[e], table[r, index[e]], x);
            }

            result[r] = x;
        }

        return result;
    }

    internal int[] ColumnIndices(ChurnTable table)
    {
        var index = new int[Encodings.Count];
        for (var e = 0; e < index.Length; e++)
        {
            index[e] = table.IndexOf(Encodings[e].Column);
            if (index[e] < 0)
            {
                throw new ArgumentException(
                    $"Column '{Encodings[e].Column}' used by the model is missing from the table (columns: {string.Join(", ", table.Header)}).",
                    nameof(table));
            }
        }

        return index;
    }

    private static void EncodeCell(ColumnEncoding e, string raw, double[] x)
    {
        var cell = raw.Trim();
        double value = 0;
        var f = e.FirstFeature;
        switch (e.Role)
        {
            case ColumnRole.Numeric:
                var missing = !TryValue(e, cell, out value);
                if (missing)
                {
                    value = e.Median;
                }

                x[f] = e.Log1p ? SignedLog1p(value) : value;
                if (e.MissingIndicator)
                {
                    x[f + 1] = missing ? 1 : 0;
                }

                break;
            case ColumnRole.Boolean:
                x[f] = string.Equals(cell, e.Levels[1], StringComparison.Ordinal) ? 1 : 0;
                break;
            default:
                var level = IsMissing(cell) ? MissingLevel : cell;
                var k = IndexOfLevel(e.Levels, level);
                if (k >= 0)
                {
                    x[f + k] = 1;
                }
                else if (e.HasOther)
                {
                    x[f + e.Levels.Count] = 1;
                }

                break;
        }
    }

    private static int IndexOfLevel(IReadOnlyList<string> levels, string level)
    {
        for (var i = 0; i < levels.Count; i++)
        {
            if (string.Equals(levels[i], level, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A plain-language description of one cell, e.g. "tenure = 2 (low)" or "Contract = Month-to-month".</summary>
    public string Describe(int source, string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var e = Encodings[source];
        var cell = raw.Trim();
        if (e.Role == ColumnRole.Numeric)
        {
            if (!TryValue(e, cell, out var v))
            {
                return $"{e.Column} is missing";
            }

            if (e.DateReference is not null)
            {
                var age = v <= e.LowerQuartile ? "recent" : v >= e.UpperQuartile ? "long ago" : "typical";
                return $"{e.Column} = {cell} ({age})";
            }

            var band = v <= e.LowerQuartile ? "low" : v >= e.UpperQuartile ? "high" : "typical";
            return $"{e.Column} = {v.ToString("G6", CultureInfo.InvariantCulture)} ({band})";
        }

        if (IsMissing(cell))
        {
            return $"{e.Column} is missing";
        }

        if (e.Role == ColumnRole.Categorical && IndexOfLevel(e.Levels, cell) < 0)
        {
            return $"{e.Column} = {cell} (rare level)";
        }

        return $"{e.Column} = {cell}";
    }

    internal static double SignedLog1p(double v) => Math.Sign(v) * Math.Log(1 + Math.Abs(v));

    /// <summary>Linear-interpolated quantile of sorted values (Hyndman &amp; Fan 1996, type 7).</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 1)
        {
            return sorted[0];
        }

        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    private static double Skewness(double[] values)
    {
        double mean = 0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double m2 = 0, m3 = 0;
        foreach (var v in values)
        {
            var d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }

        m2 /= values.Length;
        m3 /= values.Length;
        return m2 <= 0 ? 0 : m3 / Math.Pow(m2, 1.5);
    }
}
