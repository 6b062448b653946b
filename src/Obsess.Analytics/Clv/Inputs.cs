namespace Obsess.Analytics.Clv;

/// <summary>Validated, copied per-customer inputs shared by the model fits.</summary>
internal sealed class CustomerData
{
    private CustomerData(int[] x, double[] tx, double[] t, double[] weights, double totalWeight)
    {
        X = x;
        Tx = tx;
        T = t;
        Weights = weights;
        TotalWeight = totalWeight;
    }

    public int[] X { get; }

    public double[] Tx { get; }

    public double[] T { get; }

    public double[] Weights { get; }

    public double TotalWeight { get; }

    public int Count => X.Length;

    /// <summary>
    /// Checks the recency/frequency summary of every row: x a non-negative whole number, 0 &lt;= tx &lt;= T, T &gt; 0,
    /// tx &gt; 0 when x &gt; 0 and tx = 0 when x = 0, and non-negative finite weights (all 1 when omitted).
    /// </summary>
    public static CustomerData Validate(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> T, ReadOnlySpan<double> weights, bool discrete = false)
    {
        if (x.Length == 0)
        {
            throw new ArgumentException("At least one customer is needed to fit a model.", nameof(x));
        }

        if (tx.Length != x.Length || T.Length != x.Length)
        {
            throw new ArgumentException($"x, tx and T must have the same length (got {x.Length}, {tx.Length}, {T.Length}).", nameof(tx));
        }

        if (!weights.IsEmpty && weights.Length != x.Length)
        {
            throw new ArgumentException($"weights must be empty or have one value per row (got {weights.Length} for {x.Length} rows).", nameof(weights));
        }

        var xs = new int[x.Length];
        var w = new double[x.Length];
        var total = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            Check(x[i], tx[i], T[i], i, discrete);
            xs[i] = (int)x[i];
            var wi = weights.IsEmpty ? 1.0 : weights[i];
            if (!double.IsFinite(wi) || wi < 0)
            {
                throw new ArgumentException($"weights[{i}] = {wi} must be a finite non-negative number.", nameof(weights));
            }

            w[i] = wi;
            total += wi;
        }

        if (total <= 0)
        {
            throw new ArgumentException("The weights sum to zero: there is nothing to fit.", nameof(weights));
        }

        return new CustomerData(xs, tx.ToArray(), T.ToArray(), w, total);
    }

    /// <summary>
    /// Merges rows with identical (x, tx, T), adding their weights, in order of first appearance. The likelihood is
    /// unchanged; a fit whose per-row cost is high (2F1 series, sums over opportunities) gets cheaper.
    /// </summary>
    public CustomerData Compress()
    {
        var index = new Dictionary<(int, double, double), int>();
        var xs = new List<int>();
        var txs = new List<double>();
        var ts = new List<double>();
        var ws = new List<double>();
        for (var i = 0; i < Count; i++)
        {
            if (Weights[i] == 0)
            {
                continue;
            }

            var key = (X[i], Tx[i], T[i]);
            if (index.TryGetValue(key, out var j))
            {
                ws[j] += Weights[i];
            }
            else
            {
                index[key] = xs.Count;
                xs.Add(X[i]);
                txs.Add(Tx[i]);
                ts.Add(T[i]);
                ws.Add(Weights[i]);
            }
        }

        return new CustomerData(xs.ToArray(), txs.ToArray(), ts.ToArray(), ws.ToArray(), TotalWeight);
    }

    /// <summary>Validates one customer's (x, tx, T); <paramref name="row"/> &lt; 0 means a single customer.</summary>
    public static void Check(double x, double tx, double T, int row = -1, bool discrete = false)
    {
        var where = row >= 0 ? $" at row {row}" : string.Empty;
        if (!double.IsFinite(x) || x < 0 || x != Math.Floor(x) || x > int.MaxValue)
        {
            throw new ArgumentException($"x (frequency){where} = {x} must be a non-negative whole number of repeat purchases.", nameof(x));
        }

        if (!double.IsFinite(T) || T <= 0)
        {
            throw new ArgumentException($"T (customer age){where} = {T} must be positive and finite.", nameof(T));
        }

        if (!double.IsFinite(tx) || tx < 0)
        {
            throw new ArgumentException($"tx (recency){where} = {tx} must be non-negative and finite.", nameof(tx));
        }

        if (tx > T)
        {
            throw new ArgumentException($"tx (recency){where} = {tx} exceeds T (customer age) = {T}.", nameof(tx));
        }

        if (x > 0 && tx == 0)
        {
            throw new ArgumentException($"x (frequency){where} = {x} > 0 with tx (recency) = 0: a customer with repeat purchases has a positive recency.", nameof(tx));
        }

        if (x == 0 && tx != 0)
        {
            throw new ArgumentException($"x (frequency){where} = 0 with tx (recency) = {tx}: recency must be 0 for a customer without repeat purchases.", nameof(tx));
        }

        if (discrete)
        {
            if (tx != Math.Floor(tx) || T != Math.Floor(T))
            {
                throw new ArgumentException($"tx = {tx} and T = {T}{where} must be whole numbers of transaction opportunities.", nameof(T));
            }

            if (x > tx)
            {
                throw new ArgumentException($"x (frequency){where} = {x} exceeds tx (recency) = {tx}: at most one transaction per opportunity.", nameof(x));
            }
        }
    }

    public static void CheckParameter(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Model parameter {name} must be positive and finite.");
        }
    }

    public static void CheckHorizon(double t, string name = "t")
    {
        if (!double.IsFinite(t) || t < 0)
        {
            throw new ArgumentOutOfRangeException(name, t, $"Horizon {name} must be non-negative and finite.");
        }
    }
}

