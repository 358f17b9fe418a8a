namespace SpikeKit.Reporting.Statistics;

/// <summary>
/// Student's t distribution with ν degrees of freedom (ν &gt; 0, not necessarily whole, as Welch's test needs):
/// <code>
/// F(t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½)   for t ≥ 0,   F(−t) = 1 − F(t)
/// </code>
/// with I the regularized incomplete beta function, evaluated by its continued fraction (modified Lentz method) and the
/// Lanczos approximation of ln Γ. Accurate to about 1e-12 in the range tables use.
/// </summary>
public static class StudentT
{
    /// <summary>P(T ≤ <paramref name="t"/>).</summary>
    public static double Cdf(double t, double df)
    {
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "degrees of freedom must be > 0");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsPositiveInfinity(t)) return 1;
        if (double.IsNegativeInfinity(t)) return 0;
        double tail = 0.5 * RegularizedBeta(df / (df + t * t), df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The two-sided p value of a t statistic: <c>P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½)</c>.</summary>
    public static double TwoSidedP(double t, double df) =>
        double.IsNaN(t) ? double.NaN : double.IsInfinity(t) ? 0 : RegularizedBeta(df / (df + t * t), df / 2, 0.5);

    /// <summary>The t with <c>F(t) = p</c>, 0 &lt; p &lt; 1 (by bisection on <see cref="Cdf"/>, to 1e-12).</summary>
    public static double Quantile(double p, double df)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "must be in (0, 1)");
        if (p < 0.5) return -Quantile(1 - p, df);
        double lo = 0, hi = 1;
        while (Cdf(hi, df) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * Math.Max(1, hi); i++)
        {
            double mid = (lo + hi) / 2;
            if (Cdf(mid, df) < p) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function, for 0 ≤ x ≤ 1, a, b &gt; 0.</summary>
    public static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) otherwise.
        return x < (a + 1) / (a + b + 2) ? front * BetaFraction(x, a, b) / a : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    /// <summary>The continued fraction of I_x(a, b): 1/(1 + d₁/(1 + d₂/(1 + …))), d_{2m+1} = −(a+m)(a+b+m)x/((a+2m)(a+2m+1)),
    /// d_{2m} = m(b−m)x/((a+2m−1)(a+2m)), by the modified Lentz method.</summary>
    static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300, eps = 1e-15;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++)
        {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + even * d; if (Math.Abs(d) < tiny) d = tiny; d = 1 / d;
            c = 1 + even / c; if (Math.Abs(c) < tiny) c = tiny;
            h *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + odd * d; if (Math.Abs(d) < tiny) d = tiny; d = 1 / d;
            c = 1 + odd / c; if (Math.Abs(c) < tiny) c = tiny;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < eps) break;
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine coefficients).</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < g.Length; i++) sum += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
