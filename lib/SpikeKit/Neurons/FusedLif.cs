using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SpikeKit.Kernels;
using SpikeKit.Surrogates;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// Fused multi-step LIF: the whole <c>[T, B, ...]</c> recurrence as one autograd node, forward and hand-written BPTT
/// backward each a single vectorized pass over memory (CPU, float32). Same maths as <see cref="LifNeuron"/>'s op-by-op path:
/// <code>
/// forward   p[t] = τ·u[t−1] + x[t],  o[t] = H(p[t] − V_th),  u[t] = p[t]·(1 − o[t])  or  p[t] − V_th·o[t]
/// backward  g_u[T−1] = 0;  for t = T−1 … 0:
///             g_o   = ∂L/∂o[t] + g_u·∂u/∂o          (∂u/∂o = −p (hard), −V_th (soft); 0 with detached reset)
///             g_p   = ∂L/∂p[t] + g_o·σ'(p[t] − V_th) + g_u·∂u/∂p   (∂u/∂p = 1 − o (hard), 1 (soft))
///             ∂L/∂x[t] = g_p,   g_u ← τ·g_p
/// </code>
/// The built-in surrogates' derivatives σ' are evaluated inside the backward loop (each surrogate's own
/// <see cref="ISurrogateKernel"/>, handed over once per call by <see cref="Surrogate.RunKernel"/>, so the loop is compiled
/// per surrogate with σ' inlined); a user-defined surrogate is evaluated once for all T by its
/// <see cref="Surrogate.Derivative(Tensor)"/> (ATen). Work split and storage access: <see cref="CpuKernel"/>.
/// Saved for backward: the pre-firing potentials, or with <see cref="NeuronOptions.Recompute"/> only the input, from which
/// backward recomputes the potentials a few vectors at a time (in cache). Potentials are an output of the node only when
/// asked for (activity recording); otherwise nothing else is allocated.
/// </summary>
[SkipLocalsInit]
internal static class FusedLif
{
    /// <summary>The backward loops keep their buffers on the stack up to this T, on the heap beyond.</summary>
    const int StackSteps = 256;

    /// <summary>True when the fused kernel can run on <paramref name="x"/>.</summary>
    public static bool Supports(Tensor x) => CpuKernel.IsCpuFloat32(x) && x.dim() >= 2;

    /// <summary>Spikes, and the potentials when <paramref name="needPotentials"/> (else null), both <c>[T, B, ...]</c>.</summary>
    public static (Tensor Spikes, Tensor? Potentials) Forward(Tensor x, NeuronOptions o, bool needPotentials)
    {
        if (!x.requires_grad || !is_grad_enabled())
        {
            using var noGrad = no_grad();
            return Run(x, o, needPotentials);
        }
        var outs = x.shape[0] > 1 && RepeatedInput.SourceOf(x) is { requires_grad: true } source
            ? Function.apply(source, o, needPotentials, x.shape[0])
            : Function.apply(x, o, needPotentials, 0L);
        return (outs[0], needPotentials ? outs[1] : null);
    }

    /// <summary>
    /// Spikes pooled k×k (stride k) in one node, the spikes themselves never stored: <c>AveragePool(k)(LIF(x))</c> for
    /// <c>x</c> <c>[T, B, C, H, W]</c> (or a repeated input, whose source is then the node's input), giving
    /// <c>[T, B, C, H/k, W/k]</c>. Per plane (one b, c): the forward recurrence into a buffer of T planes of spikes, each pooled;
    /// backward: the pooled gradient spread back over the windows (÷k²) into a buffer, then the BPTT loop that recomputes the
    /// potentials from the input. The same values and gradients as the two layers one after the other (the same per-element
    /// arithmetic). Only for a built-in surrogate; null otherwise (the caller runs the two layers).
    /// </summary>
    public static Tensor? ForwardPooled(Tensor x, NeuronOptions o, int k)
    {
        if (x.dim() != 5 || x.shape[3] < k || x.shape[4] < k || !o.SurrogateOrDefault.HasKernel) return null;
        if (!x.requires_grad || !is_grad_enabled())
        {
            using var noGrad = no_grad();
            return PooledForward(x, o, k);
        }
        return x.shape[0] > 1 && RepeatedInput.SourceOf(x) is { requires_grad: true } source
            ? PooledFunction.apply(source, o, k, x.shape[0])
            : PooledFunction.apply(x, o, k, 0L);
    }

