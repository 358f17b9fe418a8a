using System.Numerics;
using SpikeKit.Kernels;

namespace SpikeKit.Tests.Kernels;

/// <summary>The surrogate kernels' float e^x: within 2 ulp of the double-precision value, and the vector form equal to the
/// scalar form bit for bit.</summary>
public class FloatExpTests
{
    [Fact]
    public void ExpIsWithinTwoUlpOfTheDoubleValueOnItsWholeRange()
    {
        Assert.Equal(1f, FloatExp.Exp(0f));
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.0137f)
        {
            double exact = Math.Exp(x);
            float got = FloatExp.Exp(x);
            double ulp = (double)MathF.BitIncrement((float)exact) - (float)exact;
            worst = Math.Max(worst, Math.Abs(got - exact) / Math.Max(ulp, float.Epsilon));
        }
        Assert.True(worst <= 2.0, $"worst error {worst:F2} ulp");
    }

    [Fact]
    public void TheVectorFormEqualsTheScalarFormLaneByLane()
    {
        var rng = new Random(3);
        int w = Vector<float>.Count;
        var xs = new float[w];
        for (int round = 0; round < 1000; round++)
        {
            for (int i = 0; i < w; i++) xs[i] = (float)(rng.NextDouble() * 40 - 20);
            var v = FloatExp.Exp(new Vector<float>(xs));
            for (int i = 0; i < w; i++) Assert.Equal(FloatExp.Exp(xs[i]), v[i]);
        }
    }
}
