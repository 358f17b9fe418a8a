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
/// </summary>
public class LifNeuron : SpikingNeuron
{
    /// <summary>Creates a LIF neuron; <paramref name="options"/> null means the paper's defaults.</summary>
    public LifNeuron(NeuronOptions? options = null, string name = "lif") : base(name, options ?? new NeuronOptions()) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"{GetName()}: input must be [T, B, ...], got shape [{string.Join(", ", x.shape)}]");
        var o = Options;
        if (o.Fused && FusedLif.Supports(x))
        {
            var (fusedSpikes, fusedPotentials) = FusedLif.Forward(x, o, needPotentials: RecordActivity);
            if (fusedPotentials is null) ClearActivity();
            else Remember(fusedPotentials, fusedSpikes);
            return fusedSpikes;
        }
        var surrogate = o.SurrogateOrDefault;
        long steps = x.shape[0];
        var potentials = new Tensor[steps];
        var spikes = new Tensor[steps];
        Tensor? u = null;
        try
        {
            for (long t = 0; t < steps; t++)
            {
                using var xt = x[t];
                Tensor pre;
                if (u is null) pre = xt.alias();
                else { pre = u.mul(o.Tau).add_(xt); u.Dispose(); }
                potentials[t] = pre;
                using (var centred = pre.sub(o.Threshold)) spikes[t] = surrogate.Spike(centred);
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
            var potential = stack(potentials);
            var output = stack(spikes);
            Remember(potential, output);
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
