namespace SpikeKit.Reporting.Statistics;

/// <summary>Which test a <see cref="Difference"/> used.</summary>
public enum DifferenceTest
{
    /// <summary>Paired t-test on the per-seed differences (both sides ran the same seeds): t = d̄/(s_d/√n), ν = n − 1.</summary>
    Paired,
    /// <summary>Welch's t-test (unequal variances): t = (x̄₁ − x̄₂)/√(s₁²/n₁ + s₂²/n₂), ν by Welch–Satterthwaite.</summary>
    Welch,
}

/// <summary>
/// A difference of means between two groups of runs (a variant against the baseline over seeds), with its confidence interval
/// and a two-sided t-test — the tests suited to a handful of seeds. When both groups ran the same seeds (two or more), the
/// per-seed differences are tested (paired t-test: seed-to-seed variation that both share cancels); otherwise Welch's t-test.
/// <code>
/// paired: d_i = a_i − b_i,  Δ = d̄,  se = s_d/√n,  ν = n − 1
/// Welch:  Δ = ā − b̄,  se = √(s_a²/n_a + s_b²/n_b),  ν = se⁴ / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1))
/// t = Δ/se,  p = P(|T_ν| ≥ |t|),  CI = Δ ± t_{ν, 1−α/2}·se
/// </code>
/// With se = 0 (identical runs) the interval is the point Δ and p is 1 when Δ = 0, else 0.
/// </summary>
/// <param name="Estimate">Δ, the difference of means (first minus second).</param>
/// <param name="Low">Lower end of the confidence interval.</param>
/// <param name="High">Upper end.</param>
/// <param name="T">The t statistic.</param>
/// <param name="DegreesOfFreedom">ν.</param>
/// <param name="P">Two-sided p value.</param>
/// <param name="Test">Paired or Welch.</param>
/// <param name="Level">Confidence level of the interval (0.95).</param>
public sealed record Difference(double Estimate, double Low, double High, double T, double DegreesOfFreedom, double P, DifferenceTest Test, double Level)
{
    /// <summary>The significance level that <see cref="Significant"/> uses: 0.05.</summary>
    public const double Alpha = 0.05;

    /// <summary>True when p &lt; 0.05.</summary>
    public bool Significant => P < Alpha;

    /// <summary>Welch's t-test of <paramref name="a"/> − <paramref name="b"/> (each at least two values).</summary>
    public static Difference Welch(IReadOnlyList<double> a, IReadOnlyList<double> b, double level = 0.95)
    {
        if (a.Count < 2 || b.Count < 2) throw new ArgumentException($"Welch's t-test needs two values on each side, got {a.Count} and {b.Count}");
        double va = Variance(a) / a.Count, vb = Variance(b) / b.Count, se = Math.Sqrt(va + vb);
        double df = se == 0 ? a.Count + b.Count - 2 : (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        return Make(a.Average() - b.Average(), se, df, DifferenceTest.Welch, level);
    }

    /// <summary>The paired t-test of <paramref name="a"/>[i] − <paramref name="b"/>[i] (same length, at least two).</summary>
    public static Difference Paired(IReadOnlyList<double> a, IReadOnlyList<double> b, double level = 0.95)
    {
        if (a.Count != b.Count || a.Count < 2) throw new ArgumentException($"a paired t-test needs two or more pairs, got {a.Count} and {b.Count} values");
        var d = a.Zip(b, (x, y) => x - y).ToList();
        return Make(d.Average(), Math.Sqrt(Variance(d) / d.Count), d.Count - 1, DifferenceTest.Paired, level);
    }

    /// <summary>
    /// The difference of group <paramref name="a"/> minus group <paramref name="b"/>, each a list of (seed, value): paired when
    /// both hold the same two or more seeds once each, else Welch's when each has two or more values, else null (no test
    /// with one run on a side). NaN values are left out.
    /// </summary>
    public static Difference? Of(IReadOnlyList<(long Seed, double Value)> a, IReadOnlyList<(long Seed, double Value)> b, double level = 0.95)
    {
        var x = a.Where(v => !double.IsNaN(v.Value)).ToList();
        var y = b.Where(v => !double.IsNaN(v.Value)).ToList();
        var xs = x.Select(v => v.Seed).ToList();
        if (x.Count >= 2 && xs.Distinct().Count() == x.Count && xs.Order().SequenceEqual(y.Select(v => v.Seed).Order()))
        {
            var bySeed = y.ToDictionary(v => v.Seed, v => v.Value);
            return Paired(x.Select(v => v.Value).ToList(), x.Select(v => bySeed[v.Seed]).ToList(), level);
        }
        return x.Count >= 2 && y.Count >= 2 ? Welch(x.Select(v => v.Value).ToList(), y.Select(v => v.Value).ToList(), level) : null;
    }

    /// <summary>"+0.52 [−0.10, 1.14]" (the interval in brackets, invariant culture), with "*" after the estimate when significant.</summary>
    public string Format(string format) =>
        $"{Signed(Estimate, format)}{(Significant ? "*" : "")} [{Low.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}, " +
        $"{High.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}]";

    /// <summary>The sentence a table's note uses to say how its differences were tested.</summary>
    public static string Method(double level = 0.95) =>
        $"[low, high]: {100 * level:F0} % confidence interval of the difference; * p < {Alpha} (two-sided); paired t-test over the seeds " +
        "when both sides ran the same seeds, else Welch's t-test; no interval with fewer than two runs on a side";

    static string Signed(double v, string format) => (v >= 0 ? "+" : "") + v.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    static Difference Make(double estimate, double se, double df, DifferenceTest test, double level)
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "must be in (0, 1)");
        if (se == 0) return new Difference(estimate, estimate, estimate, estimate == 0 ? 0 : Math.Sign(estimate) * double.PositiveInfinity, df, estimate == 0 ? 1 : 0, test, level);
        double t = estimate / se, q = StudentT.Quantile(1 - (1 - level) / 2, df);
        return new Difference(estimate, estimate - q * se, estimate + q * se, t, df, StudentT.TwoSidedP(t, df), test, level);
    }

    static double Variance(IReadOnlyList<double> v)
    {
        double m = v.Average();
        return v.Sum(x => (x - m) * (x - m)) / (v.Count - 1);
    }
}
