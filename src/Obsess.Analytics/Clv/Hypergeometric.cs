namespace Obsess.Analytics.Clv;

/// <summary>The Gaussian hypergeometric function 2F1(a, b; c; z) for 0 &lt;= z &lt; 1, as the CLV formulas need it.</summary>
public static class Hypergeometric
{
    private const int MaxTerms = 2_000_000;

    /// <summary>
    /// 2F1(a, b; c; z) by its power series (Abramowitz &amp; Stegun 15.1.1), summed term by term with the term ratio
    /// (a+n)(b+n)/((c+n)(n+1)) z. When Euler's transformation (A&amp;S 15.3.3)
    /// 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) gives a series whose terms shrink sooner, it is used instead.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">z outside [0, 1), or c a non-positive integer.</exception>
    public static double Hyp2F1(double a, double b, double c, double z)
    {
        if (!(z >= 0 && z < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "2F1 is implemented for 0 <= z < 1.");
        }

        return Hyp2F1(a, b, c, z, 1 - z);
    }

    /// <summary>
    /// 2F1(a, b; c; z) given both z and 1 - z, so callers that know 1 - z exactly as a ratio (z = u/v, 1 - z = w/v)
    /// keep its precision when z rounds to 1.
    /// </summary>
    internal static double Hyp2F1(double a, double b, double c, double z, double oneMinusZ)
    {
        if (!(z >= 0 && z <= 1 && oneMinusZ > 0 && oneMinusZ <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, $"2F1 is implemented for 0 <= z < 1 (1 - z = {oneMinusZ}).");
        }

        if (c <= 0 && Math.Abs(c - Math.Round(c)) < 1e-12)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "2F1 is undefined for c a non-positive integer.");
        }

        if (z == 0)
        {
            return 1;
        }

        // Close to z = 1 with c - a - b small, both power series need ~ (1-z)^-1 · ε^(-1/|c-a-b|) terms: continue
        // analytically to 1 - z instead.
        if (z > 0.9 && Math.Abs(c - a - b) < 4)
        {
            var continued = AroundOne(a, b, c, oneMinusZ);
            if (double.IsFinite(continued))
            {
                return continued;
            }
        }

        // The series' terms behave like n^(a+b-c-1) z^n; the Euler-transformed one like n^(c-a-b-1) z^n.
        // Prefer the one with the smaller exponent (faster decay), which also avoids summing huge terms that cancel.
        var direct = a + b - c;
        var euler = c - a - b;
        if (euler < direct && !IsNonPositiveInteger(c - a) && !IsNonPositiveInteger(c - b) && direct > 0)
        {
            return Math.Pow(oneMinusZ, c - a - b) * Series(c - a, c - b, c, z);
        }

        return Series(a, b, c, z);
    }

    /// <summary>
    /// The linear transformation to 1 - z (Abramowitz &amp; Stegun 15.3.6), valid when c - a - b is not an integer:
    /// 2F1(a,b;c;z) = Γ(c)Γ(c-a-b)/(Γ(c-a)Γ(c-b)) 2F1(a, b; a+b-c+1; 1-z)
    ///             + (1-z)^(c-a-b) Γ(c)Γ(a+b-c)/(Γ(a)Γ(b)) 2F1(c-a, c-b; c-a-b+1; 1-z).
    /// Near an integer c - a - b the two terms diverge with opposite signs, so c is moved by ±h and the results averaged
    /// (error O(h²)). Returns NaN when the terms cancel too much to trust (the caller then sums the series directly).
    /// </summary>
    private static double AroundOne(double a, double b, double c, double w)
    {
        var m = c - a - b;
        const double H = 1e-5;
        if (Math.Abs(m - Math.Round(m)) < H)
        {
            var up = AroundOneGeneric(a, b, c + H - (m - Math.Round(m)), w);
            var down = AroundOneGeneric(a, b, c - H - (m - Math.Round(m)), w);
            return 0.5 * (up + down);
        }

        return AroundOneGeneric(a, b, c, w);
    }

    private static double AroundOneGeneric(double a, double b, double c, double w)
    {
        var m = c - a - b;
        var (lgC, sC) = LogGammaSigned(c);
        var (lgM, sM) = LogGammaSigned(m);
        var (lgCa, sCa) = LogGammaSigned(c - a);
        var (lgCb, sCb) = LogGammaSigned(c - b);
        var (lgNegM, sNegM) = LogGammaSigned(-m);
        var (lgA, sA) = LogGammaSigned(a);
        var (lgB, sB) = LogGammaSigned(b);
        if (sC == 0 || sM == 0 || sNegM == 0 || sA == 0 || sB == 0)
        {
            return double.NaN;
        }

        // 1/Γ at a pole is 0: that term vanishes.
        double first = 0, second = 0;
        if (sCa != 0 && sCb != 0)
        {
            var s1 = Series(a, b, 1 - m, w);
            first = sC * sM * sCa * sCb * Math.Exp(lgC + lgM - lgCa - lgCb) * s1;
        }

        var s2 = Series(c - a, c - b, m + 1, w);
        second = sC * sNegM * sA * sB * Math.Exp((m * Math.Log(w)) + lgC + lgNegM - lgA - lgB) * s2;
        var sum = first + second;

        // Trust the result only if no more than ~8 digits cancelled.
        return Math.Abs(sum) >= 1e-8 * Math.Max(Math.Abs(first), Math.Abs(second)) ? sum : double.NaN;
    }

    /// <summary>(ln |Γ(x)|, sign Γ(x)); sign 0 at the poles. Negative arguments by the reflection formula.</summary>
    private static (double Log, int Sign) LogGammaSigned(double x)
    {
        if (x > 0)
        {
            return (MathNet.Numerics.SpecialFunctions.GammaLn(x), 1);
        }

        if (x == Math.Floor(x))
        {
            return (double.PositiveInfinity, 0);
        }

        // Γ(x) = π / (sin(πx) Γ(1-x)).
        var sin = Math.Sin(Math.PI * x);
        return (Math.Log(Math.PI) - Math.Log(Math.Abs(sin)) - MathNet.Numerics.SpecialFunctions.GammaLn(1 - x), sin > 0 ? 1 : -1);
    }

    private static bool IsNonPositiveInteger(double v) => v <= 0 && Math.Abs(v - Math.Round(v)) < 1e-12;

    private static double Series(double a, double b, double c, double z)
    {
        double sum = 1, compensation = 0, term = 1;
        for (var n = 0; n < MaxTerms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            if (term == 0)
            {
                return sum + compensation;
            }

            // Neumaier summation: the terms may alternate in sign when a or b is negative.
            var t = sum + term;
            compensation += Math.Abs(sum) >= Math.Abs(term) ? (sum - t) + term : (term - t) + sum;
            sum = t;
            // Stop once the remaining tail, bounded by a geometric series with the next term ratio, is negligible.
            var ratio = Math.Abs((a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 2)) * z);
            if (ratio < 1 && Math.Abs(term) / (1 - ratio) <= 1e-16 * Math.Abs(sum))
            {
                return sum + compensation;
            }
        }

        throw new ArithmeticException($"2F1({a}, {b}; {c}; {z}) did not converge in {MaxTerms} terms.");
    }
}
