using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Neurons;

/// <summary>The fused multi-step LIF kernel against the op-by-op reference path: same spikes, potentials and gradients.</summary>
public class FusedLifTests
{
    public static IEnumerable<object[]> Cases() =>
        from reset in new[] { ResetMode.Hard, ResetMode.Soft }
        from detach in new[] { false, true }
        from surrogate in Surrogate.Names
        select new object[] { reset, detach, surrogate };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedEqualsOpByOp(ResetMode reset, bool detach, string surrogate)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(3);
        // 8 timesteps, an odd neuron count (vector tail), inputs spread over [-1, 2] so neurons fire and reset often.
        var x0 = rand(8, 3, 37).mul_(3).sub_(1);
        var gOut = randn(8, 3, 37);
        var gPot = randn(8, 3, 37);
        var options = new NeuronOptions(Tau: 0.25, Threshold: 0.5, Reset: reset, DetachReset: detach, Surrogate: Surrogate.FromName(surrogate));
        (double[] S, double[] P, double[] G) Run(bool fused)
        {
            var x = x0.clone().requires_grad_(true);
            var lif = new LifNeuron(options with { Fused = fused });
            var s = lif.forward(x);
            var p = lif.Activity!.Value.Potential;
            var loss = s.mul(gOut).sum().add(p.mul(gPot).sum());
            loss.backward();
            return (TestUtil.Values(s), TestUtil.Values(p), TestUtil.Values(x.grad!));
        }
        var a = Run(fused: true);
        var b = Run(fused: false);
        Assert.Equal(b.S, a.S);
        TestUtil.Close(b.P, a.P, 1e-6, "potentials");
        CloseRelative(b.G, a.G, "input gradient");
        Assert.Contains(a.S, v => v == 1);
        Assert.Contains(a.S, v => v == 0);
    }

    /// <summary>A surrogate the kernel does not know: its derivative is evaluated by ATen before the backward loop.</summary>
    sealed record CustomSurrogate : Surrogate
    {
        public override Tensor Primitive(Tensor x) => x.mul(2.0).sigmoid_();
        public override Tensor Derivative(Tensor x)
        {
            using var s = x.mul(2.0).sigmoid_();
            return s.neg().add_(1.0).mul_(s).mul_(2.0);
        }
        public override double Derivative(double x)
        {
            double s = 1.0 / (1.0 + Math.Exp(-2.0 * x));
            return 2.0 * s * (1 - s);
        }
    }

    static (double[] S, double[] P, double[] G) RunLif(Tensor x0, Tensor gOut, Tensor? gPot, NeuronOptions options)
    {
        var x = x0.detach().requires_grad_(true);
        var lif = new LifNeuron(options) { RecordActivity = gPot is not null };
        var s = lif.forward(x);
        var loss = s.mul(gOut).sum();
        if (gPot is not null) loss = loss.add(lif.Activity!.Value.Potential.mul(gPot).sum());
        loss.backward();
        double[] p = gPot is null ? [] : TestUtil.Values(lif.Activity!.Value.Potential);
        return (TestUtil.Values(s), p, TestUtil.Values(x.grad!));
    }

    [Fact]
    public void UserDefinedSurrogateFusedEqualsOpByOp()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(6);
        var x0 = rand(6, 2, 29).mul_(3).sub_(1);
        var gOut = randn(6, 2, 29);
        var gPot = randn(6, 2, 29);
        foreach (var reset in new[] { ResetMode.Hard, ResetMode.Soft })
        {
            var o = new NeuronOptions(Reset: reset, Surrogate: new CustomSurrogate());
            var fused = RunLif(x0, gOut, gPot, o);
            var opByOp = RunLif(x0, gOut, gPot, o with { Fused = false });
            var recompute = RunLif(x0, gOut, gPot, o with { Recompute = true });
            Assert.Equal(opByOp.S, fused.S);
            CloseRelative(opByOp.G, fused.G, $"{reset} input gradient");
            Assert.Equal(fused.G, recompute.G);
        }
    }

    public static IEnumerable<object[]> RecomputeCases() =>
        from reset in new[] { ResetMode.Hard, ResetMode.Soft }
        from detach in new[] { false, true }
        from surrogate in Surrogate.Names
        from potentials in new[] { false, true }
        select new object[] { reset, detach, surrogate, potentials };

    /// <summary>Recomputing the potentials in backward gives bit-identical spikes, potentials and gradients.</summary>
    [Theory]
    [MemberData(nameof(RecomputeCases))]
    public void RecomputeGivesIdenticalGradients(ResetMode reset, bool detach, string surrogate, bool potentials)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(7);
        var x0 = rand(8, 3, 37).mul_(3).sub_(1);
        var gOut = randn(8, 3, 37);
        var gPot = potentials ? randn(8, 3, 37) : null;
        var o = new NeuronOptions(Reset: reset, DetachReset: detach, Surrogate: Surrogate.FromName(surrogate));
        var a = RunLif(x0, gOut, gPot, o);
        var b = RunLif(x0, gOut, gPot, o with { Recompute = true });
        Assert.Equal(a.S, b.S);
        Assert.Equal(a.P, b.P);
        Assert.Equal(a.G, b.G);
        var reference = RunLif(x0, gOut, gPot, o with { Fused = false });
        CloseRelative(reference.G, b.G, "recompute vs op-by-op");
    }

    /// <summary>More lanes than one block of the backward loops (512 at T = 8), so several full blocks, a part block and a
    /// scalar tail: saved-potential and recompute backward agree bit for bit and match the op-by-op path.</summary>
    [Theory]
    [InlineData("tanh")]
    [InlineData("triangle")]
    public void BackwardOverSeveralBlocksOfLanes(string surrogate)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(9);
        var x0 = rand(8, 5, 211).mul_(3).sub_(1);
        var gOut = randn(8, 5, 211);
        var gPot = randn(8, 5, 211);
        var o = new NeuronOptions(Tau: 0.25, Threshold: 0.5, Surrogate: Surrogate.FromName(surrogate));
        var saved = RunLif(x0, gOut, gPot, o);
        var recomputed = RunLif(x0, gOut, gPot, o with { Recompute = true });
        Assert.Equal(saved.G, recomputed.G);
        var reference = RunLif(x0, gOut, gPot, o with { Fused = false });
        CloseRelative(reference.G, saved.G, "fused vs op-by-op over several blocks");
    }

    /// <summary>Long T (beyond the stack buffer of the recompute path) and an input expanded over T.</summary>
    [Fact]
    public void RecomputeHandlesLongSequencesAndExpandedInput()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(8);
        var x0 = rand(300, 2, 13).mul_(0.6);
        var gOut = randn(300, 2, 13);
        var a = RunLif(x0, gOut, null, new NeuronOptions());
        var b = RunLif(x0, gOut, null, new NeuronOptions(Recompute: true));
        Assert.Equal(a.S, b.S);
        Assert.Equal(a.G, b.G);

        // Stride 0 over T: the saved input is the [B, ...] base; gradients as for the materialized input.
        var stem = rand(2, 13).mul_(0.8).requires_grad_(true);
        var g = randn(5, 2, 13);
        var grads = new List<double[]>();
        foreach (var (expanded, recompute) in new[] { (true, true), (true, false), (false, false) })
        {
            stem.grad?.zero_();
            var input = stem.unsqueeze(0).expand(5, 2, 13);
            var lif = new LifNeuron(new NeuronOptions(Recompute: recompute)) { RecordActivity = false };
            var s = lif.forward(expanded ? input : input.contiguous());
            s.mul(g).sum().backward();
            grads.Add(TestUtil.Values(stem.grad!));
        }
        Assert.Equal(grads[2], grads[0]);
        Assert.Equal(grads[2], grads[1]);
    }

    /// <summary>With activity recording off the node has no potentials output, and the gradient is unchanged.</summary>
    [Fact]
    public void WithoutActivityNoPotentialsAndSameGradient()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(9);
        var x0 = rand(4, 3, 21).mul_(2);
        var gOut = randn(4, 3, 21);
        var x = x0.detach().requires_grad_(true);
        var lif = new LifNeuron { RecordActivity = false };
        var s = lif.forward(x);
        Assert.Null(lif.Activity);
        s.mul(gOut).sum().backward();
        var withActivity = RunLif(x0, gOut, zeros(4, 3, 21), new NeuronOptions());
        Assert.Equal(withActivity.G, TestUtil.Values(x.grad!));
    }

    [Fact]
    public void ExpandedInputIsReadInPlaceWithTheSameResult()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(4);
        var x = rand(2, 5).mul_(2);
        var expanded = x.unsqueeze(0).expand(6, 2, 5);      // stride 0 over T, as the direct-encoding stem gives
        var s1 = new LifNeuron().forward(expanded);
        var s2 = new LifNeuron().forward(expanded.contiguous());
        Assert.Equal(TestUtil.Values(s2), TestUtil.Values(s1));
    }

    public static IEnumerable<object[]> RepeatCases() =>
        from reset in new[] { ResetMode.Hard, ResetMode.Soft }
        from surrogate in Surrogate.Names.Append("custom")
        from potentials in new[] { false, true }
        select new object[] { reset, surrogate, potentials };

    /// <summary>A static input repeated over T (the direct-encoding stem): the fused node takes the source [B, ...] and
    /// accumulates Σ_t ∂L/∂x[t] itself; spikes, potentials and the source's gradient equal the op-by-op path on the expansion.</summary>
    [Theory]
    [MemberData(nameof(RepeatCases))]
    public void RepeatedInputGradientIsTheSumOverTime(ResetMode reset, string surrogate, bool potentials)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(6);
        var s0 = rand(3, 37).mul_(1.5).sub_(0.2);
        var gOut = randn(5, 3, 37);
        var gPot = randn(5, 3, 37);
        var options = new NeuronOptions(Reset: reset, Surrogate: surrogate == "custom" ? new CustomSurrogate() : Surrogate.FromName(surrogate));
        (double[] S, double[]? P, double[] G) Run(bool fused)
        {
            var source = s0.clone().requires_grad_(true);
            var x = fused ? RepeatedInput.Expand(source, 5) : source.unsqueeze(0).expand(5, 3, 37);
            Assert.Equal(fused, RepeatedInput.SourceOf(x) is not null);
            var lif = new LifNeuron(options with { Fused = fused }) { RecordActivity = potentials };
            var s = lif.forward(x);
            var loss = s.mul(gOut).sum();
            double[]? p = null;
            if (potentials)
            {
                var pot = lif.Activity!.Value.Potential;
                loss = loss.add(pot.mul(gPot).sum());
                p = TestUtil.Values(pot);
            }
            loss.backward();
            return (TestUtil.Values(s), p, TestUtil.Values(source.grad!));
        }
        var a = Run(fused: true);
        var b = Run(fused: false);
        Assert.Equal(b.S, a.S);
        if (potentials) TestUtil.Close(b.P!, a.P!, 1e-6, "potentials");
        Assert.Equal(3 * 37, a.G.Length);
        CloseRelative(b.G, a.G, "source gradient", 5e-6);   // a sum of T = 5 gradients, each to 1e-6
        Assert.Contains(a.S, v => v == 1);
        Assert.Contains(a.S, v => v == 0);
    }

    [Fact]
    public void NoGradForwardMatches()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(5);
        var x = rand(4, 100).mul_(2);
        using var ng = no_grad();
        Assert.Equal(TestUtil.Values(new LifNeuron(new NeuronOptions(Fused: false)).forward(x)), TestUtil.Values(new LifNeuron().forward(x)));
    }

    public static IEnumerable<object[]> LayoutCases() =>
        from surrogate in new[] { "sigmoid", "custom" }
        from recompute in new[] { false, true }
        from repeated in new[] { false, true }
        select new object[] { surrogate, recompute, repeated };

    /// <summary>A channels-last input (each step's [B, C, H, W] with C innermost; or a channels-last source repeated over T) is
    /// read in place: spikes and potentials come out in its layout, equal to the row-major run's bitwise (the same per-element
    /// arithmetic), and the input gradient agrees to 1e-6 (an element's σ' comes from the vector or the scalar e^x depending
    /// on where the layout puts it in memory).</summary>
    [Theory]
    [MemberData(nameof(LayoutCases))]
    public void ChannelsLastInputKeepsItsLayout(string surrogate, bool recompute, bool repeated)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(9);
        long[] sample = repeated ? [2, 5, 3, 7] : [3, 2, 5, 3, 7];
        var values = rand(sample).mul_(2).sub_(0.5);
        var options = new NeuronOptions(Recompute: recompute, Surrogate: surrogate == "custom" ? new CustomSurrogate() : Surrogate.FromName(surrogate));
        var gOut = randn([3, 2, 5, 3, 7]);
        var gPot = randn([3, 2, 5, 3, 7]);
        (Tensor S, Tensor P, Tensor G) Run(bool channelsLast)
        {
            var leaf = (channelsLast ? SpikeKit.Kernels.CpuKernel.ToChannelsLast(values, (int)values.dim() - 3) : values.clone()).requires_grad_(true);
            var x = repeated ? RepeatedInput.Expand(leaf, 3) : leaf;
            var lif = new LifNeuron(options) { RecordActivity = true };
            var s = lif.forward(x);
            var p = lif.Activity!.Value.Potential;
            s.mul(gOut).sum().add(p.mul(gPot).sum()).backward();
            return (s, p, leaf.grad!);
        }
        var a = Run(channelsLast: false);
        var b = Run(channelsLast: true);
        Assert.Equal(1, b.S.stride(2));
        Assert.Equal(1, b.P.stride(2));
        Assert.Equal(TestUtil.Values(a.S), TestUtil.Values(b.S));
        Assert.Equal(TestUtil.Values(a.P), TestUtil.Values(b.P));
        CloseRelative(TestUtil.Values(a.G), TestUtil.Values(b.G), "input gradient");
        Assert.Contains(TestUtil.Values(b.S), v => v == 1);
    }

    /// <summary>Gradients agree to 1e-6 relative to their size: |a − b| ≤ 1e-6·max(1, |a|) (float32 sums over T differ in the last bits).</summary>
    static void CloseRelative(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what, double tol = 1e-6)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
