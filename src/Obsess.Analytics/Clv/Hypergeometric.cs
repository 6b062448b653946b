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

        if (c <= 0 && Math.Abs(c - Math.Round(c)) < 1e-12)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "2F1 is undefined for c a non-positive integer.");
        }

        if (z == 0)
        {
            return 1;
        }

        // The series' terms behave like n^(a+b-c-1) z^n; the Euler-transformed one like n^(c-a-b-1) z^n.
        // Prefer the one with the smaller exponent (faster decay), which also avoids summing huge terms that cancel.
        var direct = a + b - c;
        var euler = c - a - b;
        if (euler < direct && !IsNonPositiveInteger(c - a) && !IsNonPositiveInteger(c - b) && direct > 0)
        {
            return Math.Pow(1 - z, c - a - b) * Series(c - a, c - b, c, z);
        }

        return Series(a, b, c, z);
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
