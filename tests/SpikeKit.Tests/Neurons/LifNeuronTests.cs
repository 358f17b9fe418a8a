using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Neurons;

public class LifNeuronTests
{
    public LifNeuronTests() => TorchNative.EnsureLoaded();

    // Two neurons (B = 1, N = 2) over T = 4 steps, tau = 0.25, V_th = 0.5.
    // Input x[t] for neuron a: 0.6, 0.3, 0.4, 0.45;   neuron b: 1.2, 0.1, 0.5, -0.2.
    static readonly double[] Input = [0.6, 1.2, 0.3, 0.1, 0.4, 0.5, 0.45, -0.2]; // [T, B, N] row-major

    [Fact]
    public void HardResetMatchesHandComputation()
    {
        // Hard reset: u[t] = u_pre[t]·(1 − o[t]).
        // a: t0 u_pre = 0.6                    ≥ 0.5 → o = 1, u = 0
        //    t1 u_pre = 0.25·0     + 0.3  = 0.3      → o = 0, u = 0.3
        //    t2 u_pre = 0.25·0.3   + 0.4  = 0.475    → o = 0, u = 0.475
        //    t3 u_pre = 0.25·0.475 + 0.45 = 0.56875  → o = 1
        // b: t0 u_pre = 1.2                          → o = 1, u = 0
        //    t1 u_pre = 0          + 0.1  = 0.1      → o = 0, u = 0.1
        //    t2 u_pre = 0.025      + 0.5  = 0.525    → o = 1, u = 0
        //    t3 u_pre = 0          − 0.2  = −0.2     → o = 0
        using var scope = NewDisposeScope();
        var lif = new LifNeuron(new NeuronOptions(Tau: 0.25, Threshold: 0.5, Reset: ResetMode.Hard));
        var o = lif.forward(F32(Input, 4, 1, 2));
        Assert.Equal(new long[] { 4, 1, 2 }, o.shape);
        var act = lif.Activity!.Value;
        Close([0.6, 1.2, 0.3, 0.1, 0.475, 0.525, 0.56875, -0.2], Values(act.Potential), 1e-6, "u_pre");
        Assert.Equal([1.0, 1, 0, 0, 0, 1, 1, 0], Values(o));
        Assert.Equal(Values(o), Values(act.Spikes));
    }

    [Fact]
    public void SoftResetMatchesHandComputation()
    {
        // Soft reset: u[t] = u_pre[t] − 0.5·o[t].
        // a: t0 u_pre = 0.6                           → o = 1, u = 0.1
        //    t1 u_pre = 0.25·0.1     + 0.3  = 0.325   → o = 0, u = 0.325
        //    t2 u_pre = 0.25·0.325   + 0.4  = 0.48125 → o = 0, u = 0.48125
        //    t3 u_pre = 0.25·0.48125 + 0.45 = 0.5703125 → o = 1
        // b: t0 u_pre = 1.2                           → o = 1, u = 0.7
        //    t1 u_pre = 0.25·0.7     + 0.1  = 0.275   → o = 0, u = 0.275
        //    t2 u_pre = 0.25·0.275   + 0.5  = 0.56875 → o = 1, u = 0.06875
        //    t3 u_pre = 0.25·0.06875 − 0.2  = −0.1828125 → o = 0
        using var scope = NewDisposeScope();
        var lif = new LifNeuron(new NeuronOptions(Tau: 0.25, Threshold: 0.5, Reset: ResetMode.Soft));
        var o = lif.forward(F32(Input, 4, 1, 2));
        var act = lif.Activity!.Value;
        Close([0.6, 1.2, 0.325, 0.275, 0.48125, 0.56875, 0.5703125, -0.1828125], Values(act.Potential), 1e-6, "u_pre");
        Assert.Equal([1.0, 1, 0, 0, 0, 1, 1, 0], Values(o));
    }

    [Fact]
    public void PotentialExactlyAtThresholdFires()
    {
        // H(x) = [x ≥ 0]: u_pre = 0.5 = V_th gives a spike; 0.4999 does not.
        using var scope = NewDisposeScope();
        var lif = new LifNeuron();
        var o = lif.forward(F32([0.5, 0.4999], 1, 1, 2));
        Assert.Equal([1.0, 0.0], Values(o));
    }

    [Fact]
    public void DefaultsAreThePapersValues()
    {
        var o = new LifNeuron().Options;
        Assert.Equal(0.25, o.Tau);
        Assert.Equal(0.5, o.Threshold);
        Assert.Equal(ResetMode.Hard, o.Reset);
        Assert.False(o.DetachReset);
        Assert.IsType<TanhSurrogate>(o.SurrogateOrDefault);
    }

    [Fact]
    public void IfNeuronHardAndSoftMatchHandComputation()
    {
        // IF = LIF with tau = 1 (a tau given in the options is overridden). Input 0.3, 0.3, 0.3, 0.6; V_th = 0.5.
        // Hard: t0 0.3 → 0 (u 0.3); t1 0.6 → 1 (u 0); t2 0.3 → 0 (u 0.3); t3 0.9 → 1.
        // Soft: t0 0.3 → 0 (u 0.3); t1 0.6 → 1 (u 0.1); t2 0.4 → 0 (u 0.4); t3 1.0 → 1.
        using var scope = NewDisposeScope();
        double[] x = [0.3, 0.3, 0.3, 0.6];
        var hard = new IfNeuron(new NeuronOptions(Tau: 0.25, Reset: ResetMode.Hard));
        Assert.Equal(1.0, hard.Options.Tau);
        var oh = hard.forward(F32(x, 4, 1, 1));
        Close([0.3, 0.6, 0.3, 0.9], Values(hard.Activity!.Value.Potential), 1e-6, "IF hard u_pre");
        Assert.Equal([0.0, 1, 0, 1], Values(oh));

        var soft = new IfNeuron(new NeuronOptions(Reset: ResetMode.Soft));
        var os = soft.forward(F32(x, 4, 1, 1));
        Close([0.3, 0.6, 0.4, 1.0], Values(soft.Activity!.Value.Potential), 1e-6, "IF soft u_pre");
        Assert.Equal([0.0, 1, 0, 1], Values(os));
    }

