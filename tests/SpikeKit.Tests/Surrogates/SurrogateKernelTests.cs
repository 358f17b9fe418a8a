using System.Numerics;
using System.Runtime.Intrinsics;
using SpikeKit.Native;
using SpikeKit.Surrogates;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Surrogates;

/// <summary>Each built-in surrogate's fast float32 derivative (the struct the fused kernels inline) against autograd.</summary>
public class SurrogateKernelTests
{
    public SurrogateKernelTests() => TorchNative.EnsureLoaded();

    /// <summary>x = i/20 for i in [−30, 30]: every support edge below (±¼, ±½, ±¾, ±1) lies on the grid exactly, in float32 too.</summary>
    static readonly double[] Grid = Enumerable.Range(-30, 61).Select(i => i / 20.0).ToArray();

    public static TheoryData<Surrogate> BuiltIns() =>
    [
        .. Surrogate.Names.Select(Surrogate.FromName),
        new TanhSurrogate(Sharpness: 5, Width: 2), new RectangularSurrogate(0.5), new TriangleSurrogate(0.75),
        new SigmoidSurrogate(2.5), new AtanSurrogate(3),
    ];

    /// <summary>Reads a surrogate's kernel through <see cref="Surrogate.RunKernel"/>, as the fused LIF backward does.</summary>
    sealed class Evaluate(float[] points) : ISurrogateKernelRunner
    {
        public double[]? Scalar, Vectorized;

        public void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel
        {
            Scalar = points.Select((p, i) => (double)kernel.Derivative(p, i)).ToArray();
            Vectorized = new double[points.Length];
            int w = Vector<float>.Count;
            var lanes = new float[w];
            for (int i = 0; i < points.Length; i++)
            {
                // Lane 0 holds the point; the others hold neighbours, so each lane is checked in turn across the grid.
                for (int l = 0; l < w; l++) lanes[l] = points[(i + l) % points.Length];
                Vectorized[i] = kernel.Derivative(new Vector<float>(lanes), i)[0];
            }
        }
    }

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void FastDerivativeEqualsAutogradOfThePrimitive(Surrogate s)
    {
        using var scope = NewDisposeScope();
        var points = Grid.Select(x => (float)x).ToArray();
        var x = F64(points.Select(p => (double)p).ToArray(), points.Length).requires_grad_(true);
        s.Primitive(x).sum().backward();
        var autograd = Values(x.grad!);

        var eval = new Evaluate(points);
        Assert.True(s.RunKernel(eval), $"{s} has no fast derivative");
        Close(autograd, eval.Scalar!, 2e-6, $"{s} scalar kernel vs autograd of g");
        Close(autograd, eval.Vectorized!, 2e-6, $"{s} vector kernel vs autograd of g");
        Close(points.Select(p => s.Derivative((double)p)).ToArray(), eval.Scalar!, 2e-6, $"{s} scalar kernel vs Derivative(double)");
    }

    /// <summary>A second form of each surrogate's σ' against the Vector&lt;float&gt; form, bit for bit in every lane: the 512-bit
    /// form (the fused backward's σ' pass where the CPU accelerates it; <paramref name="wide"/>) or the scalar form (a loop's
    /// tail), on the grid, its neighbours one ulp either side, and 4096 random points in [−4, 4].</summary>
    sealed class CompareForms(float[] points, bool wide) : ISurrogateKernelRunner
    {
        public List<string> Mismatches { get; } = [];

        public void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel
        {
            int w = Vector<float>.Count, wideCount = Vector512<float>.Count;
            var d512 = Vector512<float>.Zero;
            for (int i = 0; i + w <= points.Length; i += w)
            {
                var d = kernel.Derivative(new Vector<float>(points.AsSpan(i, w)), i);
                if (wide && i % wideCount == 0) d512 = kernel.Derivative(Vector512.Create(points.AsSpan(i, wideCount)), i);
                for (int l = 0; l < w; l++)
                {
                    float other = wide ? d512[i % wideCount + l] : kernel.Derivative(points[i + l], i + l);
                    if (BitConverter.SingleToInt32Bits(d[l]) != BitConverter.SingleToInt32Bits(other))
                        Mismatches.Add($"x = {points[i + l]:R}: {d[l]:R} vs {other:R}");
                }
            }
        }
    }

