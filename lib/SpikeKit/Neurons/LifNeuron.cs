using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// Multi-step leaky integrate-and-fire neuron (direct, iterative form of the RMP-Loss group's code):
/// <code>
/// u_pre[t] = τ·u[t−1] + x[t]            (u[−1] = 0)
/// o[t]     = H(u_pre[t] − V_th)          (surrogate gradient in backward)
/// u[t]     = u_pre[t]·(1 − o[t])         (hard reset)   or   u_pre[t] − V_th·o[t]   (soft reset)
/// </code>
/// Input and output are <c>[T, B, ...]</c>. Defaults τ = 0.25, V_th = 0.5, hard reset (Guo et al., ICCV 2023).
/// On CPU float32 input the fused kernel (<see cref="NeuronOptions.Fused"/>) runs all T steps as one autograd node;
/// otherwise, or with <c>Fused = false</c>, the op-by-op path below runs (the reference the fused kernel is tested against).
/// With InfLoR-SNN's rectifier (<see cref="NeuronOptions.Rectifier"/>) the op-by-op path always runs and fires on
/// <c>H(φ(u_pre[t]) − V_th)</c>; the recorded potential is then <c>φ(u_pre)</c> (see <see cref="InflorRectifier"/>).
/// </summary>
public class LifNeuron : SpikingNeuron
{
    /// <summary>Creates a LIF neuron; <paramref name="options"/> null means the paper's defaults.</summary>
    public LifNeuron(NeuronOptions? options = null, string name = "lif") : base(name, options ?? new NeuronOptions()) { }

    /// <summary>True when this neuron may run the fused kernel: <see cref="NeuronOptions.Fused"/> and no rectifier (the
    /// kernel computes only <c>H(u_pre − V_th)</c>); neurons with more inside the time loop (MPBN) return false.</summary>
    protected virtual bool CanFuse => Options.Fused && Options.Rectifier is null;

    /// <summary>
    /// The firing decision of one timestep in the op-by-op path: from the raw pre-firing potential <paramref name="pre"/>
    /// (<c>[B, ...]</c>), the potential to record for losses and probes (null: record nothing) and the centred potential
    /// whose Heaviside step is the spike. Here: <c>v = φ(u_pre)</c> with the rectifier, else <c>u_pre</c>; centred
    /// <c>v − V_th</c>. The reset always acts on <paramref name="pre"/>.
    /// </summary>
    protected virtual (Tensor? Recorded, Tensor Centred) Fire(Tensor pre)
    {
        var v = Rectify(pre);
        return (v, v.sub(Options.Threshold));
    }

    /// <summary><c>φ(v)</c> with the rectifier of the options, else an alias of <paramref name="v"/>.</summary>
    protected Tensor Rectify(Tensor v) => Options.Rectifier is { } r ? r.Apply(v) : v.alias();

    /// <summary>
    /// <c>forward(a·x + shift)</c>, or <c>forward(a·x + shift + residual)</c>, without gradient and without recording activity,
    /// the affine map (an evaluation-mode norm) and the add read inside the fused kernel (<see cref="FusedLif.ForwardAffine"/>):
    /// the same spikes as the norm, the add and this neuron one after the other. Null where it does not apply (the caller
    /// runs them one after the other).
    /// </summary>
    internal Tensor? ForwardAffine(Tensor x, (float[] A, float[] Shift) affine, Tensor? residual)
    {
        if (!CanFuse || RecordActivity || is_grad_enabled() || !FusedLif.Supports(x)) return null;
        var spikes = FusedLif.ForwardAffine(x, affine.A, affine.Shift, residual, Options);
        if (spikes is not null) ClearActivity();
        return spikes;
    }

    /// <summary>
    /// <c>AveragePool(k)(forward(x))</c> as one fused node that never stores the spikes (<see cref="FusedLif.ForwardPooled"/>),
    /// when this neuron runs the fused kernel with a built-in surrogate, records no activity and <paramref name="x"/> is
    /// <c>[T, B, C, H, W]</c> on the CPU in float32; null otherwise (then run the neuron and the pooling one after the other).
    /// </summary>
    internal Tensor? ForwardPooled(Tensor x, int k)
    {
        if (!CanFuse || RecordActivity || !FusedLif.Supports(x)) return null;
        var pooled = FusedLif.ForwardPooled(x, Options, k);
        if (pooled is not null) ClearActivity();
        return pooled;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"{GetName()}: input must be [T, B, ...], got shape [{string.Join(", ", x.shape)}]");
        var o = Options;
        if (CanFuse && FusedLif.Supports(x))
        {
            var (fusedSpikes, fusedPotentials) = FusedLif.Forward(x, o, needPotentials: RecordActivity);
            if (fusedPotentials is null) ClearActivity();
            else Remember(fusedPotentials, fusedSpikes);
            return fusedSpikes;
        }
        var surrogate = o.SurrogateOrDefault;
        long steps = x.shape[0];
        var potentials = new Tensor?[steps];
        var spikes = new Tensor[steps];
        bool record = true;
        Tensor? u = null;
        try
        {
            for (long t = 0; t < steps; t++)
            {
                using var xt = x[t];
                Tensor pre;
                if (u is null) pre = xt.alias();
                else { pre = u.mul(o.Tau).add_(xt); u.Dispose(); u = null; }
                using (pre)
                {
                    var (recorded, centred) = Fire(pre);
                    potentials[t] = recorded;
                    record &= recorded is not null;
                    using (centred) spikes[t] = surrogate.Spike(centred);
                    if (t == steps - 1) break;
                    using var r = o.DetachReset ? spikes[t].detach() : spikes[t].alias();
                    if (o.Reset == ResetMode.Hard)
                    {
                        using var keep = r.neg().add_(1.0);
                        u = pre.mul(keep);
                    }
                    else
                    {
                        using var sub = r.mul(o.Threshold);
                        u = pre.sub(sub);
                    }
                }
            }
            var output = stack(spikes);
            if (record)
            {
                var potential = stack(potentials!);
                Remember(potential, output);
            }
            else ClearActivity();
            return output;
        }
        finally
        {
            u?.Dispose();
            foreach (var p in potentials) p?.Dispose();
            foreach (var s in spikes) s?.Dispose();
        }
    }
}
