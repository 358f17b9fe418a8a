using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// A LIF (or IF, τ = 1) neuron with membrane potential batch normalization (MPBN; Guo et al., "Membrane Potential Batch
/// Normalization for Spiking Neural Networks", ICCV 2023): a second BN, on the pre-firing potential, between the charge and
/// the firing step. For input <c>[T, B, C, ...]</c>, per channel c:
/// <code>
/// u_pre[t] = τ·u[t−1] + x[t]                                    (u[−1] = 0)
/// ũ[t]     = γ_c·(u_pre[t] − μ_t)/√(σ²_t + ε) + β_c             (training: μ_t, σ²_t of timestep t over B and space)
/// ũ[t]     = u_pre[t]·a_c + b_c,  a_c = γ_c/√(σ²_run + ε),  b_c = β_c − μ_run·a_c   (eval: running statistics)
/// o[t]     = H(φ(ũ[t]) − V_th)                                  (φ = InfLoR rectifier if set, else identity)
/// u[t]     = u_pre[t]·(1 − o[t])   or   u_pre[t] − V_th·o[t]     (the raw potential is reset, not ũ)
/// </code>
/// <para><b>From the group's code</b> (github.com/yfguo91/MPBN, <c>models/spike_layer.py</c>, <c>mem_update</c>): one
/// <c>BatchNorm2d</c> per neuron layer applied to the charged potential at each timestep separately (so batch statistics are
/// per timestep and the running statistics are updated T times per forward, momentum 0.1 each), γ = 1 and β = 0 at
/// initialization, and the reset applied to the un-normalized potential (<c>mem = mem·(1 − spike)</c>). Statistics over T
/// (as tdBN takes them) are impossible here: <c>u_pre[t]</c> depends on the spike at t − 1, which needs ũ[t − 1] first.</para>
/// <para><b>Inference fold</b> (the paper's re-parameterization): in eval mode <c>H(u_pre·a + b − V_th)</c> is a per-channel
/// threshold on the raw potential, <c>u_pre ≥ θ_c</c> for a_c &gt; 0 and <c>u_pre ≤ θ_c</c> for a_c &lt; 0 (a negative γ flips
/// the inequality; a_c = 0 fires always or never). <see cref="Fold"/> switches to that form. θ_c is not computed as
/// <c>(V_th − b)/a</c> (its rounding could move a spike by one ulp) but found by bisection over the float32 values as the exact
/// boundary of the float computation the unfolded eval form performs, so the folded neuron gives bit-identical spikes for
/// every finite input. This rests on two facts: the eval form is computed as two separate IEEE float32 ops per element,
/// <c>u_pre·a</c> then <c>+ b</c> (not ATen's eval-mode <c>batch_norm</c>, which may fuse them; the two differ only by
/// rounding), so its decision is monotone in u_pre; and the raw potentials, which the spikes alone feed back into, then
/// evolve identically in both forms. Tests check every float within ±40 ulps of each threshold and whole networks. The folded forward records, when <see cref="SpikingNeuron.RecordActivity"/> is on, the same
/// normalized potential as the unfolded one, so probes read the same statistics; with recording off it computes only
/// <c>u_pre − θ_c</c>.</para>
/// <para><b>What losses and probes see:</b> <see cref="NeuronActivity.Potential"/> is the potential compared with V_th,
/// φ(ũ) (ũ without a rectifier): RMP-Loss regularizes, and the quantization-error probe measures, the normalized potential.</para>
/// <para>Always runs the op-by-op path (BN with batch statistics sits inside the time loop; the fused kernel has none).</para>
/// </summary>
public sealed class MpbnNeuron : LifNeuron
{
    // The parameter and statistics container of the group's code (one BatchNorm per layer), applied per timestep below.
    readonly BatchNorm1d bn;
    Tensor? _threshold, _sign;

    /// <summary>Channel count C (dimension 2 of the input <c>[T, B, C, ...]</c>).</summary>
    public long Channels { get; }
    /// <summary>ε in the denominator (the group's code: BatchNorm2d's 1e-5).</summary>
    public double Eps { get; }
    /// <summary>Momentum of the running statistics, applied at every timestep (BatchNorm2d's 0.1).</summary>
    public double Momentum { get; }

