using SpikeKit.Native;
using SpikeKit.Surrogates;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Surrogates;

public class SurrogateTests
{
    public SurrogateTests() => TorchNative.EnsureLoaded();

    /// <summary>Points inside and outside every support (none on a kink of a primitive).</summary>
    static readonly double[] Points = [-1.2, -0.4, -0.1, 0.0, 0.2, 0.49, 0.7];

    /// <summary>The closed-form surrogate derivatives σ'(x), written out independently of the library (default parameters).</summary>
    static double Expected(string name, double x) => name switch
    {
        // d/du of [tanh(3·(clamp(u,0,1) − ½)) + tanh 1.5] / (2·tanh 1.5) at u = x + ½: 3·(1 − tanh²(3x)) / (2·tanh 1.5) on |x| ≤ ½.
        "tanh" => Math.Abs(x) <= 0.5 ? 3 * (1 - Math.Pow(Math.Tanh(3 * x), 2)) / (2 * Math.Tanh(1.5)) : 0,
        // a = 1: 1/a inside |x| ≤ a/2.
        "rectangular" => Math.Abs(x) <= 0.5 ? 1 : 0,
        // γ = 1: max(0, γ − |x|)/γ².
        "triangle" => Math.Max(0, 1 - Math.Abs(x)),
        // α = 4: α·s·(1 − s), s = 1/(1 + e^(−αx)).
        "sigmoid" => 4 * (1 / (1 + Math.Exp(-4 * x))) * (1 - 1 / (1 + Math.Exp(-4 * x))),
        // α = 2: (α/2) / (1 + (π/2·α·x)²) = 1 / (1 + (πx)²).
        "atan" => 1 / (1 + Math.PI * x * Math.PI * x),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, SurrogateMode> AllCases()
    {
        var d = new TheoryData<string, SurrogateMode>();
        foreach (var n in Surrogate.Names)
            foreach (var m in new[] { SurrogateMode.Detach, SurrogateMode.Autograd })
                d.Add(n, m);
        return d;
    }

    public static TheoryData<string> AllNames()
    {
        var d = new TheoryData<string>();
        foreach (var n in Surrogate.Names) d.Add(n);
        return d;
    }

    static Surrogate Make(string name, SurrogateMode mode) => Surrogate.FromName(name) with { Mode = mode };

    [Fact]
    public void ExpectedTableIsRight()
    {
        // A few of the closed forms evaluated by hand, so a slip in Expected() itself is caught.
        Close(3 / (2 * Math.Tanh(1.5)), Expected("tanh", 0), 1e-15);       // 3 / (2·0.9051483) = 1.6571871
        Close(1.6571871, Expected("tanh", 0), 1e-6);
        Close(0.0, Expected("tanh", 0.7), 0);
        Close(1.0, Expected("rectangular", 0.49), 0);
        Close(0.6, Expected("triangle", -0.4), 1e-15);
        Close(1.0, Expected("sigmoid", 0), 1e-15);                          // 4·½·½
        Close(1 / (1 + 0.04 * Math.PI * Math.PI), Expected("atan", 0.2), 1e-15);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void ForwardIsExactlyHeaviside(string name, SurrogateMode mode)
    {
        using var scope = NewDisposeScope();
        var s = Make(name, mode);
        double[] xs = [.. Points, -1e-7, 1e-7, 5.0, -5.0];
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            foreach (bool grad in new[] { false, true })
            {
                var x = tensor(xs, ScalarType.Float64).to_type(dtype).requires_grad_(grad);
                var o = s.Spike(x);
                Assert.Equal(dtype, o.dtype);
                Assert.Equal(xs.Select(v => v >= 0 ? 1.0 : 0.0).ToArray(), Values(o)); // exact, no tolerance
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void GradientOfSpikeSumIsTheClosedFormDerivative(string name, SurrogateMode mode)
    {
        using var scope = NewDisposeScope();
        var s = Make(name, mode);
        var x = F64(Points, Points.Length).requires_grad_(true);
        s.Spike(x).sum().backward();
        var expected = Points.Select(p => Expected(name, p)).ToArray();
        Close(expected, Values(x.grad!), 1e-12, $"{name}/{mode} grad");
        // The library's own double-precision derivative agrees with the written-out formula.
        Close(expected, Points.Select(s.Derivative).ToArray(), 1e-12, $"{name} Derivative(double)");
        // And its tensor derivative too.
        Close(expected, Values(s.Derivative(F64(Points, Points.Length))), 1e-12, $"{name} Derivative(Tensor)");
        // Zero outside the support for the compact ones.
        if (name is "tanh" or "rectangular") Assert.Equal(0.0, Values(x.grad!)[0]);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void GradientInFloat32MatchesClosedForm(string name, SurrogateMode mode)
    {
        using var scope = NewDisposeScope();
        var s = Make(name, mode);
        var x = F32(Points, Points.Length).requires_grad_(true);
        s.Spike(x).sum().backward();
        Close(Points.Select(p => Expected(name, (float)p)).ToArray(), Values(x.grad!), 1e-5, $"{name}/{mode} f32 grad");
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void GradientIsChainedWithTheUpstreamGradient(string name, SurrogateMode mode)
    {
        // d/dx Σ w·Spike(x) = w·σ'(x).
        using var scope = NewDisposeScope();
        var s = Make(name, mode);
        var x = F64(Points, Points.Length).requires_grad_(true);
        double[] w = [1, -2, 3, 0.5, -1, 2, 4];
        s.Spike(x).mul(F64(w, w.Length)).sum().backward();
        Close(Points.Select((p, i) => w[i] * Expected(name, p)).ToArray(), Values(x.grad!), 1e-12, $"{name}/{mode}");
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void BothModesAgreeOnTheSupportEdges(string name)
    {
        // The edges of the compact supports (±½ for tanh and rectangular, ±1 for triangle): the straight-through
        // primitive (autograd of clamp) and the explicit derivative must give the same gradient there.
        using var scope = NewDisposeScope();
        double[] edges = [-1.0, -0.5, 0.5, 1.0];
        double[] Grad(SurrogateMode m)
        {
            var x = F64(edges, edges.Length).requires_grad_(true);
            Make(name, m).Spike(x).sum().backward();
            return Values(x.grad!);
        }
        var d = Grad(SurrogateMode.Detach);
        var a = Grad(SurrogateMode.Autograd);
        Close(d, a, 1e-12, $"{name} detach vs autograd at edges");
        Close(edges.Select(Surrogate.FromName(name).Derivative).ToArray(), a, 1e-12, $"{name} Derivative(double) at edges");
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void PrimitiveFiniteDifferencesMatchDerivative(string name)
    {
        // Validates the Detach-mode trick: g' must equal σ'. Central differences in float64, away from kinks.
        using var scope = NewDisposeScope();
        var s = Surrogate.FromName(name);
        const double h = 1e-6;
        double[] xs = [-1.2, -0.7, -0.4, -0.1, 0.0, 0.2, 0.3, 0.49, 0.7, 0.95, 1.5];
        var plus = Values(s.Primitive(F64(xs.Select(x => x + h).ToArray(), xs.Length)));
        var minus = Values(s.Primitive(F64(xs.Select(x => x - h).ToArray(), xs.Length)));
        var fd = xs.Select((_, i) => (plus[i] - minus[i]) / (2 * h)).ToArray();
        Close(xs.Select(x => Expected(name, x)).ToArray(), fd, 1e-6, $"{name} finite differences");
        Close(xs.Select(s.Derivative).ToArray(), fd, 1e-6, $"{name} finite differences vs Derivative");
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void PrimitiveRunsFromZeroToOne(string name)
    {
        // g(−∞) = 0 and g(+∞) = 1, i.e. the surrogate derivative integrates to 1 like the Dirac delta it replaces.
        using var scope = NewDisposeScope();
        var g = Values(Surrogate.FromName(name).Primitive(F64([-1e4, 1e4], 2)));
        Close([0.0, 1.0], g, 1e-4, $"{name} primitive limits");
    }

    [Fact]
    public void FromNameKnowsEveryNameAndRejectsOthers()
    {
        Assert.IsType<TanhSurrogate>(Surrogate.FromName("TANH"));
        Assert.IsType<RectangularSurrogate>(Surrogate.FromName("rect"));
        Assert.IsType<TriangleSurrogate>(Surrogate.FromName("triangle"));
        Assert.IsType<SigmoidSurrogate>(Surrogate.FromName("sigmoid"));
        Assert.IsType<AtanSurrogate>(Surrogate.FromName("atan"));
        var ex = Assert.Throws<ArgumentException>(() => Surrogate.FromName("relu"));
        Assert.Contains("known: tanh", ex.Message);
        Assert.Equal(SurrogateMode.Detach, Surrogate.Default.Mode);
    }
}
