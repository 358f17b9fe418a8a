using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Neurons;

public class InflorRectifierTests
{
    public InflorRectifierTests() => TorchNative.EnsureLoaded();

    // The published MPR (k = 3, c = 1/2), written out by hand.
    static double Mpr(double u) =>
        u < 0 ? 1 - Math.Pow(1 - u, 1.0 / 3)
        : u > 1 ? Math.Pow(u, 1.0 / 3)
        : Math.Tanh(3 * (u - 0.5)) / (2 * Math.Tanh(1.5)) + 0.5;

    [Fact]
    public void DefaultIsThePublishedFormulaAndIsContinuousAndMonotone()
    {
        var r = InflorRectifier.Paper;
        foreach (var u in new[] { -3.0, -0.5, -1e-9, 0, 0.1, 0.5, 0.75, 1, 1 + 1e-9, 2, 8 })
            Close(Mpr(u), r.Apply(u), 1e-12, $"phi({u})");
        Close(0, r.Apply(0), 1e-15, "phi(0)");
        Close(1, r.Apply(1), 1e-15, "phi(1)");
        Close(0.5, r.Apply(0.5), 1e-15, "phi(1/2)");
        // Other centres stay continuous at 0 and 1 (the normalized middle branch) and increasing.
        var off = new InflorRectifier(Sharpness: 5, Centre: 0.3);
        Close(0, off.Apply(0), 1e-12, "phi_c(0)");
        Close(1, off.Apply(1), 1e-12, "phi_c(1)");
        double prev = double.NegativeInfinity;
        for (double u = -2; u <= 3; u += 0.01) { Assert.True(off.Apply(u) > prev); prev = off.Apply(u); }
    }

