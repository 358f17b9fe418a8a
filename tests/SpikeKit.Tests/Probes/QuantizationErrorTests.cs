using SpikeKit.Losses;
using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Probes;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Probes;

public class QuantizationErrorTests
{
    public QuantizationErrorTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void ErrorIsTheGapBetweenTheClippedPotentialAndTheSpike()
    {
        var q = QuantizationError.Paper;
        Assert.Equal((0.0, 1.0, 0.1), (q.Low, q.High, q.NearTolerance));
        // e = |clip(u, 0, 1) − o|.
        Close(0.0, q.Error(-3f, 0f), 0, "far below, silent");           // clip → 0
        Close(1.0, q.Error(-3f, 1f), 0, "far below, spiked");           // |0 − 1|
        Close(0.0, q.Error(2.5f, 1f), 0, "far above, spiked");          // clip → 1
        Close(1.0, q.Error(2.5f, 0f), 0, "far above, silent");          // |1 − 0|
        Close(0.3, q.Error(0.3f, 0f), 1e-7, "inside, silent");
        Close(0.4, q.Error(0.6f, 1f), 1e-7, "inside, spiked");
        Close(0.0, q.Error(1f, 1f), 0, "on the bound");
    }

    [Fact]
    public void CustomBoundsClipThere()
    {
        var q = new QuantizationError(Low: -0.5, High: 1.5);
        Close(0.5, q.Error(-3f, 0f), 0, "clip → −0.5");                  // |−0.5 − 0|
        Close(0.5, q.Error(2.5f, 1f), 0, "clip → 1.5");                  // |1.5 − 1|
        Close(1.2, q.Error(-0.2f, 1f), 1e-7, "inside");                  // |−0.2 − 1|
        var open = new QuantizationError(double.NegativeInfinity, double.PositiveInfinity);
        Close(3.0, open.Error(-3f, 0f), 0, "no clip");
        Close(1.5, open.Error(2.5f, 1f), 0, "no clip");
    }

    [Fact]
    public void NearSpikeIsWithinTheToleranceOfZeroOrOne()
    {
        var q = QuantizationError.Paper;
        Assert.True(q.IsNearSpike(0.05f));
        Assert.True(q.IsNearSpike(-0.1f));
        Assert.True(q.IsNearSpike(1.08f));
        Assert.False(q.IsNearSpike(0.5f));
        Assert.False(q.IsNearSpike(-0.2f));
        Assert.False(q.IsNearSpike(1.2f));
        Assert.True((q with { NearTolerance = 0.25 }).IsNearSpike(1.2f));
    }

    [Fact]
    public void ForRmpLossTakesItsClipBoundsAndAlwaysClips()
    {
        Assert.Equal(QuantizationError.Paper, QuantizationError.For(new RmpLoss()));
        Assert.Equal(new QuantizationError(-0.25, 1.25), QuantizationError.For(new RmpLoss(ClipMin: -0.25, ClipMax: 1.25)));
        // The loss without clipping: the metric is still defined on the clipped potential.
        Assert.Equal(QuantizationError.Paper, QuantizationError.For(new RmpLoss(Clip: false)));
    }

    [Fact]
    public void TheProbeMeasuresWithItsSettings()
    {
        // u = [−1, 0.3, 0.8, 2], o = [0, 0, 1, 1].
        //   [0, 1]:      clip = [0, 0.3, 0.8, 1]      e = [0, 0.3, 0.2, 0]   → mean 0.125, e² mean (0.09 + 0.04)/4 = 0.0325
        //   [−0.5, 1.5]: clip = [−0.5, 0.3, 0.8, 1.5] e = [0.5, 0.3, 0.2, 0.5] → mean 0.375, e² mean (0.25 + 0.09 + 0.04 + 0.25)/4 = 0.1575
        //   near (0.25): 0.8 → 1/4
        using var scope = NewDisposeScope();
        double[] u = [-1, 0.3, 0.8, 2];
        var layer = new NeuronActivity("lif", F32(u, 1, 1, 4), F32([0, 0, 1, 1], 1, 1, 4), 0.5);

        var paper = new ActivityProbe();
        paper.Accumulate([layer]);
        var s = Assert.Single(paper.Snapshot());
        Close(0.125, s.QuantizationError, 1e-7, "qe [0, 1]");
        Close(0.0325, s.QuantizationErrorSquared, 1e-7, "qe² [0, 1]");
        Close(0.0, s.NearSpikeShare, 0, "near 0.1");

        var wide = new ActivityProbe(quantization: new QuantizationError(-0.5, 1.5, NearTolerance: 0.25));
        wide.Accumulate([layer]);
        s = Assert.Single(wide.Snapshot());
        Close(0.375, s.QuantizationError, 1e-7, "qe [−0.5, 1.5]");
        Close(0.1575, s.QuantizationErrorSquared, 1e-7, "qe² [−0.5, 1.5]");
        Close(0.25, s.NearSpikeShare, 0, "near 0.25");
    }

    [Fact]
    public void TheProbeRejectsBadSettings()
    {
        Assert.Throws<ArgumentException>(() => new ActivityProbe(quantization: new QuantizationError(1, 1)));
        Assert.Throws<ArgumentException>(() => new ActivityProbe(quantization: new QuantizationError(1, 0)));
        Assert.Throws<ArgumentException>(() => new ActivityProbe(quantization: new QuantizationError(NearTolerance: -0.1)));
        Assert.Same(QuantizationError.Paper, new ActivityProbe().Quantization);
    }
}
