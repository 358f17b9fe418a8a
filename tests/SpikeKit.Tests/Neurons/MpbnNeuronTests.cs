using SpikeKit.Native;
using TorchSharp;
using SpikeKit.Neurons;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Neurons;

public class MpbnNeuronTests
{
    public MpbnNeuronTests() => TorchNative.EnsureLoaded();

    static void SetBn(MpbnNeuron n, double[] gamma, double[] beta, double[]? mean = null, double[]? variance = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        n.Weight.copy_(F32(gamma, gamma.Length));
        n.Bias.copy_(F32(beta, beta.Length));
        if (mean is not null) n.RunningMean.copy_(F32(mean, mean.Length));
        if (variance is not null) n.RunningVar.copy_(F32(variance, variance.Length));
    }

    [Fact]
    public void TrainingFormMatchesHandComputationWithPerTimestepStatistics()
    {
        // B = 3, C = 1, T = 2, tau 0.25, V_th 0.5, hard reset of the raw potential, gamma = 2, beta = 0.1, eps = 1e-5.
        //   t0 u_pre = (0, 1, 2):    mean 1, biased var 2/3 → u~ = 2·(u − 1)/√(2/3 + ε) + 0.1 = (−2.349, 0.1, 2.549) → o = (0, 0, 1)
        //      raw reset → u = (0, 1, 0)
        //   t1 u_pre = 0.25·u + (1, 0, 0.5) = (1, 0.25, 0.5): mean 0.583333, biased var 0.0972222
        //      u~ = 2·(u − 0.583333)/√(0.0972222 + ε) + 0.1 = (2.7726, −2.0380, −0.4345) → o = (1, 0, 0)
        //   running mean 0.9·(0.9·0 + 0.1·1) + 0.1·0.583333 = 0.148333
        //   running var (unbiased) 0.9·(0.9·1 + 0.1·1) + 0.1·(1.5·0.0972222) = 0.914583
        using var scope = NewDisposeScope();
        var n = new MpbnNeuron(1);
        SetBn(n, [2.0], [0.1]);
        n.train();
        var o = n.forward(F32([0, 1, 2, 1, 0, 0.5], 2, 3, 1));
        Assert.Equal([0.0, 0, 1, 1, 0, 0], Values(o));
        double s0 = Math.Sqrt(2.0 / 3 + 1e-5), m1 = 1.75 / 3, v1 = (Math.Pow(1 - m1, 2) + Math.Pow(0.25 - m1, 2) + Math.Pow(0.5 - m1, 2)) / 3, s1 = Math.Sqrt(v1 + 1e-5);
        double[] expected = [2 * -1 / s0 + 0.1, 0.1, 2 * 1 / s0 + 0.1, 2 * (1 - m1) / s1 + 0.1, 2 * (0.25 - m1) / s1 + 0.1, 2 * (0.5 - m1) / s1 + 0.1];
        Close(expected, Values(n.Activity!.Value.Potential), 1e-5, "normalized potential");
        Close([-2.349, 0.1, 2.549, 2.7726, -2.0380, -0.4345], expected, 1e-3, "hand values");
        Close([0.148333], Values(n.RunningMean), 1e-6, "running mean");
        Close([0.914583], Values(n.RunningVar), 1e-6, "running var");
    }

    [Fact]
    public void EvalFormAndItsFoldMatchHandComputation()
    {
        // Running mean 0.2, running var 0.25, gamma 2, beta 0.1: a = 2/√(0.25 + ε) = 3.99992, b = 0.1 − 0.2·a = −0.699984,
        // so u~ = a·u + b fires for u ≥ (0.5 − b)/a = 0.2 + 0.4/a = 0.2 + 0.2·√0.25001 = 0.300002 (the folded threshold).
        // x = 0.35, 0.2, 0.1:
        //   t0 u = 0.35 → u~ = 0.70 → o = 1, u = 0;  t1 u = 0.2 → u~ = 0.10 → 0;  t2 u = 0.05 + 0.1 = 0.15 → u~ = −0.10 → 0.
        using var scope = NewDisposeScope();
        var n = new MpbnNeuron(1);
        SetBn(n, [2.0], [0.1], [0.2], [0.25]);
        n.eval();
        var o = n.forward(F32([0.35, 0.2, 0.1], 3, 1, 1));
        Assert.Equal([1.0, 0, 0], Values(o));
        Close([0.70, 0.10, -0.10], Values(n.Activity!.Value.Potential), 1e-4, "u~");
        n.Fold();
        Assert.True(n.IsFolded);
        Close(0.300002, n.FoldedThreshold!.Single(), 1e-6, "theta");
        Assert.Equal([1f], n.FoldedSign!);
        Assert.Equal([1.0, 0, 0], Values(n.forward(F32([0.35, 0.2, 0.1], 3, 1, 1))));
        Close([0.70, 0.10, -0.10], Values(n.Activity!.Value.Potential), 1e-4, "u~ recorded by the folded form");
        n.Unfold();
        Assert.False(n.IsFolded);
    }