    /// <summary>
    /// Spikes of <c>LIF(a·x + shift)</c>, or of <c>LIF(a·x + shift + r)</c> with a residual <c>r</c>, without gradient: an
    /// evaluation-mode norm (per channel <c>a</c>, <c>shift</c>) and a residual add read inside the LIF loop, so neither the
    /// normalized nor the summed tensor is written. <c>x</c> <c>[T, B, C, ...]</c> is channels-last within each step (the
    /// channel of flat index i is i mod C; per-lane patterns of lcm(C, vector width) values), <c>r</c> laid out as <c>x</c>.
    /// Per element <c>v = x·a + shift (+ r)</c> in float32, each operation rounded as the separate passes round it, so the
    /// spikes are those of the norm, the add and the LIF one after the other. Null where the layouts do not allow it.
    /// </summary>
    public static Tensor? ForwardAffine(Tensor x, float[] a, float[] shift, Tensor? residual, NeuronOptions o)
    {
        if (x.dim() < 3 || x.shape[2] != a.Length || shift.Length != a.Length || x.shape[0] < 1) return null;
        long steps = x.shape[0], n = x.numel() / steps;
        using var x0 = x[0];
        if (x.stride(0) != n || x0.is_contiguous() || !CpuKernel.IsChannelsLast(x0, 1)) return null;
        if (residual is not null && (!CpuKernel.IsCpuFloat32(residual) || !residual.shape.SequenceEqual(x.shape) || !CpuKernel.SameStrides(residual, x.stride())))
            return null;
        var spikes = CpuKernel.EmptyStrided(x.shape, x.stride());
        float[] pa = CpuKernel.ChannelsLastPattern(a), pb = CpuKernel.ChannelsLastPattern(shift);
        unsafe
        {
            float* xp = CpuKernel.Ptr(x), rp = residual is null ? null : CpuKernel.Ptr(residual), sp = CpuKernel.Ptr(spikes);
            float tau = (float)o.Tau, vth = (float)o.Threshold;
            bool hard = o.Reset == ResetMode.Hard;
            CpuKernel.ParallelChunks(n, (start, end) => ForwardAffineChunk(xp, rp, sp, n, steps, start, end, a, shift, pa, pb, tau, vth, hard));
        }
        return spikes;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void ForwardAffineChunk(float* x, float* r, float* s, long n, long steps, long start, long end, float[] a, float[] shift,
        float[] aPattern, float[] shiftPattern, float tau, float vth, bool hard)
    {
        int c = a.Length, w = Vector<float>.Count, period = aPattern.Length;
        var vTau = new Vector<float>(tau);
        var vTh = new Vector<float>(vth);
        var one = Vector<float>.One;
        bool add = r is not null;
        fixed (float* pa = aPattern, pb = shiftPattern)
        {
            long i = start, lane = start % period;
            for (; i + w <= end; i += w)
            {
                var va = Unsafe.ReadUnaligned<Vector<float>>(pa + lane);
                var vb = Unsafe.ReadUnaligned<Vector<float>>(pb + lane);
                var u = Vector<float>.Zero;
                for (long t = 0; t < steps; t++)
                {
                    long k = t * n + i;
                    var v = Unsafe.ReadUnaligned<Vector<float>>(x + k) * va + vb;
                    if (add) v += Unsafe.ReadUnaligned<Vector<float>>(r + k);
                    var pre = u * vTau + v;
                    var fire = Vector.GreaterThanOrEqual(pre, vTh);
                    var spk = Vector.ConditionalSelect(fire, one, Vector<float>.Zero);
                    Unsafe.WriteUnaligned(s + k, spk);
                    u = hard ? Vector.ConditionalSelect(fire, Vector<float>.Zero, pre) : pre - spk * vTh;
                }
                lane += w;
                if (lane >= period) lane -= period;
            }
            for (; i < end; i++)
            {
                long ch = i % c;
                float u = 0;
                for (long t = 0; t < steps; t++)
                {
                    long k = t * n + i;
                    float v = x[k] * a[ch] + shift[ch];
                    if (add) v += r[k];
                    float pre = u * tau + v;
                    float spk = pre >= vth ? 1f : 0f;
                    s[k] = spk;
                    u = hard ? (spk != 0 ? 0f : pre) : pre - spk * vth;
                }
            }
        }
    }

    /// <summary>Planes the pooled node's loops take at once: consecutive planes are consecutive in memory at every step, so a
    /// block of them is one run of about <see cref="BlockElements"/> elements for the vector loop (one scalar tail per block,
    /// not per plane: 14×14 planes would otherwise leave 4 of every 196 elements to the scalar loop).</summary>
    static long PlanesPerBlock(long hw) => Math.Max(1, BlockElements / hw);

    const long BlockElements = 2048;

    static Tensor PooledForward(Tensor x, NeuronOptions o, int k)
    {
        long steps = x.shape[0], h = x.shape[3], w = x.shape[4], hw = h * w, planes = x.shape[1] * x.shape[2];
        long ho = h / k, wo = w / k;
        var (src, xStride, _) = Source(x, planes * hw, rowMajor: true);
        using (src)
        {
            var y = empty([steps, x.shape[1], x.shape[2], ho, wo], ScalarType.Float32);
            unsafe
            {
                float* xp = CpuKernel.Ptr(src), yp = CpuKernel.Ptr(y);
                float tau = (float)o.Tau, vth = (float)o.Threshold;
                bool hard = o.Reset == ResetMode.Hard;
                long block = PlanesPerBlock(hw);
                CpuKernel.ParallelItems(planes, steps * hw, (start, end) =>
                {
                    var spikes = new float[steps * Math.Min(block, end - start) * hw];
                    fixed (float* s = spikes)
                        for (long c0 = start; c0 < end; c0 += block)
                        {
                            long nb = Math.Min(block, end - c0), len = nb * hw;
                            ForwardChunk(xp + c0 * hw, xStride, s, null, len, steps, 0, len, tau, vth, hard);
                            for (long t = 0; t < steps; t++)
                                for (long c = c0; c < c0 + nb; c++)
                                    Layers.AveragePool.PoolPlane(s + t * len + (c - c0) * hw, yp + (t * planes + c) * ho * wo, h, w, k);
                        }
                });
            }
            return y;
        }
    }

    /// <summary>∂L/∂x (or ∂L/∂source, summed over T, when <paramref name="repeat"/> is T) of the pooled node.</summary>
    static Tensor PooledBackward(Tensor saved, long repeat, Tensor gradPooled, NeuronOptions o, int k)
    {
        using var gq = gradPooled.contiguous();
        long steps = gq.shape[0];
        var shape = saved.shape;
        long h = shape[^2], w = shape[^1], hw = h * w, planes = repeat > 0 ? shape[0] * shape[1] : shape[1] * shape[2];
        long ho = h / k, wo = w / k;
        using var src = saved.contiguous();
        var gx = empty(shape, ScalarType.Float32);
        var runner = new PooledBackwardRunner(src, gq, gx, o, k, steps, repeat > 0, planes, h, w, ho, wo);
        if (!o.SurrogateOrDefault.RunKernel(runner)) throw new InvalidOperationException("pooled LIF: the surrogate has no kernel");
        return gx;
    }

    sealed class PooledBackwardRunner(Tensor src, Tensor gq, Tensor gx, NeuronOptions o, int k, long steps, bool repeated,
        long planes, long h, long w, long ho, long wo) : ISurrogateKernelRunner
    {
        public unsafe void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel
        {
            float* xp = CpuKernel.Ptr(src), gqp = CpuKernel.Ptr(gq), gxp = CpuKernel.Ptr(gx);
            long hw = h * w;
            var template = new BackwardArgs
            {
                Steps = steps, XStride = repeated ? 0 : planes * hw, Tau = (float)o.Tau, Vth = (float)o.Threshold,
                Hard = o.Reset == ResetMode.Hard, Detach = o.DetachReset, FromInput = true, SumOverTime = repeated,
            };
            var sg = kernel;
            long block = PlanesPerBlock(hw);
            CpuKernel.ParallelItems(planes, steps * hw, (start, end) =>
            {
                var spread = new float[steps * Math.Min(block, end - start) * hw];
                fixed (float* gO = spread)
                    for (long c0 = start; c0 < end; c0 += block)
                    {
                        long nb = Math.Min(block, end - c0), len = nb * hw;
                        for (long t = 0; t < steps; t++)
                            for (long c = c0; c < c0 + nb; c++)
                                Layers.AveragePool.UnpoolPlane(gqp + (t * planes + c) * ho * wo, gO + t * len + (c - c0) * hw, h, w, k);
                        var a = template;
                        a.N = len;
                        a.GradStride = planes * hw;
                        a.Src = xp + c0 * hw;
                        a.GradSpikes = gO;
                        a.GradInput = gxp + c0 * hw;
                        BackwardRecomputeChunk(a, sg, 0, len);
                    }
            });
        }
    }

    /// <summary>The pooled node. Inputs: <c>x</c> <c>[T, B, C, H, W]</c> (or the source <c>[B, C, H, W]</c> of a repeated
    /// input, with T as the last input; 0 otherwise), the options and k. Saves only its input.</summary>
    sealed class PooledFunction : autograd.SingleTensorFunction<PooledFunction>
    {
        public override string Name => "SpikeKitFusedLifPool";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var o = (NeuronOptions)vars[1];
            int k = (int)vars[2];
            long repeat = (long)vars[3];
            using var input = repeat > 0 ? x.unsqueeze(0).expand([repeat, .. x.shape]) : x.alias();
            ctx.save_for_backward([x]);
            ctx.save_data("o", o);
            ctx.save_data("k", k);
            ctx.save_data("t", repeat);
            return PooledForward(input, o, k);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            using var saved = ctx.get_saved_variables()[0];
            return [PooledBackward(saved, (long)ctx.get_data("t"), grad_output, (NeuronOptions)ctx.get_data("o"), (int)ctx.get_data("k")),
                null!, null!, null!];
        }
    }

