using System.Numerics;
using System.Runtime.Intrinsics;
using SpikeKit.Kernels;

namespace SpikeKit.Tests.Kernels;

/// <summary><see cref="FloatExp"/>: accuracy against double-precision e^x, the same bits in every width, clamping.</summary>
public class FloatExpTests
{
    /// <summary>Every float in [−86, 88] at a step of 1/4096 (720 897 points), plus each multiple of ln 2/2 (where the
    /// reduction's rounding of n changes) and its float neighbours.</summary>
    static float[] Points()
    {
        var points = new List<float>();
        for (int i = -86 * 4096; i <= 88 * 4096; i++) points.Add(i / 4096f);
        for (int j = -248; j <= 253; j++)
        {
            float p = (float)(j * Math.Log(2) / 2);
            points.AddRange([MathF.BitDecrement(p), p, MathF.BitIncrement(p)]);
        }
        while (points.Count % Vector512<float>.Count != 0) points.Add(0f);
        return [.. points];
    }

    [Fact]
    public void RelativeErrorIsAboutOneUlp()
    {
        double worst = 0;
        float at = 0;
        foreach (float x in Points())
        {
            double exact = Math.Exp(x), e = FloatExp.Of(x);
            double rel = Math.Abs(e - exact) / exact;
            if (rel > worst) { worst = rel; at = x; }
        }
        // One float ulp is 2^-23 ≈ 1.19e-7 relative at most; a correctly rounded e^x is within half of it.
        Assert.True(worst < 1.5e-7, $"relative error {worst:E3} at x = {at:R}");
    }

    [Fact]
    public void EveryWidthGivesTheBitsOfTheScalarForm()
    {
        var points = Points();
        int w = Vector<float>.Count, wide = Vector512<float>.Count, mismatches = 0;
        string first = "";
        for (int i = 0; i < points.Length; i += wide)
        {
            var d512 = FloatExp.Of(Vector512.Create(points.AsSpan(i, wide)));
            for (int j = 0; j < wide; j += w)
            {
                var d = FloatExp.Of(new Vector<float>(points.AsSpan(i + j, w)));
                for (int l = 0; l < w; l++)
                {
                    int s = BitConverter.SingleToInt32Bits(FloatExp.Of(points[i + j + l]));
                    if (s != BitConverter.SingleToInt32Bits(d[l]) || s != BitConverter.SingleToInt32Bits(d512[j + l]))
                    {
                        if (mismatches++ == 0) first = $"x = {points[i + j + l]:R}: scalar {FloatExp.Of(points[i + j + l]):R}, vector {d[l]:R}, 512-bit {d512[j + l]:R}";
                    }
                }
            }
        }
        Assert.True(mismatches == 0, $"{mismatches} lanes differ, first {first}");
    }

    [Fact]
    public void ExactPointsAndClamping()
    {
        Assert.Equal(1f, FloatExp.Of(0f));
        Assert.Equal(2f, FloatExp.Of(MathF.Log(2f)), 6);
        // Outside [−86, 88] the argument is clamped: finite, normal, never 0 or infinity.
        Assert.Equal(FloatExp.Of(-86f), FloatExp.Of(-1000f));
        Assert.Equal(FloatExp.Of(88f), FloatExp.Of(1000f));
        Assert.True(float.IsNormal(FloatExp.Of(-1000f)) && float.IsNormal(FloatExp.Of(1000f)));
        Assert.Equal(Math.Exp(88), FloatExp.Of(88f), Math.Exp(88) * 1.5e-7);
        Assert.Equal(Math.Exp(-86), FloatExp.Of(-86f), Math.Exp(-86) * 1.5e-7);
    }
}