    [Fact]
    public void TensorFormMatchesDoubleFormAndItsGradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        double[] points = [-2.5, -0.4, -0.01, 0.02, 0.3, 0.49, 0.51, 0.8, 0.99, 1.01, 1.7, 6.0];
        foreach (var r in new[] { InflorRectifier.Paper, new InflorRectifier(2, 0.4) })
        {
            var u = F64(points, points.Length).requires_grad_(true);
            var phi = r.Apply(u);
            Close(points.Select(r.Apply).ToArray(), Values(phi), 1e-12, "phi");
            phi.sum().backward();
            const double h = 1e-6;
            var fd = points.Select(p => (r.Apply(p + h) - r.Apply(p - h)) / (2 * h)).ToArray();
            Close(fd, Values(u.grad!), 1e-6, "dphi/du vs finite differences");
            Close(points.Select(r.Derivative).ToArray(), Values(u.grad!), 1e-9, "dphi/du vs closed form");
        }
    }

    [Fact]
    public void NoNaNGradientFromUnselectedBranches()
    {
        using var scope = NewDisposeScope();
        var u = F32([-5, -1, 0, 0.5, 1, 5], 6).requires_grad_(true);
        InflorRectifier.Paper.Apply(u).sum().backward();
        Assert.All(Values(u.grad!), g => Assert.True(double.IsFinite(g) && g > 0));
    }

    [Fact]
    public void SoftResetLifWithRectifierMatchesHandComputation()
    {
        // tau 0.25, V_th 0.5, soft reset on the raw potential, o = H(phi(u_pre) − 0.5); x = 0.6, 0.3, 1.5, −0.5:
        //   t0 u_pre = 0.6                            phi = tanh(0.3)/(2 tanh 1.5) + 0.5 = 0.66092 → o = 1, u = 0.1
        //   t1 u_pre = 0.025 + 0.3 = 0.325            phi = tanh(−0.525)/(2 tanh 1.5) + 0.5 = 0.23399 → o = 0, u = 0.325
        //   t2 u_pre = 0.08125 + 1.5 = 1.58125        phi = 1.58125^(1/3) = 1.16502 → o = 1, u = 1.08125
        //   t3 u_pre = 0.2703125 − 0.5 = −0.2296875   phi = 1 − 1.2296875^(1/3) = −0.07135 → o = 0
        using var scope = NewDisposeScope();
        double d = 2 * Math.Tanh(1.5);
        double[] expected = [Math.Tanh(0.3) / d + 0.5, Math.Tanh(-0.525) / d + 0.5, Math.Cbrt(1.58125), 1 - Math.Cbrt(1.2296875)];
        foreach (var fused in new[] { true, false })
        {
            var lif = new LifNeuron(new NeuronOptions(Reset: ResetMode.Soft, Fused: fused, Rectifier: InflorRectifier.Paper));
            var o = lif.forward(F32([0.6, 0.3, 1.5, -0.5], 4, 1, 1));
            Assert.Equal([1.0, 0, 1, 0], Values(o));
            Close(expected, Values(lif.Activity!.Value.Potential), 1e-6, "recorded phi(u_pre)");
        }
        Close([0.66092, 0.23399, 1.16502, -0.07135], expected, 1e-5, "hand values");
    }

    [Fact]
    public void RectifierCanChangeWhichPotentialsFireWhenTheThresholdIsNotTheCentre()
    {
        // V_th = 0.6, one step: u = 0.57 < 0.6 would not fire, but phi(0.57) = tanh(0.21)/(2 tanh 1.5) + 0.5 = 0.6142 ≥ 0.6 fires.
        using var scope = NewDisposeScope();
        var plain = new LifNeuron(new NeuronOptions(Threshold: 0.6, Reset: ResetMode.Soft));
        var rect = new LifNeuron(new NeuronOptions(Threshold: 0.6, Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper));
        Assert.Equal([0.0], Values(plain.forward(F32([0.57], 1, 1, 1))));
        Assert.Equal([1.0], Values(rect.forward(F32([0.57], 1, 1, 1))));
    }

    [Theory]
    [InlineData(SurrogateMode.Detach)]
    [InlineData(SurrogateMode.Autograd)]
    public void SpikeGradientIsSurrogateAtRectifiedPotentialTimesRectifierSlope(SurrogateMode mode)
    {
        // One step, loss = Σ o[0]: d/dx = σ'(phi(x) − V_th)·phi'(x), phi' taken by finite differences of the hand formula.
        using var scope = NewDisposeScope();
        double[] xs = [0.3, 0.45, 0.52, 0.7, -0.1];
        var lif = new LifNeuron(new NeuronOptions(Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper, Surrogate: new TanhSurrogate { Mode = mode }));
        var x = F32(xs, 1, 1, xs.Length).requires_grad_(true);
        lif.forward(x).sum().backward();
        const double h = 1e-6;
        var expected = xs.Select(v => TanhPrime(Mpr(v) - 0.5) * (Mpr(v + h) - Mpr(v - h)) / (2 * h)).ToArray();
        Close(expected, Values(x.grad!), 1e-5, "grad");
    }

    [Theory]
    [InlineData(ResetMode.Soft)]
    [InlineData(ResetMode.Hard)]
    public void PotentialGradientsOverTimeMatchFiniteDifferences(ResetMode reset)
    {
        // With a detached reset the recorded potentials phi(u_pre[t]) are smooth in x between spike flips, so central
        // differences (float64) check the whole backward pass through time, decay and rectifier.
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x0 = randn(new long[] { 4, 2, 5 }, ScalarType.Float64).mul_(0.6).add_(0.3);
        var w = randn(new long[] { 4, 2, 5 }, ScalarType.Float64);
        var lif = new LifNeuron(new NeuronOptions(Reset: reset, DetachReset: true, Rectifier: InflorRectifier.Paper));
        double Loss(Tensor x) { using var s = NewDisposeScope(); lif.forward(x); return Scalar(lif.Activity!.Value.Potential.mul(w).sum()); }
        var x = x0.clone().requires_grad_(true);
        lif.forward(x);
        lif.Activity!.Value.Potential.mul(w).sum().backward();
        var grad = Values(x.grad!);
        var fd = FiniteDifferences.Gradient(x0, Loss);
        Close(fd, grad, 1e-5, "d loss / dx");
    }

    [Fact]
    public void RejectsBadParameters()
    {
        Assert.Throws<ArgumentException>(() => new LifNeuron(new NeuronOptions(Rectifier: new InflorRectifier(Sharpness: 0))));
        Assert.Throws<ArgumentException>(() => new LifNeuron(new NeuronOptions(Rectifier: new InflorRectifier(Centre: 1))));
    }
}
