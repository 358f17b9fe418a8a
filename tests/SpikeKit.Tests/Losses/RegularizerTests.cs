using SpikeKit.Losses;
using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Losses;

public class RegularizerTests
{
    public RegularizerTests() => TorchNative.EnsureLoaded();

    // The hand example: u_pre = [−0.3, 0.2, 0.6, 1.4] as [T = 2, B = 1, N = 2], spikes [0, 0, 1, 1] (= H(u − 0.5)).
    static readonly double[] U = [-0.3, 0.2, 0.6, 1.4];
    static readonly double[] O = [0, 0, 1, 1];

    static (Tensor U, NeuronActivity Layer) Layer(double[] u, double[] o, string name = "l0")
    {
        var ut = F64(u, 2, 1, 2).requires_grad_(true);
        return (ut, new NeuronActivity(name, ut, F64(o, 2, 1, 2), 0.5));
    }

    public static TheoryData<bool, DistanceKind, double, double[]> RmpCases() => new()
    {
        // clip on, squared: clip(u) = [0, 0.2, 0.6, 1]; d = clip(u) − o = [0, 0.2, −0.4, 0];
        //   L = (0 + 0.04 + 0.16 + 0)/4 = 0.05; dL/du = 2d/4 where not clipped = [0 (clipped), 0.1, −0.2, 0 (clipped)]
        { true, DistanceKind.Squared, 0.05, [0, 0.1, -0.2, 0] },
        // clip off, squared: d = [−0.3, 0.2, −0.4, 0.4]; L = (0.09 + 0.04 + 0.16 + 0.16)/4 = 0.1125; dL/du = 2d/4 = [−0.15, 0.1, −0.2, 0.2]
        { false, DistanceKind.Squared, 0.1125, [-0.15, 0.1, -0.2, 0.2] },
        // clip on, absolute: |d| = [0, 0.2, 0.4, 0]; L = 0.6/4 = 0.15; dL/du = sign(d)/4 where not clipped = [0, 0.25, −0.25, 0]
        { true, DistanceKind.Absolute, 0.15, [0, 0.25, -0.25, 0] },
        // clip off, absolute: |d| = [0.3, 0.2, 0.4, 0.4]; L = 1.3/4 = 0.325; dL/du = sign(d)/4 = [−0.25, 0.25, −0.25, 0.25]
        { false, DistanceKind.Absolute, 0.325, [-0.25, 0.25, -0.25, 0.25] },
    };

    [Theory]
    [MemberData(nameof(RmpCases))]
    public void RmpValueAndGradientMatchHandComputation(bool clip, DistanceKind distance, double value, double[] grad)
    {
        using var scope = NewDisposeScope();
        var (u, layer) = Layer(U, O);
        var loss = new RmpLoss(Clip: clip, Distance: distance).Compute([layer]);
        Close(value, Scalar(loss), 1e-12, "value");
        loss.backward();
        Close(grad, Values(u.grad!), 1e-12, "dL/du");
    }

    /// <summary>float32 potentials take the fused path (one autograd node): the same hand values.</summary>
    [Theory]
    [MemberData(nameof(RmpCases))]
    public void FusedRmpMatchesHandComputation(bool clip, DistanceKind distance, double value, double[] grad)
    {
        using var scope = NewDisposeScope();
        var u = F32(U, 2, 1, 2).requires_grad_(true);
        var layer = new NeuronActivity("l0", u, F32(O, 2, 1, 2), 0.5);
        var loss = new RmpLoss(Clip: clip, Distance: distance).Compute([layer]);
        Assert.Equal(ScalarType.Float32, loss.dtype);
        Close(value, Scalar(loss), 1e-7, "value");
        loss.backward();
        Close(grad, Values(u.grad!), 1e-7, "dL/du");
    }

    public static IEnumerable<object[]> FusedRmpCases() =>
        from clip in new[] { true, false }
        from distance in new[] { DistanceKind.Squared, DistanceKind.Absolute }
        from detach in new[] { true, false }
        select new object[] { clip, distance, detach };

    /// <summary>The fused term against the same formula written with tensor ops in float32, on many elements (vector
    /// lanes, tails, several chunks), potentials exactly on the clip bounds and differences exactly 0.</summary>
    [Theory]
    [MemberData(nameof(FusedRmpCases))]
    public void FusedRmpEqualsTensorOps(bool clip, DistanceKind distance, bool detach)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var u0 = rand(3, 5, 7013).mul_(2.4).sub_(0.7);
        u0.view(-1)[0] = 0f; u0.view(-1)[1] = 1f; u0.view(-1)[2] = 0.5f; u0.view(-1)[3] = 1f;
        var o0 = u0.ge(0.5).to_type(ScalarType.Float32);
        var rmp = new RmpLoss(Clip: clip, Distance: distance, DetachSpikes: detach);