    [TheoryWhenVector512]
    [MemberData(nameof(BuiltIns))]
    public void WideDerivativeHasTheBitsOfTheVectorDerivative(Surrogate s) => AssertFormsAgree(s, wide: true);

    /// <summary>The scalar form against the Vector&lt;float&gt; form: an element's σ' does not depend on where a chunk ends.</summary>
    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void ScalarDerivativeHasTheBitsOfTheVectorDerivative(Surrogate s) => AssertFormsAgree(s, wide: false);

    static void AssertFormsAgree(Surrogate s, bool wide)
    {
        var compare = new CompareForms([.. TestPoints()], wide);
        Assert.True(s.RunKernel(compare));
        Assert.True(compare.Mismatches.Count == 0, $"{s}: {compare.Mismatches.Count} lanes differ, e.g. {string.Join("; ", compare.Mismatches.Take(3))}");
    }

    static List<float> TestPoints()
    {
        var random = new Random(7);
        var points = Grid.Select(x => (float)x).SelectMany(p => new[] { MathF.BitDecrement(p), p, MathF.BitIncrement(p) })
            .Concat(Enumerable.Range(0, 4096).Select(_ => (float)(random.NextDouble() * 8 - 4))).ToList();
        while (points.Count % Vector512<float>.Count != 0) points.Add(0f);
        return points;
    }

    /// <summary>The tanh kernel against the exact σ' in double on 20 001 points of its support: its degree-12 polynomial for
    /// k ≤ 3 (the default among them; within 4e-7: its 2.5e-7 in z and the rounding of z = k·c/w), the exponential form for
    /// larger k, where the polynomial would not be accurate (within 1e-6: the rounding of 4e/(1 + e)² where sech² is small).</summary>
    [Theory]
    [InlineData(1.0, 1.0, true)]
    [InlineData(3.0, 1.0, true)]
    [InlineData(3.0, 0.5, true)]
    [InlineData(5.0, 2.0, false)]
    [InlineData(10.0, 1.0, false)]
    public void TanhKernelIsWithinAFewUlpOfTheExactDerivative(double sharpness, double width, bool polynomial)
    {
        var s = new TanhSurrogate(sharpness, width);
        Assert.Equal(polynomial, TanhSurrogate.Sech2.For(s) is not null);
        var points = Enumerable.Range(-10000, 20001).Select(i => (float)(width / 2 * i / 10000.0)).ToArray();
        var eval = new Evaluate(points);
        Assert.True(s.RunKernel(eval));
        double worst = 0;
        for (int i = 0; i < points.Length; i++)
        {
            double exact = s.Derivative((double)points[i]);
            worst = Math.Max(worst, Math.Abs(eval.Vectorized![i] - exact) / exact);
        }
        Assert.True(worst < (polynomial ? 4e-7 : 1e-6), $"{s}: relative error {worst:E3}");
    }

    sealed record UserSurrogate : Surrogate
    {
        public override Tensor Primitive(Tensor x) => x.sigmoid();
        public override Tensor Derivative(Tensor x) => x.sigmoid().mul(x.sigmoid().neg().add(1));
        public override double Derivative(double x) => 1 / (1 + Math.Exp(-x)) * (1 - 1 / (1 + Math.Exp(-x)));
    }

    [Fact]
    public void AUserDefinedSurrogateHasNoFastDerivative()
    {
        var eval = new Evaluate([0f]);
        Assert.False(new UserSurrogate().RunKernel(eval));
        Assert.Null(eval.Scalar);
    }
}