    /// <summary>The input as a base pointer source: an input expanded over T (stride 0, as the direct-encoding stem gives)
    /// is read in place with step stride 0; an input whose steps are consecutive dense blocks of n elements (row-major,
    /// or channels-last within each step) is read in place; anything else is made contiguous. Row-major only
    /// (<paramref name="rowMajor"/>) for the pooled node, whose loops walk planes. <c>Layout</c>: the strides of
    /// <c>[T, B, ...]</c> tensors laid out like the source (outputs, and the gradients read beside it).</summary>
    static (Tensor Source, long StepStride, long[] Layout) Source(Tensor x, long n, bool rowMajor = false)
    {
        using var x0 = x[0];
        if (x.stride(0) == 0 && (rowMajor ? x0.is_contiguous() : CpuKernel.IsDense(x0)))
            return (x0.alias(), 0, [n, .. x0.stride()]);
        var src = rowMajor ? x.contiguous() : x.shape[0] == 1 || x.stride(0) == n ? CpuKernel.Dense(x) : x.contiguous();
        var layout = src.stride();
        layout[0] = n;
        return (src, n, layout);
    }

    static (Tensor Spikes, Tensor? Potentials) Run(Tensor x, NeuronOptions o, bool writePotentials)
    {
        long steps = x.shape[0];
        long n = x.numel() / steps;
        var (src, xStride, layout) = Source(x, n);
        using (src)
        {
            var spikes = CpuKernel.EmptyStrided(x.shape, layout);
            var pots = writePotentials ? CpuKernel.EmptyStrided(x.shape, layout) : null;
            unsafe
            {
                float* xp = CpuKernel.Ptr(src), sp = CpuKernel.Ptr(spikes), pp = pots is null ? null : CpuKernel.Ptr(pots);
                float tau = (float)o.Tau, vth = (float)o.Threshold;
                bool hard = o.Reset == ResetMode.Hard;
                CpuKernel.ParallelChunks(n, (start, end) => ForwardChunk(xp, xStride, sp, pp, n, steps, start, end, tau, vth, hard));
            }
            return (spikes, pots);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void ForwardChunk(float* x, long xStride, float* s, float* p, long n, long steps, long start, long end, float tau, float vth, bool hard)
    {
        int w = Vector<float>.Count;
        var vTau = new Vector<float>(tau);
        var vTh = new Vector<float>(vth);
        var one = Vector<float>.One;
        bool keep = p is not null;
        long i = start;
        for (; i + w <= end; i += w)
        {
            var u = Vector<float>.Zero;
            for (long t = 0; t < steps; t++)
            {
                var pre = u * vTau + Unsafe.ReadUnaligned<Vector<float>>(x + t * xStride + i);
                var fire = Vector.GreaterThanOrEqual(pre, vTh);
                var spk = Vector.ConditionalSelect(fire, one, Vector<float>.Zero);
                if (keep) Unsafe.WriteUnaligned(p + t * n + i, pre);
                Unsafe.WriteUnaligned(s + t * n + i, spk);
                u = hard ? Vector.ConditionalSelect(fire, Vector<float>.Zero, pre) : pre - spk * vTh;
            }
        }
        for (; i < end; i++)
        {
            float u = 0;
            for (long t = 0; t < steps; t++)
            {
                float pre = u * tau + x[t * xStride + i];
                float spk = pre >= vth ? 1f : 0f;
                if (keep) p[t * n + i] = pre;
                s[t * n + i] = spk;
                u = hard ? (spk != 0 ? 0f : pre) : pre - spk * vth;
            }
        }
    }

    /// <summary>∂L/∂x from the gradients of the outputs (<paramref name="gradPots"/> null when potentials were not an output)
    /// and the saved tensor: the potentials, or the input when <see cref="NeuronOptions.Recompute"/> is set.</summary>
    static Tensor Backward(Tensor saved, Tensor gradSpikes, Tensor? gradPots, NeuronOptions o)
    {
        var (src, xStride, layout) = Source(saved, saved.numel() / saved.shape[0]);
        using (src)
        {
            using var go = CpuKernel.InLayout(gradSpikes, layout);
            using var gp = gradPots is null ? null : CpuKernel.InLayout(gradPots, layout);
            var gx = CpuKernel.EmptyStrided(saved.shape, layout);
            var surrogate = o.SurrogateOrDefault;
            if (!surrogate.RunKernel(new BuiltInBackward(src, xStride, go, gp, gx, o))) PrecomputedBackward(saved, go, gp, gx, o, surrogate);
            return gx;
        }
    }

    /// <summary>∂L/∂s for an input repeated over T from <paramref name="source"/> <c>[B, ...]</c>: the potentials are
    /// recomputed from the source (read with step stride 0) and Σ_t ∂L/∂x[t] is accumulated in the loop, so neither the
    /// potentials nor a <c>[T, B, ...]</c> gradient is ever stored.</summary>
    static Tensor RepeatBackward(Tensor source, long steps, Tensor gradSpikes, Tensor? gradPots, NeuronOptions o)
    {
        using var src = CpuKernel.Dense(source);
        long[] layout = [src.numel(), .. src.stride()];
        using var go = CpuKernel.InLayout(gradSpikes, layout);
        using var gp = gradPots is null ? null : CpuKernel.InLayout(gradPots, layout);
        var gs = CpuKernel.EmptyStrided(src.shape, src.stride());
        var surrogate = o.SurrogateOrDefault;
        var runner = new RepeatBackwardRunner(src, steps, go, gp, gs, o);
        if (!surrogate.RunKernel(runner))
        {
            using var expanded = src.unsqueeze(0).expand([steps, .. src.shape]);
            using var full = CpuKernel.EmptyStrided([steps, .. src.shape], layout);
            PrecomputedBackward(expanded, go, gp, full, o with { Recompute = true }, surrogate);
            using var summed = full.sum([0L]);
            gs.copy_(summed);
        }
        return gs;
    }

    sealed class RepeatBackwardRunner(Tensor src, long steps, Tensor go, Tensor? gp, Tensor gs, NeuronOptions o) : ISurrogateKernelRunner
    {
        public void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel
        {
            unsafe
            {
                var a = Args(src, 0, true, go, gp, gs, o);
                a.Steps = steps;
                a.N = src.numel();
                a.SumOverTime = true;
                Dispatch(a, kernel);
            }
        }
    }

    /// <summary>The arguments of the backward loops for saved tensor <paramref name="src"/> (potentials, or the input
    /// with step stride <paramref name="xStride"/> when <paramref name="fromInput"/>).</summary>
    static unsafe BackwardArgs Args(Tensor src, long xStride, bool fromInput, Tensor go, Tensor? gp, Tensor gx, NeuronOptions o)
    {
        long steps = gx.shape[0];
        return new BackwardArgs
        {
            Steps = steps, N = gx.numel() / steps, XStride = xStride, Tau = (float)o.Tau, Vth = (float)o.Threshold,
            Hard = o.Reset == ResetMode.Hard, Detach = o.DetachReset, FromInput = fromInput,
            Src = CpuKernel.Ptr(src), GradSpikes = CpuKernel.Ptr(go), GradPots = gp is null ? null : CpuKernel.Ptr(gp), GradInput = CpuKernel.Ptr(gx),
        };
    }

    /// <summary>Backward with a built-in surrogate's σ' in the loop (the surrogate calls <see cref="Run{TKernel}"/>);
    /// with <see cref="NeuronOptions.Recompute"/> the potentials are rebuilt from the saved input inside the loop.</summary>
    sealed class BuiltInBackward(Tensor src, long xStride, Tensor go, Tensor? gp, Tensor gx, NeuronOptions o) : ISurrogateKernelRunner
    {
        public void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel
        {
            unsafe { Dispatch(Args(src, xStride, o.Recompute, go, gp, gx, o), kernel); }
        }
    }

    /// <summary>Backward with a user-defined surrogate: σ' evaluated by ATen on the whole potential tensor (rebuilt first
    /// with <see cref="NeuronOptions.Recompute"/>), then read from that buffer in the loop.</summary>
    static void PrecomputedBackward(Tensor saved, Tensor go, Tensor? gp, Tensor gx, NeuronOptions o, Surrogate surrogate)
    {
        Tensor? recomputed = null;
        if (o.Recompute)
        {
            using var noGrad = no_grad();
            Tensor spikes;
            (spikes, recomputed) = Run(saved, o, writePotentials: true);
            spikes.Dispose();
        }
        var pots = recomputed ?? saved;
        try
        {
            using var centred = pots.sub(o.Threshold);
            using var sg = surrogate.Derivative(centred);
            using var sgf = sg.to_type(ScalarType.Float32);
            using var sgc = CpuKernel.InLayout(sgf, gx.stride());
            using var pc = CpuKernel.InLayout(pots, gx.stride());
            unsafe { Dispatch(Args(pc, gx.numel() / gx.shape[0], false, go, gp, gx, o), new PrecomputedSurrogate(CpuKernel.Ptr(sgc))); }
        }
        finally
        {
            recomputed?.Dispose();
        }
    }

    /// <summary>σ' read from a buffer laid out like the potentials (a user-defined surrogate, evaluated beforehand by ATen).</summary>
    readonly unsafe struct PrecomputedSurrogate(float* values) : ISurrogateKernel
    {
        readonly float* _values = values;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Derivative(Vector<float> c, long k) => Unsafe.ReadUnaligned<Vector<float>>(_values + k);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Derivative(Vector512<float> c, long k) => Vector512.Load(_values + k);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k) => _values[k];
    }

    unsafe struct BackwardArgs
    {
        public float* Src, GradSpikes, GradPots, GradInput;
        public long Steps, N, XStride;
        /// <summary>Step stride of <c>GradInput</c> in the recompute loop when it differs from <c>N</c> (the pooled node writes
        /// ∂L/∂x[t] straight into the <c>[T, B, C, H, W]</c> gradient while its spread gradients are rows of <c>N</c>); 0: <c>N</c>.</summary>
        public long GradStride;
        public float Tau, Vth;
        public bool Hard, Detach, FromInput;
        /// <summary>Write Σ_t ∂L/∂x[t] (<c>N</c> values) instead of every ∂L/∂x[t] (an input repeated over T).</summary>
        public bool SumOverTime;
    }

    static void Dispatch<TS>(BackwardArgs a, TS sg) where TS : struct, ISurrogateKernel
    {
        if (a.FromInput) CpuKernel.ParallelChunks(a.N, (start, end) => BackwardRecomputeChunk(a, sg, start, end));
        else CpuKernel.ParallelChunks(a.N, (start, end) => BackwardChunk(a, sg, start, end));
    }

    /// <summary>Lanes the backward loops take at once: T rows of this many (recomputed) potentials and, where the CPU
    /// accelerates 512-bit vectors, their σ' sit in a buffer (at most <see cref="StackFloats"/> floats, on the stack), so that
    /// σ' can be evaluated in one tight pass over the buffer, 512 bits at a time, apart from the recurrence.</summary>
    static long BlockLanes(long steps) => Math.Max(16, Math.Min(512, StackFloats / 2 / steps) / 16 * 16);

    const int StackFloats = 8192;

    /// <summary>σ'(p[j] − V_th) into <paramref name="d"/> for j &lt; <paramref name="count"/> (a multiple of
    /// <c>Vector&lt;float&gt;.Count</c>), the first element with flat index <paramref name="k"/>: 16 lanes at a time where
    /// the CPU accelerates 512-bit vectors (the same per-lane arithmetic, so the same bits), then <c>Vector&lt;float&gt;</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Derivatives<TS>(TS sg, float* p, float* d, long count, float vth, long k) where TS : struct, ISurrogateKernel
    {
        long j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var th = Vector512.Create(vth);
            for (; j + Vector512<float>.Count <= count; j += Vector512<float>.Count)
                Vector512.Store(sg.Derivative(Vector512.Load(p + j) - th, k + j), d + j);
        }
        var vTh = new Vector<float>(vth);
        for (; j < count; j += Vector<float>.Count)
            Unsafe.WriteUnaligned(d + j, sg.Derivative(Unsafe.ReadUnaligned<Vector<float>>(p + j) - vTh, k + j));
    }