    /// <summary>Creates an MPBN neuron for <paramref name="channels"/> channels; <paramref name="options"/> null = paper defaults.</summary>
    public MpbnNeuron(long channels, NeuronOptions? options = null, double eps = 1e-5, double momentum = 0.1, string name = "mpbn_lif")
        : base(options, name)
    {
        if (channels <= 0) throw new ArgumentException($"channels must be > 0, got {channels}", nameof(channels));
        if (!(eps > 0)) throw new ArgumentException($"eps must be > 0, got {eps}", nameof(eps));
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentException($"momentum must be in [0, 1], got {momentum}", nameof(momentum));
        Channels = channels; Eps = eps; Momentum = momentum;
        bn = nn.BatchNorm1d(channels, eps, momentum);
        RegisterComponents();
    }

    /// <summary>γ, per channel (init 1).</summary>
    public Parameter Weight => bn.weight!;
    /// <summary>β, per channel (init 0).</summary>
    public Parameter Bias => bn.bias!;
    /// <summary>Running mean μ_run, per channel (updated at every timestep in training).</summary>
    public Tensor RunningMean => bn.running_mean!;
    /// <summary>Running (unbiased) variance σ²_run, per channel.</summary>
    public Tensor RunningVar => bn.running_var!;

    /// <summary>True after <see cref="Fold"/> (until <see cref="Unfold"/>): the neuron fires on per-channel thresholds of the raw
    /// potential and may run only in eval mode.</summary>
    public bool IsFolded => _threshold is not null;

    /// <summary>The folded per-channel thresholds θ_c on the raw potential (±∞ for channels that fire always or never), or null.</summary>
    public float[]? FoldedThreshold => _threshold?.data<float>().ToArray();

    /// <summary>The folded per-channel direction: +1 fires on <c>u_pre ≥ θ_c</c>, −1 on <c>u_pre ≤ θ_c</c> (negative γ), or null.</summary>
    public float[]? FoldedSign => _sign?.data<float>().ToArray();

    /// <inheritdoc />
    protected override bool CanFuse => false;

    /// <summary>
    /// Folds the membrane-potential BN into per-channel thresholds from the current γ, β and running statistics (call after
    /// training; fold again after they change). Refused for a neuron with the InfLoR rectifier: tanh and cube roots are not
    /// guaranteed to round alike in ATen's vectorized and scalar loops, so no threshold can promise identical spikes.
    /// </summary>
    /// <exception cref="NotSupportedException">With a rectifier.</exception>
    public void Fold()
    {
        if (Options.Rectifier is not null)
            throw new NotSupportedException($"{GetName()}: an MPBN neuron with the InfLoR rectifier cannot be folded into a threshold with bit-identical spikes (tanh and cube roots do not round alike on every ATen path); run it unfolded");
        Unfold();
        using var noGrad = no_grad();
        long c = Channels;
        var (a, b) = Affine();
        using (a) using (b)
        {
            var slope = a.data<float>().ToArray();
            var threshold = new float[c];
            var sign = new float[c];
            // Q_c(k) = fires(value of key k) XOR (a_c < 0) is non-decreasing in the key; bisect for its first true key.
            const long lowest = -0x7F7FFFFFL, highest = 0x7F7FFFFFL; // keys of −float.MaxValue and float.MaxValue
            var lo = new long[c];
            var hi = new long[c];
            var firesLow = Fires(Enumerable.Repeat(-float.MaxValue, (int)c).ToArray(), a, b);
            var firesHigh = Fires(Enumerable.Repeat(float.MaxValue, (int)c).ToArray(), a, b);
            var open = new List<int>();
            for (int i = 0; i < c; i++)
            {
                bool neg = slope[i] < 0;
                sign[i] = neg ? -1f : 1f;
                if (slope[i] == 0 || firesLow[i] == firesHigh[i])
                {
                    // Constant decision: always (centred u − (−∞) = +∞) or never (u − ∞ = −∞).
                    sign[i] = 1f;
                    threshold[i] = firesLow[i] ? float.NegativeInfinity : float.PositiveInfinity;
                    continue;
                }
                if (firesLow[i] != neg)
                    throw new InvalidOperationException($"{GetName()}: channel {i}: the eval-mode firing decision is not monotone in the potential; cannot fold");
                lo[i] = lowest; hi[i] = highest; // Q(lo) false, Q(hi) true
                open.Add(i);
            }
            var probe = new float[c];
            while (open.Count > 0)
            {
                foreach (int i in open) probe[i] = FromKey(lo[i] + (hi[i] - lo[i]) / 2);
                var fires = Fires(probe, a, b);
                var next = new List<int>(open.Count);
                foreach (int i in open)
                {
                    long mid = lo[i] + (hi[i] - lo[i]) / 2;
                    if (fires[i] ^ (slope[i] < 0)) hi[i] = mid; else lo[i] = mid;
                    if (hi[i] - lo[i] > 1) next.Add(i);
                }
                open = next;
            }
            for (int i = 0; i < c; i++)
                if (slope[i] != 0 && firesLow[i] != firesHigh[i])
                    threshold[i] = FromKey(slope[i] > 0 ? hi[i] : lo[i]); // a > 0: first firing value; a < 0: last firing value
            _threshold = tensor(threshold).to(RunningMean.device);
            _sign = tensor(sign).to(RunningMean.device);
        }
    }

