using SpikeKit.Reporting.Statistics;

namespace SpikeKit.Reporting.Tests;

/// <summary>The t distribution and the two tests on examples whose values were computed independently (SciPy 1.10:
/// <c>scipy.stats.t</c>, <c>ttest_ind(equal_var=False)</c>, <c>ttest_rel</c>) and by hand.</summary>
public class StatisticsTests
{
    [Fact]
    public void StudentTMatchesKnownValues()
    {
        Assert.Equal(0.8847080673775886, StudentT.Cdf(1.5, 3), 10);
        Assert.Equal(1 - 0.8847080673775886, StudentT.Cdf(-1.5, 3), 10);
        Assert.Equal(0.5, StudentT.Cdf(0, 7), 14);
        Assert.Equal(12.706204736432095, StudentT.Quantile(0.975, 1), 8);  // the textbook t_{0.975, 1}
        Assert.Equal(3.5746548420118773, StudentT.Quantile(0.975, 2.5), 8);
        Assert.Equal(2.139420289077282e-05, StudentT.TwoSidedP(10, 7), 12);
        // ν = 1 is the Cauchy distribution: F(t) = ½ + atan(t)/π.
        Assert.Equal(0.5 + Math.Atan(2.0) / Math.PI, StudentT.Cdf(2, 1), 12);
        Assert.Equal(Math.Log(24), StudentT.LogGamma(5), 12);
    }

    [Fact]
    public void WelchsTestOfAKnownExample()
    {
        // x = 1..5 (mean 3, s² 2.5), y = 2·x (mean 6, s² 10): se = √(2.5/5 + 10/5) = √2.5, t = −3/√2.5 = −1.8974,
        // ν = 2.5² / (0.5²/4 + 2²/4) = 100/17 = 5.8824.
        var d = Difference.Welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
        Assert.Equal(DifferenceTest.Welch, d.Test);
        Assert.Equal(-3.0, d.Estimate, 14);
        Assert.Equal(-3 / Math.Sqrt(2.5), d.T, 12);
        Assert.Equal(100.0 / 17, d.DegreesOfFreedom, 12);
        Assert.Equal(0.10753119493062718, d.P, 10);
        Assert.Equal(-6.887741639292813, d.Low, 8);
        Assert.Equal(0.8877416392928126, d.High, 8);
        Assert.False(d.Significant);
        Assert.Equal("-3.00 [-6.89, 0.89]", d.Format("F2"));
    }

    [Fact]
    public void PairedTestOfKnownSeeds()
    {
        double[] a = [90.1, 90.5, 89.8, 90.9, 90.3], b = [89.7, 90.2, 89.9, 90.1, 89.6];
        var d = Difference.Paired(a, b);
        Assert.Equal(DifferenceTest.Paired, d.Test);
        Assert.Equal(0.42, d.Estimate, 12);
        Assert.Equal(2.6353143815802067, d.T, 10);
        Assert.Equal(4, d.DegreesOfFreedom);
        Assert.Equal(0.05786333524177064, d.P, 10);
        Assert.Equal(-0.022492536121570983, d.Low, 8);
        Assert.Equal(0.8624925361215687, d.High, 8);
        // Of() pairs by seed whatever the order, and tests these seeds' differences.
        var bySeed = Difference.Of([(4, a[4]), (0, a[0]), (1, a[1]), (2, a[2]), (3, a[3])], b.Select((v, i) => ((long)i, v)).ToList())!;
        Assert.Equal(DifferenceTest.Paired, bySeed.Test);
        Assert.Equal(d.P, bySeed.P, 14);
    }

    [Fact]
    public void OfFallsBackToWelchAndRefusesSingleRuns()
    {
        var welch = Difference.Of([(0, 89.5), (1, 90.5)], [(0, 88.0), (1, 89.0), (2, 90.0)])!;
        Assert.Equal(DifferenceTest.Welch, welch.Test);
        Assert.Equal(0.28502284001427436, welch.P, 10);
        Assert.Equal(2.8823529411764697, welch.DegreesOfFreedom, 10);
        Assert.Null(Difference.Of([(0, 1.0)], [(0, 2.0), (1, 3.0)]));
        var same = Difference.Of([(0, 1.0), (1, 2.0)], [(0, 1.0), (1, 2.0)])!;
        Assert.Equal((0.0, 0.0, 1.0), (same.Low, same.High, same.P)); // identical runs: no difference, p = 1
        var shifted = Difference.Paired([2, 3], [1, 2]);            // every seed +1: zero spread
        Assert.Equal((1.0, 1.0, 0.0), (shifted.Low, shifted.High, shifted.P));
        Assert.True(shifted.Significant);
        Assert.Equal("+1.0000* [1.0000, 1.0000]", shifted.Format("F4"));
    }
}
