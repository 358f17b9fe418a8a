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
        TestUtil.Close(b.G, a.G, 1e-5, "input gradient");
        Assert.Contains(a.S, v => v == 1);
        Assert.Contains(a.S, v => v == 0);
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
}
