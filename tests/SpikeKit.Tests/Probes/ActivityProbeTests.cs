using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Probes;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Probes;

public class ActivityProbeTests
{
    public ActivityProbeTests() => TorchNative.EnsureLoaded();

    static NeuronActivity Layer(string name, double[] u, long t, long b) =>
        new(name, F32(u, t, b, u.Length / (t * b)), F32(u.Select(v => v >= 0.5 ? 1.0 : 0.0).ToArray(), t, b, u.Length / (t * b)), 0.5);

    // Batch 1 (8 potentials, o = H(u − 0.5)):
    //   u    = [−2.5, −0.05, 0.2, 0.55, 0.95, 1.5, 2.5, 0.45]
    //   o    = [0,    0,     0,   1,    1,    1,   1,   0   ]          → firing rate 4/8 = 0.5
    //   c(u) = [0,    0,     0.2, 0.55, 0.95, 1,   1,   0.45]
    //   e    = |c(u) − o| = [0, 0, 0.2, 0.45, 0.05, 0, 0, 0.45]       → Σe = 1.15, mean 0.14375
    //   e²   = [0, 0, 0.04, 0.2025, 0.0025, 0, 0, 0.2025]             → Σe² = 0.4475, mean 0.0559375
    //   near 0 or 1 (±0.1): −0.05 and 0.95                           → 2/8 = 0.25
    //   mean u = 3.6/8 = 0.45
    //   histogram over [−2, 2] in 4 bins of width 1: [−2,−1): 0; [−1,0): −0.05; [0,1): 0.2, 0.55, 0.95, 0.45; [1,2]: 1.5
    //     → [0, 1, 4, 1], underflow 1 (−2.5), overflow 1 (2.5)
    static readonly double[] Batch1 = [-2.5, -0.05, 0.2, 0.55, 0.95, 1.5, 2.5, 0.45];
    // Batch 2: u = [0, 1, −1.5, 3]: o = [0, 1, 0, 1]; e = [0, 0, 0, 0]; near: 0 and 1 → 2; Σu = 2.5;
    //   bins: 0 → [0,1), 1 → [1,2], −1.5 → [−2,−1), 3 → overflow.
    static readonly double[] Batch2 = [0, 1, -1.5, 3];

    [Fact]
    public void OneBatchMatchesHandComputation()
    {
        using var scope = NewDisposeScope();
        var probe = new ActivityProbe(-2, 2, 4);
        probe.Accumulate([Layer("lif1", Batch1, 2, 2)]);
        var s = Assert.Single(probe.Snapshot());
        Assert.Equal("lif1", s.Layer);
        Assert.Equal(8, s.Count);
        Close(0.5, s.FiringRate, 1e-7, "rate");
        Close(0.14375, s.QuantizationError, 1e-7, "qe");
        Close(0.0559375, s.QuantizationErrorSquared, 1e-7, "qe²");
        Close(0.25, s.NearSpikeShare, 1e-7, "near");
        Close(0.45, s.MeanPotential, 1e-7, "mean u");
        Assert.Equal([0L, 1, 4, 1], s.Histogram);
        Assert.Equal(1, s.Underflow);
        Assert.Equal(1, s.Overflow);
        Assert.Equal(-1.0, s.BinLeft(1));
    }

    [Fact]
    public void TwoBatchesAccumulatePerLayerInFirstSeenOrder()
    {
        using var scope = NewDisposeScope();
        var probe = new ActivityProbe(-2, 2, 4);
        var other = Layer("lif0", [0.7, 0.7], 1, 1); // rate 1, e = |0.7 − 1| = 0.3
        probe.Accumulate([Layer("lif1", Batch1, 2, 2), other]);
        probe.Accumulate([Layer("lif1", Batch2, 1, 2)]);
        var stats = probe.Snapshot();
        Assert.Equal(["lif1", "lif0"], stats.Select(s => s.Layer));
        var s = stats[0];
        // Totals over 12 potentials: spikes 4 + 2 = 6; Σe = 1.15 + 0; Σe² = 0.4475 + 0; near 2 + 2; Σu = 3.6 + 2.5.
        Assert.Equal(12, s.Count);
        Close(6.0 / 12, s.FiringRate, 1e-7, "rate");
        Close(1.15 / 12, s.QuantizationError, 1e-7, "qe");
        Close(0.4475 / 12, s.QuantizationErrorSquared, 1e-7, "qe²");
        Close(4.0 / 12, s.NearSpikeShare, 1e-7, "near");
        Close(6.1 / 12, s.MeanPotential, 1e-7, "mean u");
        Assert.Equal([1L, 1, 5, 2], s.Histogram);
        Assert.Equal(1, s.Underflow);
        Assert.Equal(2, s.Overflow);
        Assert.Equal(2, stats[1].Count);
        Close(1.0, stats[1].FiringRate, 1e-7, "lif0 rate");
        Close(0.3, stats[1].QuantizationError, 1e-6, "lif0 qe");
        Close(0.09, stats[1].QuantizationErrorSquared, 1e-6, "lif0 qe²");

        probe.Reset();
        Assert.Empty(probe.Snapshot());
    }

    [Fact]
    public void ProbeReadsAGradientCarryingActivityWithoutTouchingTheGraph()
    {
        // A LIF forward with requires_grad input: accumulating must not fail nor add to the graph.
        using var scope = NewDisposeScope();
        var lif = new LifNeuron();
        var x = F32([0.6, 0.3], 2, 1, 1).requires_grad_(true);
        var o = lif.forward(x);
        var probe = new ActivityProbe();
        probe.Accumulate(SpikingLayers.Activity([("lif", (SpikingNeuron)lif)]));
        var s = Assert.Single(probe.Snapshot());
        // u_pre = (0.6, 0.3), o = (1, 0): e = (0.4, 0.3) → 0.35; rate 0.5.
        Close(0.35, s.QuantizationError, 1e-6, "qe");
        Close(0.5, s.FiringRate, 1e-7, "rate");
        o.sum().backward();
        Assert.NotNull(x.grad);
    }

    [Fact]
    public void RejectsBadHistogramSettings()
    {
        Assert.Throws<ArgumentException>(() => new ActivityProbe(1, 1, 4));
        Assert.Throws<ArgumentException>(() => new ActivityProbe(-1, 1, 0));
    }
}