    [Fact]
    public void FoldGivesBitIdenticalSpikesOnAGridAroundEveryThresholdIncludingNegativeAndZeroGamma()
    {
        using var scope = NewDisposeScope();
        var n = new MpbnNeuron(4);
        SetBn(n, [1.5, -0.7, 0.0, 2.0], [0.2, -0.1, 0.7, 0.0], [0.1, -0.3, 0.5, 1.0], [0.5, 2.0, 1.0, 0.01]);
        n.eval();
        var folded = new MpbnNeuron(4);
        folded.load_state_dict(n.state_dict());
        folded.eval();
        folded.Fold();
        var theta = folded.FoldedThreshold!;
        Assert.Equal([1f, -1f, 1f, 1f], folded.FoldedSign!);
        Assert.Equal(float.NegativeInfinity, theta[2]); // gamma = 0, beta = 0.7 ≥ V_th: fires always
        // theta is within float rounding of the real-number fold (V_th − b)/a, b = beta − mean·a, a = gamma/√(var + ε).
        for (int c = 0; c < 4; c++)
        {
            if (c == 2) continue;
            double g = new[] { 1.5, -0.7, 0, 2.0 }[c], be = new[] { 0.2, -0.1, 0.7, 0 }[c], mu = new[] { 0.1, -0.3, 0.5, 1.0 }[c], va = new[] { 0.5, 2.0, 1.0, 0.01 }[c];
            double a = g / Math.Sqrt(va + 1e-5), b = be - mu * a;
            Close((0.5 - b) / a, theta[c], 1e-5, $"theta[{c}]");
        }
        // Rows: every channel's threshold ± up to 40 ulps, then a uniform grid and wide values; column c is channel c.
        var rows = new List<float[]>();
        for (int k = -40; k <= 40; k++)
            rows.Add(Enumerable.Range(0, 4).Select(c => Ulps(float.IsFinite(theta[c]) ? theta[c] : 0.5f, k)).ToArray());
        for (int i = 0; i <= 4000; i++) { float v = -4f + 8f * i / 4000; rows.Add([v, v, v, v]); }
        foreach (var v in new[] { -1e30f, -3e5f, -1e-38f, -0f, 0f, 1e-38f, 7e4f, 1e30f }) rows.Add([v, v, v, v]);
        var x = tensor(rows.SelectMany(r => r).ToArray(), [1, rows.Count, 4]);
        var expected = Values(n.forward(x));
        var actual = Values(folded.forward(x));
        Assert.Equal(expected, actual);
        // The boundary really is there: channel 0 fires from theta on, channel 1 (gamma < 0) up to theta.
        Assert.Equal([0.0, 1, 1], FirstSteps(n, theta[0], 0));
        Assert.Equal([1.0, 1, 0], FirstSteps(n, theta[1], 1));
    }

    /// <summary>Spikes of channel <paramref name="c"/> at one step for θ − 1 ulp, θ and θ + 1 ulp (batch of 3).</summary>
    static double[] FirstSteps(MpbnNeuron n, float theta, int c)
    {
        using var scope = NewDisposeScope();
        var rows = new[] { Ulps(theta, -1), theta, Ulps(theta, 1) }.SelectMany(v => Enumerable.Repeat(v, 4)).ToArray();
        var spikes = Values(n.forward(tensor(rows, [1, 3, 4])));
        return [spikes[c], spikes[4 + c], spikes[8 + c]];
    }

    static float Ulps(float v, int k)
    {
        for (int i = 0; i < Math.Abs(k); i++) v = k > 0 ? MathF.BitIncrement(v) : MathF.BitDecrement(v);
        return v;
    }