    /// <summary>Returns to the training form (BN on the potential); a no-op when not folded.</summary>
    public void Unfold()
    {
        _threshold?.Dispose(); _sign?.Dispose();
        _threshold = _sign = null;
    }

    /// <summary>Folds every <see cref="MpbnNeuron"/> in <paramref name="network"/> (see <see cref="Fold"/>); returns how many.</summary>
    public static int FoldAll(nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = 0;
        foreach (var (_, m) in network.named_modules())
            if (m is MpbnNeuron mp) { mp.Fold(); n++; }
        return n;
    }

    /// <inheritdoc />
    protected override (Tensor? Recorded, Tensor Centred) Fire(Tensor pre)
    {
        if (pre.dim() < 2 || pre.shape[1] != Channels)
            throw new ArgumentException($"{GetName()}: input must be [T, B, {Channels}, ...], got a step of shape [{string.Join(", ", pre.shape)}]");
        if (_threshold is { } theta && _sign is { } sign)
        {
            if (training) throw new InvalidOperationException($"{GetName()}: a folded MPBN neuron runs only in eval mode; call Unfold() before training");
            using var th = Broadcast(theta, pre.dim());
            using var sg = Broadcast(sign, pre.dim());
            using var diff = pre.sub(th);
            var centred = diff.mul(sg);
            if (!RecordActivity) return (null, centred);
            var (recorded, unfoldedCentred) = EvalFire(pre);
            unfoldedCentred.Dispose();
            return (recorded, centred);
        }
        if (!training) return EvalFire(pre);
        using var normalized = nn.functional.batch_norm(pre, RunningMean, RunningVar, Weight, Bias, true, Momentum, Eps);
        var v = Rectify(normalized);
        return (v, v.sub(Options.Threshold));
    }

    /// <summary>The eval-mode firing decision of the unfolded form: <c>v = φ(u_pre·a + b)</c>, centred <c>v − V_th</c>.</summary>
    (Tensor Recorded, Tensor Centred) EvalFire(Tensor pre)
    {
        var (a, b) = Affine();
        using (a) using (b)
            return EvalFire(pre, a, b);
    }

    (Tensor Recorded, Tensor Centred) EvalFire(Tensor pre, Tensor a, Tensor b)
    {
        using var av = Broadcast(a, pre.dim());
        using var bv = Broadcast(b, pre.dim());
        using var scaled = pre.mul(av);
        using var normalized = scaled.add(bv);
        var v = Rectify(normalized);
        return (v, v.sub(Options.Threshold));
    }

    /// <summary><c>a = γ/√(σ²_run + ε)</c> and <c>b = β − μ_run·a</c>, float32 <c>[C]</c>, without gradient.</summary>
    (Tensor A, Tensor B) Affine()
    {
        using var noGrad = no_grad();
        using var std = RunningVar.add(Eps).sqrt();
        var a = Weight.detach().div(std);
        using var shift = RunningMean.mul(a);
        var b = Bias.detach().sub(shift);
        return (a, b);
    }

    /// <summary>Whether the unfolded eval form fires for a raw potential of <paramref name="values"/>[c] in channel c.</summary>
    bool[] Fires(float[] values, Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var u = tensor(values, [1, Channels]).to(a.device);
        var (recorded, centred) = EvalFire(u, a, b);
        recorded.Dispose();
        var spikes = Options.SurrogateOrDefault.Spike(centred);
        return spikes.to_type(ScalarType.Float32).cpu().data<float>().ToArray().Select(s => s != 0).ToArray();
    }

    static Tensor Broadcast(Tensor perChannel, long rank)
    {
        var shape = new long[rank];
        Array.Fill(shape, 1L);
        shape[1] = perChannel.shape[0];
        return perChannel.view(shape);
    }

    /// <summary>The float32 value of an order-preserving integer key (keys count finite floats; −0 and +0 share key 0).</summary>
    static float FromKey(long key) =>
        key >= 0 ? BitConverter.Int32BitsToSingle((int)key) : BitConverter.Int32BitsToSingle((int)-key | int.MinValue);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) Unfold();
        base.Dispose(disposing);
    }
}