/// <summary>Deterministic parallel reduction: fixed chunks, each summed in order, partial sums added in chunk order.</summary>
internal static class ChunkedSum
{
    /// <summary>Default rows per chunk, for cheap per-row likelihoods.</summary>
    public const int ChunkSize = 32_768;

    /// <summary>Rows per chunk for likelihoods that cost microseconds per row (2F1 series, sums over opportunities).</summary>
    public const int CostlyRowChunkSize = 256;

    /// <summary>
    /// Runs <paramref name="body"/> on rows [start, end) of each fixed-size chunk, accumulating into the chunk's own
    /// <paramref name="width"/>-long buffer, then adds the buffers in chunk order. The result is bit-for-bit the same
    /// whatever the number of threads.
    /// </summary>
    public static double[] Run(int count, int width, Action<int, int, double[]> body, int chunkSize = ChunkSize)
    {
        var chunks = (count + chunkSize - 1) / chunkSize;
        var partial = new double[chunks][];
        if (chunks == 1)
        {
            partial[0] = new double[width];
            body(0, count, partial[0]);
        }
        else
        {
            Parallel.For(0, chunks, c =>
            {
                var buffer = new double[width];
                body(c * chunkSize, Math.Min(count, (c + 1) * chunkSize), buffer);
                partial[c] = buffer;
            });
        }

        var total = new double[width];
        foreach (var buffer in partial)
        {
            for (var k = 0; k < width; k++)
            {
                total[k] += buffer[k];
            }
        }

        return total;
    }
}

/// <summary>Numerical helpers shared by the models.</summary>
internal static class ClvMath
{
    /// <summary>ln(1 + x), accurate for small x (Goldberg 1991, "What every computer scientist should know about floating-point arithmetic", Theorem 4).</summary>
    public static double Log1P(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>e^x - 1, accurate for small x (Kahan's compensated form).</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) > 0.5)
        {
            return Math.Exp(x) - 1;
        }

        var u = Math.Exp(x);
        return u == 1 ? x : (u - 1) * x / Math.Log(u);
    }

    /// <summary>ln B(a, b) via log-gamma.</summary>
    public static double BetaLn(double a, double b) =>
        MathNet.Numerics.SpecialFunctions.GammaLn(a) + MathNet.Numerics.SpecialFunctions.GammaLn(b) - MathNet.Numerics.SpecialFunctions.GammaLn(a + b);

    /// <summary>ln(e^u + e^v) without overflow.</summary>
    public static double LogAddExp(double u, double v)
    {
        if (double.IsNegativeInfinity(u))
        {
            return v;
        }

        if (double.IsNegativeInfinity(v))
        {
            return u;
        }

        return u > v ? u + ClvMath.Log1P(Math.Exp(v - u)) : v + ClvMath.Log1P(Math.Exp(u - v));
    }

    /// <summary>ln(e^u - e^v) for u &gt;= v; -infinity when they are equal.</summary>
    public static double LogSubExp(double u, double v) =>
        v >= u ? double.NegativeInfinity : u + Math.Log(-ClvMath.Expm1(v - u));

    /// <summary>(1 - e^(-k L)) / k, continuous at k = 0 (where it equals L).</summary>
    public static double OneMinusExpOverK(double k, double l) =>
        Math.Abs(k * l) < 1e-8 ? l * (1 - 0.5 * k * l) : -ClvMath.Expm1(-k * l) / k;

    public static IReadOnlyDictionary<string, double> Ordered(params (string Name, double Value)[] pairs)
    {
        var d = new OrderedDictionary<string, double>(pairs.Length, StringComparer.Ordinal);
        foreach (var (name, value) in pairs)
        {
            d.Add(name, value);
        }

        return new System.Collections.ObjectModel.ReadOnlyDictionary<string, double>(d);
    }

    public static IReadOnlyDictionary<string, double> Ordered(IReadOnlyList<string> names, double[] values)
    {
        var d = new OrderedDictionary<string, double>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            d.Add(names[i], values[i]);
        }

        return new System.Collections.ObjectModel.ReadOnlyDictionary<string, double>(d);
    }
}