    [Fact]
    public void FoldGivesBitIdenticalSpikeTrainsOverTimeWithEitherReset()
    {
        foreach (var reset in Enum.GetValues<ResetMode>())
        {
            using var scope = NewDisposeScope();
            manual_seed(11);
            var o = new NeuronOptions(Reset: reset);
            var n = new MpbnNeuron(6, o);
            var x = randn(new long[] { 8, 64, 6, 3, 3 });
            n.train();
            n.forward(x); // running statistics from a batch
            SetBn(n, Values(randn(6)), Values(randn(6).mul(0.3)));
            n.eval();
            var expected = Values(n.forward(x));
            var potentials = Values(n.Activity!.Value.Potential);
            n.Fold();
            Assert.Contains(-1f, n.FoldedSign!);
            Assert.Equal(expected, Values(n.forward(x)));
            Assert.Equal(potentials, Values(n.Activity!.Value.Potential));
            n.RecordActivity = false;
            Assert.Equal(expected, Values(n.forward(x)));
            Assert.Null(n.Activity);
        }
    }

    [Fact]
    public void PotentialAndParameterGradientsMatchFiniteDifferences()
    {
        // Training form, float64, detached reset: the recorded u~ is smooth in x and gamma between spike flips.
        using var scope = NewDisposeScope();
        manual_seed(5);
        var n = new MpbnNeuron(2, new NeuronOptions(DetachReset: true));
        n.to(ScalarType.Float64);
        n.train();
        long[] shape = [3, 4, 2];
        var x0 = randn(shape, ScalarType.Float64).mul_(0.8).add_(0.3);
        var w = randn(shape, ScalarType.Float64);
        double Loss(Tensor x) { using var s = NewDisposeScope(); n.forward(x); return Scalar(n.Activity!.Value.Potential.mul(w).sum()); }
        var x = x0.clone().requires_grad_(true);
        n.forward(x);
        n.Activity!.Value.Potential.mul(w).sum().backward();
        var gx = Values(x.grad!);
        var gGamma = Values(n.Weight.grad!);
        var gBeta = Values(n.Bias.grad!);
        const double h = 1e-6;
        var fd = FiniteDifferences.Gradient(x0, Loss, h);
        Close(fd, gx, 1e-5, "d loss / dx");
        Close(ParameterFd(n.Weight), gGamma, 1e-5, "d loss / d gamma");
        Close(ParameterFd(n.Bias), gBeta, 1e-5, "d loss / d beta");

        double[] ParameterFd(TorchSharp.Modules.Parameter p)
        {
            var result = new double[2];
            for (int c = 0; c < 2; c++)
            {
                double Shifted(double d) { using (no_grad()) p[c].add_(d); var l = Loss(x0); using (no_grad()) p[c].sub_(d); return l; }
                result[c] = (Shifted(h) - Shifted(-h)) / (2 * h);
            }
            return result;
        }
    }

    [Fact]
    public void RunsOpByOpAndRefusesWhatItCannotDo()
    {
        using var scope = NewDisposeScope();
        var n = new MpbnNeuron(3);
        Assert.Throws<ArgumentException>(() => n.forward(zeros(2, 4, 5)));
        n.eval();
        n.Fold();
        n.train();
        Assert.Throws<InvalidOperationException>(() => n.forward(zeros(2, 4, 3)));
        var r = new MpbnNeuron(3, new NeuronOptions(Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper));
        r.eval();
        Assert.Throws<NotSupportedException>(() => r.Fold());
        Assert.Throws<ArgumentException>(() => new MpbnNeuron(0));
    }

    [Fact]
    public void WithRectifierFiresOnTheRectifiedNormalizedPotential()
    {
        // Eval, running mean 0, var 1 − ε (a = 1, b = 0 up to rounding), gamma 1, beta 0.6, V_th 0.7: u = 0.05 → u~ = 0.65,
        // phi(0.65) = tanh(0.45)/(2 tanh 1.5) + 0.5 = 0.7323 ≥ 0.7 → fires (without the rectifier 0.65 < 0.7 would not).
        using var scope = NewDisposeScope();
        var n = new MpbnNeuron(1, new NeuronOptions(Threshold: 0.7, Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper));
        SetBn(n, [1.0], [0.6], [0.0], [1 - 1e-5]);
        n.eval();
        Assert.Equal([1.0], Values(n.forward(F32([0.05], 1, 1, 1))));
        Close(Math.Tanh(0.45) / (2 * Math.Tanh(1.5)) + 0.5, Values(n.Activity!.Value.Potential).Single(), 1e-5, "phi(u~)");
    }
}