    /// <summary>BPTT over saved potentials <c>p = a.Src</c>: per block of lanes, the recurrence walked backwards with σ' of
    /// each potential evaluated beside it (off the recurrence's critical path); where the CPU accelerates 512-bit vectors,
    /// σ' of all T rows in one pass into a buffer first instead. Compiled per combination of the flags, as the recompute loop.</summary>
    static void BackwardChunk<TS>(BackwardArgs a, TS sg, long start, long end) where TS : struct, ISurrogateKernel
    {
        if (a.Hard) SavedDetach<TS, On>(a, sg, start, end);
        else SavedDetach<TS, Off>(a, sg, start, end);
    }

    static unsafe void SavedDetach<TS, THard>(BackwardArgs a, TS sg, long start, long end) where TS : struct, ISurrogateKernel where THard : struct, IFlag
    {
        bool gp = a.GradPots is not null;
        if (a.Detach && gp) BackwardChunk<TS, THard, On, On>(a, sg, start, end);
        else if (a.Detach) BackwardChunk<TS, THard, On, Off>(a, sg, start, end);
        else if (gp) BackwardChunk<TS, THard, Off, On>(a, sg, start, end);
        else BackwardChunk<TS, THard, Off, Off>(a, sg, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void BackwardChunk<TS, THard, TDetach, TGradPots>(BackwardArgs a, TS sg, long start, long end)
        where TS : struct, ISurrogateKernel where THard : struct, IFlag where TDetach : struct, IFlag where TGradPots : struct, IFlag
    {
        float* p = a.Src, gO = a.GradSpikes, gP = a.GradPots, gx = a.GradInput;
        long n = a.N, steps = a.Steps;
        int w = Vector<float>.Count;
        var vTau = new Vector<float>(a.Tau);
        var vTh = new Vector<float>(a.Vth);
        bool hard = THard.Value, detach = TDetach.Value, hasGP = TGradPots.Value, wide = Vector512.IsHardwareAccelerated;
        long block = BlockLanes(steps), size = wide ? steps * block : 0;
        Span<float> buffer = size <= StackFloats ? stackalloc float[(int)size] : new float[size];
        long vectorEnd = start + (end - start) / w * w;
        fixed (float* d = buffer)
            for (long i0 = start; i0 < vectorEnd; i0 += block)
            {
                long len = Math.Min(block, vectorEnd - i0);
                if (wide)
                    for (long t = 0; t < steps; t++) Derivatives(sg, p + t * n + i0, d + t * block, len, a.Vth, t * n + i0);
                for (long j = 0; j < len; j += w)
                {
                    var gu = Vector<float>.Zero;
                    for (long t = steps - 1; t >= 0; t--)
                    {
                        long k = t * n + i0 + j;
                        var pv = Unsafe.ReadUnaligned<Vector<float>>(p + k);
                        var derivative = wide ? Unsafe.ReadUnaligned<Vector<float>>(d + t * block + j) : sg.Derivative(pv - vTh, k);
                        var gPre = StepBack(pv, Unsafe.ReadUnaligned<Vector<float>>(gO + k),
                            hasGP ? Unsafe.ReadUnaligned<Vector<float>>(gP + k) : Vector<float>.Zero, gu, vTh, hard, detach, derivative);
                        Unsafe.WriteUnaligned(gx + k, gPre);
                        gu = gPre * vTau;
                    }
                }
            }
        for (long i = vectorEnd; i < end; i++)
        {
            float gu = 0;
            for (long t = steps - 1; t >= 0; t--)
            {
                long k = t * n + i;
                float gPre = StepBack(p[k], gO[k], hasGP ? gP[k] : 0f, gu, a.Vth, hard, detach, sg, k);
                gx[k] = gPre;
                gu = gPre * a.Tau;
            }
        }
    }

    /// <summary>BPTT from the saved input <c>x = a.Src</c> (step stride <c>a.XStride</c>): per block of lanes, the forward
    /// recurrence is rerun into a buffer of T rows (bitwise the same potentials) with σ' of each potential beside it (off the
    /// recurrence's critical path; where the CPU accelerates 512-bit vectors, σ' in one pass over the buffer instead), then
    /// the recurrence walked backwards.</summary>
    static void BackwardRecomputeChunk<TS>(BackwardArgs a, TS sg, long start, long end) where TS : struct, ISurrogateKernel
    {
        if (a.Hard) RecomputeDetach<TS, On>(a, sg, start, end);
        else RecomputeDetach<TS, Off>(a, sg, start, end);
    }

    static void RecomputeDetach<TS, THard>(BackwardArgs a, TS sg, long start, long end) where TS : struct, ISurrogateKernel where THard : struct, IFlag
    {
        if (a.Detach) RecomputeSum<TS, THard, On>(a, sg, start, end);
        else RecomputeSum<TS, THard, Off>(a, sg, start, end);
    }

    static unsafe void RecomputeSum<TS, THard, TDetach>(BackwardArgs a, TS sg, long start, long end)
        where TS : struct, ISurrogateKernel where THard : struct, IFlag where TDetach : struct, IFlag
    {
        bool sum = a.SumOverTime, gp = a.GradPots is not null;
        if (sum && gp) BackwardRecomputeChunk<TS, THard, TDetach, On, On>(a, sg, start, end);
        else if (sum) BackwardRecomputeChunk<TS, THard, TDetach, Off, On>(a, sg, start, end);
        else if (gp) BackwardRecomputeChunk<TS, THard, TDetach, On, Off>(a, sg, start, end);
        else BackwardRecomputeChunk<TS, THard, TDetach, Off, Off>(a, sg, start, end);
    }

    /// <summary>A setting fixed at compile time: the loops below are compiled once per combination, without a branch on it.</summary>
    interface IFlag { static abstract bool Value { get; } }
    readonly struct On : IFlag { public static bool Value => true; }
    readonly struct Off : IFlag { public static bool Value => false; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void BackwardRecomputeChunk<TS, THard, TDetach, TGradPots, TSum>(BackwardArgs a, TS sg, long start, long end)
        where TS : struct, ISurrogateKernel where THard : struct, IFlag where TDetach : struct, IFlag where TGradPots : struct, IFlag where TSum : struct, IFlag
    {
        float* x = a.Src, gO = a.GradSpikes, gP = a.GradPots, gx = a.GradInput;
        long n = a.N, steps = a.Steps, xs = a.XStride, gs = a.GradStride > 0 ? a.GradStride : n;
        int w = Vector<float>.Count;
        var vTau = new Vector<float>(a.Tau);
        var vTh = new Vector<float>(a.Vth);
        bool hard = THard.Value, detach = TDetach.Value, hasGP = TGradPots.Value, sum = TSum.Value;
        long block = BlockLanes(steps), size = 2 * steps * block;
        Span<float> buffer = size <= StackFloats ? stackalloc float[(int)size] : new float[size];
        long vectorEnd = start + (end - start) / w * w;
        fixed (float* pre = buffer)
        {
            float* d = pre + steps * block;
            for (long i0 = start; i0 < vectorEnd; i0 += block)
            {
                long len = Math.Min(block, vectorEnd - i0);
                for (long j = 0; j < len; j += w)
                {
                    var u = Vector<float>.Zero;
                    for (long t = 0; t < steps; t++)
                    {
                        var v = u * vTau + Unsafe.ReadUnaligned<Vector<float>>(x + t * xs + i0 + j);
                        Unsafe.WriteUnaligned(pre + t * block + j, v);
                        if (!Vector512.IsHardwareAccelerated) Unsafe.WriteUnaligned(d + t * block + j, sg.Derivative(v - vTh, t * n + i0 + j));
                        var fire = Vector.GreaterThanOrEqual(v, vTh);
                        u = hard ? Vector.ConditionalSelect(fire, Vector<float>.Zero, v) : v - Vector.ConditionalSelect(fire, Vector<float>.One, Vector<float>.Zero) * vTh;
                    }
                }
                if (Vector512.IsHardwareAccelerated)
                    for (long t = 0; t < steps; t++) Derivatives(sg, pre + t * block, d + t * block, len, a.Vth, t * n + i0);
                for (long j = 0; j < len; j += w)
                {
                    var gu = Vector<float>.Zero;
                    var total = Vector<float>.Zero;
                    for (long t = steps - 1; t >= 0; t--)
                    {
                        long k = t * n + i0 + j, b = t * block + j;
                        var gPre = StepBack(Unsafe.ReadUnaligned<Vector<float>>(pre + b), Unsafe.ReadUnaligned<Vector<float>>(gO + k),
                            hasGP ? Unsafe.ReadUnaligned<Vector<float>>(gP + k) : Vector<float>.Zero, gu, vTh, hard, detach,
                            Unsafe.ReadUnaligned<Vector<float>>(d + b));
                        if (sum) total += gPre;
                        else Unsafe.WriteUnaligned(gx + t * gs + i0 + j, gPre);
                        gu = gPre * vTau;
                    }
                    if (sum) Unsafe.WriteUnaligned(gx + i0 + j, total);
                }
            }
        }
        Span<float> scalars = steps <= StackSteps ? stackalloc float[(int)steps] : new float[steps];
        for (long i = vectorEnd; i < end; i++)
        {
            float u = 0;
            for (long t = 0; t < steps; t++)
            {
                float v = u * a.Tau + x[t * xs + i];
                scalars[(int)t] = v;
                float spk = v >= a.Vth ? 1f : 0f;
                u = hard ? (spk != 0 ? 0f : v) : v - spk * a.Vth;
            }
            float gu = 0, total = 0;
            for (long t = steps - 1; t >= 0; t--)
            {
                long k = t * n + i;
                float gPre = StepBack(scalars[(int)t], gO[k], hasGP ? gP[k] : 0f, gu, a.Vth, hard, detach, sg, k);
                if (sum) total += gPre;
                else gx[t * gs + i] = gPre;
                gu = gPre * a.Tau;
            }
            if (sum) gx[i] = total;
        }
    }

    /// <summary>One backward step: ∂L/∂p[t] from p[t], ∂L/∂o[t], ∂L/∂p[t] (direct), g_u = ∂L/∂u[t] and σ'(p[t] − V_th).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> StepBack(Vector<float> pre, Vector<float> gOut, Vector<float> gPot, Vector<float> gu, Vector<float> vTh,
        bool hard, bool detach, Vector<float> derivative)
    {
        var fire = Vector.GreaterThanOrEqual(pre, vTh);
        Vector<float> dUdO = detach ? Vector<float>.Zero : hard ? -pre : -vTh;
        Vector<float> dUdP = hard ? Vector.ConditionalSelect(fire, Vector<float>.Zero, Vector<float>.One) : Vector<float>.One;
        var g = gOut + gu * dUdO;
        return gPot + g * derivative + gu * dUdP;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float StepBack<TS>(float pre, float gOut, float gPot, float gu, float vth, bool hard, bool detach, TS sg, long k)
        where TS : struct, ISurrogateKernel
    {
        bool fire = pre >= vth;
        float dUdO = detach ? 0f : hard ? -pre : -vth;
        float dUdP = hard ? (fire ? 0f : 1f) : 1f;
        float g = gOut + gu * dUdO;
        return gPot + g * sg.Derivative(pre - vth, k) + gu * dUdP;
    }

    /// <summary>The node. Inputs: the input <c>x</c> <c>[T, B, ...]</c>, the options, whether potentials are an output, and
    /// T when <c>x</c> is instead the source <c>[B, ...]</c> of an input repeated over T (0 otherwise); then the node's
    /// gradient is Σ_t ∂L/∂x[t] and only the source is saved.</summary>
    sealed class Function : autograd.MultiTensorFunction<Function>
    {
        public override string Name => "SpikeKitFusedLif";

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var o = (NeuronOptions)vars[1];
            bool needPotentials = (bool)vars[2];
            long repeat = (long)vars[3];
            using var input = repeat > 0 ? x.unsqueeze(0).expand([repeat, .. x.shape]) : x.alias();
            var (spikes, pots) = Run(input, o, writePotentials: needPotentials || (repeat == 0 && !o.Recompute));
            // Potentials that are not an output are still saved (without Recompute); the step's dispose scope releases
            // this handle, the saved variable keeps its own reference until backward has run.
            ctx.save_for_backward([repeat > 0 || o.Recompute ? x : pots!]);
            ctx.save_data("o", o);
            ctx.save_data("p", needPotentials);
            ctx.save_data("t", repeat);
            return needPotentials ? [spikes, pots!] : [spikes];
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
        {
            using var saved = ctx.get_saved_variables()[0];
            var o = (NeuronOptions)ctx.get_data("o");
            var gp = (bool)ctx.get_data("p") ? grad_outputs[1] : null;
            long repeat = (long)ctx.get_data("t");
            var gx = repeat > 0 ? RepeatBackward(saved, repeat, grad_outputs[0], gp, o) : Backward(saved, grad_outputs[0], gp, o);
            return [gx, null!, null!, null!];
        }
    }
}