        var u1 = u0.clone().requires_grad_(true);
        var o1 = o0.clone().requires_grad_(true);
        var fused = rmp.Compute([new NeuronActivity("l", u1, o1, 0.5)]);
        fused.mul(3.0).backward();

        var u2 = u0.clone().requires_grad_(true);
        var o2 = o0.clone().requires_grad_(true);
        var c = clip ? u2.clamp(0.0, 1.0) : u2;
        var d = c.sub(detach ? o2.detach() : o2);
        var reference = (distance == DistanceKind.Squared ? d.square() : d.abs()).mean();
        reference.mul(3.0).backward();

        Close(Scalar(reference), Scalar(fused), 1e-6 * Math.Abs(Scalar(reference)), "value");
        Assert.Equal(Values(u2.grad!), Values(u1.grad!));
        if (detach) Assert.Null(o1.grad);
        else Assert.Equal(Values(o2.grad!), Values(o1.grad!));
    }

    [Fact]
    public void RmpDefaultsAreClipSquaredAllLayersDetached()
    {
        var r = new RmpLoss();
        Assert.True(r.Clip);
        Assert.Equal((0.0, 1.0), (r.ClipMin, r.ClipMax));
        Assert.Equal(DistanceKind.Squared, r.Distance);
        Assert.True(r.DetachSpikes);
        Assert.Null(r.Layers);
        Assert.Equal("rmp", r.Name);
    }

    [Fact]
    public void RmpAveragesOverSelectedLayers()
    {
        // Layer a: the hand example, L_a = 0.05.
        // Layer b: u = [0.1, 0.9, 0.5, −1], o = [0, 1, 1, 0]: clip(u) = [0.1, 0.9, 0.5, 0], d = [0.1, −0.1, −0.5, 0],
        //          L_b = (0.01 + 0.01 + 0.25 + 0)/4 = 0.0675.
        // all: (0.05 + 0.0675)/2 = 0.05875.
        using var scope = NewDisposeScope();
        var (ua, a) = Layer(U, O, "a");
        var (ub, b) = Layer([0.1, 0.9, 0.5, -1], [0, 1, 1, 0], "b");
        NeuronActivity[] layers = [a, b];
        Close(0.05875, Scalar(new RmpLoss().Compute(layers)), 1e-12, "all");
        Close(0.05, Scalar(new RmpLoss(Layers: new LayerSelection("0")).Compute(layers)), 1e-12, "0");
        Close(0.05, Scalar(new RmpLoss(Layers: new LayerSelection("first:1")).Compute(layers)), 1e-12, "first:1");
        Close(0.0675, Scalar(new RmpLoss(Layers: new LayerSelection("last:1")).Compute(layers)), 1e-12, "last:1");
        Close(0.05875, Scalar(new RmpLoss(Layers: new LayerSelection("1, 0")).Compute(layers)), 1e-12, "1,0");
        Close(0.05875, Scalar(new RmpLoss(Layers: new LayerSelection("last:5")).Compute(layers)), 1e-12, "last:5");

        // Only layer b selected: layer a gets no gradient; b's gradient is 2d/4 = [0.05, −0.05, −0.25, 0 (clipped)].
        var onlyB = new RmpLoss(Layers: new LayerSelection("1")).Compute(layers);
        onlyB.backward();
        Assert.Null(ua.grad);
        Close([0.05, -0.05, -0.25, 0], Values(ub.grad!), 1e-12, "grad b");
        // All layers: each layer's gradient is halved by the mean over layers.
        ub.grad!.zero_();
        new RmpLoss().Compute(layers).backward();
        Close([0, 0.05, -0.1, 0], Values(ua.grad!), 1e-12, "grad a (all)");
        Close([0.025, -0.025, -0.125, 0], Values(ub.grad!), 1e-12, "grad b (all)");
    }

    [Fact]
    public void LayerSelectionRejectsBadSpecs()
    {
        using var scope = NewDisposeScope();
        var (_, a) = Layer(U, O);
        NeuronActivity[] layers = [a];
        Assert.Throws<ArgumentException>(() => new LayerSelection("1").Select(layers));
        Assert.Throws<ArgumentException>(() => new LayerSelection("first:0").Select(layers));
        Assert.Throws<ArgumentException>(() => new LayerSelection("x").Select(layers));
        Assert.Throws<ArgumentException>(() => new RmpLoss().Compute([]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RmpDetachSpikesControlsGradientThroughSurrogate(bool clip)
    {
        // Spikes come from the same u through the tanh surrogate: o = H(u − 0.5), do/du = σ'(u − 0.5).
        // x = u − 0.5 = [−0.8, −0.3, 0.1, 0.9]: σ' is non-zero only at −0.3 and 0.1.
        // L = mean (c(u) − o)²: dL/du_i = (2 d_i / 4)·(c'(u_i) − [not detached]·σ'(x_i)).
        //   clip:    d = [0, 0.2, −0.4, 0],      c' = [0, 1, 1, 0]
        //   no clip: d = [−0.3, 0.2, −0.4, 0.4], c' = [1, 1, 1, 1]
        double[] d = clip ? [0, 0.2, -0.4, 0] : [-0.3, 0.2, -0.4, 0.4];
        double[] c = clip ? [0, 1, 1, 0] : [1, 1, 1, 1];
        double[] x = [-0.8, -0.3, 0.1, 0.9];
        double[] Expected(bool detach) => d.Select((di, i) => 2 * di / 4 * (c[i] - (detach ? 0 : TanhPrime(x[i])))).ToArray();

        double[] Grad(bool detach)
        {
            using var scope = NewDisposeScope();
            var u = F64(U, 2, 1, 2).requires_grad_(true);
            var o = new TanhSurrogate().Spike(u.sub(0.5));
            Assert.Equal(O, Values(o));
            new RmpLoss(Clip: clip, DetachSpikes: detach).Compute([new NeuronActivity("l", u, o, 0.5)]).backward();
            return Values(u.grad!);
        }
        var gDetached = Grad(true);
        var gAttached = Grad(false);
        Close(Expected(true), gDetached, 1e-12, "detached");
        Close(Expected(false), gAttached, 1e-12, "attached");
        Assert.NotEqual(gDetached[1], gAttached[1]);
    }

    [Fact]
    public void RmpOnARealNeuronUsesItsPrefiringPotential()
    {
        // LIF (tau 0.25, V_th 0.5, hard) on x = (0.6, 0.3): u_pre = (0.6, 0.3), o = (1, 0);
        // clip(u) − o = (−0.4, 0.3) → L = (0.16 + 0.09)/2 = 0.125.
        using var scope = NewDisposeScope();
        var lif = new LifNeuron();
        lif.forward(F32([0.6, 0.3], 2, 1, 1));
        var layers = SpikingLayers.Activity([("lif", (SpikingNeuron)lif)]);
        Assert.Single(layers);
        Close(0.125, Scalar(new RmpLoss().Compute(layers)), 1e-6);
    }

    [Fact]
    public void ImLossMatchesHandComputation()
    {
        // Layer a fires 1 of 4 (rate 0.25), layer b fires 4 of 4 (rate 1):
        // L = ((0.25 − 0.5)² + (1 − 0.5)²)/2 = (0.0625 + 0.25)/2 = 0.15625.
        using var scope = NewDisposeScope();
        var a = new NeuronActivity("a", F64(U, 2, 1, 2), F64([0, 0, 1, 0], 2, 1, 2), 0.5);
        var b = new NeuronActivity("b", F64(U, 2, 1, 2), F64([1, 1, 1, 1], 2, 1, 2), 0.5);
        Close(0.15625, Scalar(new ImLoss().Compute([a, b])), 1e-12, "im");
        Close(0.0625, Scalar(new ImLoss(Layers: new LayerSelection("0")).Compute([a, b])), 1e-12, "im layer 0");
        // target 0.25: ((0)² + (0.75)²)/2 = 0.28125
        Close(0.28125, Scalar(new ImLoss(TargetRate: 0.25).Compute([a, b])), 1e-12, "im r*=0.25");
        Assert.Equal("im", new ImLoss().Name);
    }

    [Fact]
    public void ImLossGradientGoesToSpikes()
    {
        // L = (mean(o) − 0.5)² with mean over 4: dL/do_i = 2·(0.25 − 0.5)/4 = −0.125.
        using var scope = NewDisposeScope();
        var o = F64([0, 0, 1, 0], 2, 1, 2).requires_grad_(true);
        new ImLoss().Compute([new NeuronActivity("a", F64(U, 2, 1, 2), o, 0.5)]).backward();
        Close([-0.125, -0.125, -0.125, -0.125], Values(o.grad!), 1e-12);
    }

    [Fact]
    public void MpdLossValueAndGradientMatchHandComputation()
    {
        // Interval [0, 1]: below = relu(0 − u)² = [0.09, 0, 0, 0]; above = relu(u − 1)² = [0, 0, 0, 0.16];
        // L = 0.25/4 = 0.0625; dL/du = (−2·relu(−u) + 2·relu(u − 1))/4 = [−0.15, 0, 0, 0.2].
        using var scope = NewDisposeScope();
        var (u, layer) = Layer(U, O);
        var loss = new MpdLoss().Compute([layer]);
        Close(0.0625, Scalar(loss), 1e-12, "mpd");
        loss.backward();
        Close([-0.15, 0, 0, 0.2], Values(u.grad!), 1e-12, "mpd grad");
        // Interval [0.25, 0.75]: below = [0.55², 0.05², 0, 0], above = [0, 0, 0, 0.65²]
        // → (0.3025 + 0.0025 + 0.4225)/4 = 0.181875.
        Close(0.181875, Scalar(new MpdLoss(0.25, 0.75).Compute([layer])), 1e-12, "mpd [0.25,0.75]");
    }
}