    [Theory]
    [InlineData(ResetMode.Hard, SurrogateMode.Detach)]
    [InlineData(ResetMode.Soft, SurrogateMode.Detach)]
    [InlineData(ResetMode.Hard, SurrogateMode.Autograd)]
    [InlineData(ResetMode.Soft, SurrogateMode.Autograd)]
    public void DetachedResetChangesGradientsNotForwardValues(ResetMode reset, SurrogateMode mode)
    {
        // Two steps, x = (0.6, 0.3), loss = u_pre[1] = 0.25·u[0] + x[1], with u_pre[0] = x[0] = 0.6 → o[0] = H(0.1) = 1.
        // d loss / d x[1] = 1 in every case. d loss / d x[0] = 0.25 · du[0]/dx[0]:
        //   hard, attached:  u[0] = u_pre·(1 − o) → du/dx = (1 − o) − u_pre·σ'(0.1) = −0.6·σ'(0.1)
        //   hard, detached:  du/dx = 1 − o = 0
        //   soft, attached:  u[0] = u_pre − 0.5·o → du/dx = 1 − 0.5·σ'(0.1)
        //   soft, detached:  du/dx = 1
        // σ' = tanh surrogate: 3·(1 − tanh²(0.3)) / (2·tanh 1.5).
        double s = TanhPrime(0.1);
        double attached = reset == ResetMode.Hard ? 0.25 * (-0.6 * s) : 0.25 * (1 - 0.5 * s);
        double detached = reset == ResetMode.Hard ? 0.0 : 0.25;

        var (fwdA, gradA) = Run(false);
        var (fwdD, gradD) = Run(true);
        Assert.Equal(fwdA, fwdD);
        Close([attached, 1.0], gradA, 1e-6, "attached grad");
        Close([detached, 1.0], gradD, 1e-6, "detached grad");
        Assert.NotEqual(gradA[0], gradD[0]);

        (double[] Forward, double[] Grad) Run(bool detach)
        {
            using var scope = NewDisposeScope();
            var lif = new LifNeuron(new NeuronOptions(Reset: reset, DetachReset: detach, Surrogate: new TanhSurrogate { Mode = mode }));
            var x = F32([0.6, 0.3], 2, 1, 1).requires_grad_(true);
            var o = lif.forward(x);
            var u = lif.Activity!.Value.Potential;
            u[1].sum().backward();
            return ([.. Values(u), .. Values(o)], Values(x.grad!));
        }
    }

    [Theory]
    [InlineData(SurrogateMode.Detach)]
    [InlineData(SurrogateMode.Autograd)]
    public void GradientOfSpikesFlowsThroughSurrogateAndTime(SurrogateMode mode)
    {
        // One step back through time: x = (0.3, 0.4), hard reset, no spike at t0 (u_pre 0.3), t1: u_pre = 0.075 + 0.4 = 0.475.
        // loss = o[1] → d/dx[1] = σ'(0.475 − 0.5) = σ'(−0.025); d/dx[0] = σ'(−0.025)·0.25·du[0]/dx[0]
        // with du[0]/dx[0] = (1 − o[0]) − u_pre[0]·σ'(0.3 − 0.5) = 1 − 0.3·σ'(−0.2).
        using var scope = NewDisposeScope();
        var lif = new LifNeuron(new NeuronOptions(Surrogate: new TanhSurrogate { Mode = mode }));
        var x = F32([0.3, 0.4], 2, 1, 1).requires_grad_(true);
        var o = lif.forward(x);
        o[1].sum().backward();
        double s1 = TanhPrime(-0.025), s0 = TanhPrime(-0.2);
        Close([s1 * 0.25 * (1 - 0.3 * s0), s1], Values(x.grad!), 1e-5, "grad");
    }

    [Fact]
    public void RejectsInputWithoutTimeAndBatchDimensions()
    {
        using var scope = NewDisposeScope();
        var lif = new LifNeuron();
        var ex = Assert.Throws<ArgumentException>(() => lif.forward(F32([0.1, 0.2, 0.3], 3)));
        Assert.Contains("[T, B, ...]", ex.Message);
        Assert.Contains("[3]", ex.Message);
        Assert.Throws<ArgumentException>(() => new IfNeuron().forward(torch.tensor(0.7f)));
    }

    [Fact]
    public void RejectsInvalidOptions()
    {
        Assert.Throws<ArgumentException>(() => new LifNeuron(new NeuronOptions(Tau: 0)));
        Assert.Throws<ArgumentException>(() => new LifNeuron(new NeuronOptions(Tau: 1.5)));
        Assert.Throws<ArgumentException>(() => new LifNeuron(new NeuronOptions(Threshold: -0.5)));
    }

    [Fact]
    public void RecordActivityOffLeavesActivityNull()
    {
        using var scope = NewDisposeScope();
        var lif = new LifNeuron { RecordActivity = false };
        var o = lif.forward(F32([0.6, 0.3], 2, 1, 1));
        Assert.Null(lif.Activity);
        Assert.Equal([1.0, 0.0], Values(o));
    }
}
