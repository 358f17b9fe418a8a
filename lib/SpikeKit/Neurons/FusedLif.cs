using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// The surrogate derivative σ' is evaluated once for all T by <see cref="Surrogates.Surrogate.Derivative(Tensor)"/>
/// (vectorized ATen); only the pre-firing potentials are saved for backward.
/// </summary>
internal static class FusedLif
{
    const int Chunk = 1 << 14;

    /// <summary>True when the fused kernel can run on <paramref name="x"/>.</summary>
    public static bool Supports(Tensor x) => x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && x.dim() >= 2;

    /// <summary>Spikes and potentials, both <c>[T, B, ...]</c>.</summary>
    public static (Tensor Spikes, Tensor Potentials) Forward(Tensor x, NeuronOptions o)
    {
        if (!x.requires_grad || !is_grad_enabled())
        {
            using var noGrad = no_grad();
            var (s, p) = Run(x, o);
            return (s, p);
        }
        var outs = Function.apply(x, o);
        return (outs[0], outs[1]);
    }

    static (Tensor Spikes, Tensor Potentials) Run(Tensor x, NeuronOptions o)
    {
        long steps = x.shape[0];
        long n = x.numel() / steps;
        // An input expanded over T (stride 0, as the direct-encoding stem produces) is read in place; anything else is made contiguous.
        Tensor src;
        long xStride;
        using (var x0 = x[0])
        {
            if (x.stride(0) == 0 && x0.is_contiguous()) { src = x0.alias(); xStride = 0; }
            else { src = x.contiguous(); xStride = n; }
        }
        using (src)
        {
            var spikes = empty(x.shape, ScalarType.Float32);
            var pots = empty(x.shape, ScalarType.Float32);
            unsafe
            {
                float* xp = Ptr(src), sp = Ptr(spikes), pp = Ptr(pots);
                float tau = (float)o.Tau, vth = (float)o.Threshold;
                bool hard = o.Reset == ResetMode.Hard;
                ParallelChunks(n, (start, end) => ForwardChunk(xp, xStride, sp, pp, n, steps, start, end, tau, vth, hard));
            }
            return (spikes, pots);
        }
    }

    static unsafe void ForwardChunk(float* x, long xStride, float* s, float* p, long n, long steps, long start, long end, float tau, float vth, bool hard)
    {
        int w = Vector<float>.Count;
        var vTau = new Vector<float>(tau);
        var vTh = new Vector<float>(vth);
        var one = Vector<float>.One;
        long i = start;
        for (; i + w <= end; i += w)
        {
            var u = Vector<float>.Zero;
            for (long t = 0; t < steps; t++)
            {
                var pre = u * vTau + Unsafe.ReadUnaligned<Vector<float>>(x + t * xStride + i);
                var fire = Vector.GreaterThanOrEqual(pre, vTh);
                var spk = Vector.ConditionalSelect(fire, one, Vector<float>.Zero);
                Unsafe.WriteUnaligned(p + t * n + i, pre);
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
                p[t * n + i] = pre;
                s[t * n + i] = spk;
                u = hard ? (spk != 0 ? 0f : pre) : pre - spk * vth;
            }
        }
    }

    /// <summary>∂L/∂x from the gradients of both outputs and the saved potentials.</summary>
    static Tensor Backward(Tensor pots, Tensor gradSpikes, Tensor gradPots, NeuronOptions o)
    {
        long steps = pots.shape[0];
        long n = pots.numel() / steps;
        using var centred = pots.sub(o.Threshold);
        using var sg = o.SurrogateOrDefault.Derivative(centred);
        using var sgc = sg.to_type(ScalarType.Float32).contiguous();
        using var go = gradSpikes.contiguous();
        using var gp = gradPots.contiguous();
        var gx = empty(pots.shape, ScalarType.Float32);
        unsafe
        {
            float* pp = Ptr(pots), sp = Ptr(sgc), gop = Ptr(go), gpp = Ptr(gp), gxp = Ptr(gx);
            float tau = (float)o.Tau, vth = (float)o.Threshold;
            bool hard = o.Reset == ResetMode.Hard, detach = o.DetachReset;
            ParallelChunks(n, (start, end) => BackwardChunk(pp, sp, gop, gpp, gxp, n, steps, start, end, tau, vth, hard, detach));
        }
        return gx;
    }

    static unsafe void BackwardChunk(float* p, float* sg, float* gO, float* gP, float* gx, long n, long steps, long start, long end,
        float tau, float vth, bool hard, bool detach)
    {
        int w = Vector<float>.Count;
        var vTau = new Vector<float>(tau);
        var vTh = new Vector<float>(vth);
        var one = Vector<float>.One;
        long i = start;
        for (; i + w <= end; i += w)
        {
            var gu = Vector<float>.Zero;
            for (long t = steps - 1; t >= 0; t--)
            {
                long k = t * n + i;
                var pre = Unsafe.ReadUnaligned<Vector<float>>(p + k);
                var fire = Vector.GreaterThanOrEqual(pre, vTh);
                Vector<float> dUdO = detach ? Vector<float>.Zero : hard ? -pre : -vTh;
                Vector<float> dUdP = hard ? Vector.ConditionalSelect(fire, Vector<float>.Zero, one) : one;
                var gOut = Unsafe.ReadUnaligned<Vector<float>>(gO + k) + gu * dUdO;
                var gPre = Unsafe.ReadUnaligned<Vector<float>>(gP + k) + gOut * Unsafe.ReadUnaligned<Vector<float>>(sg + k) + gu * dUdP;
                Unsafe.WriteUnaligned(gx + k, gPre);
                gu = gPre * vTau;
            }
        }
        for (; i < end; i++)
        {
            float gu = 0;
            for (long t = steps - 1; t >= 0; t--)
            {
                long k = t * n + i;
                float pre = p[k];
                bool fire = pre >= vth;
                float dUdO = detach ? 0f : hard ? -pre : -vth;
                float dUdP = hard ? (fire ? 0f : 1f) : 1f;
                float gOut = gO[k] + gu * dUdO;
                float gPre = gP[k] + gOut * sg[k] + gu * dUdP;
                gx[k] = gPre;
                gu = gPre * tau;
            }
        }
    }


    static void ParallelChunks(long n, Action<long, long> body)
    {
        long chunks = (n + Chunk - 1) / Chunk;
        int threads = Math.Max(1, Math.Min(torch.get_num_threads(), (int)chunks));
        if (threads == 1) { body(0, n); return; }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, k =>
        {
            long per = (chunks + threads - 1) / threads;
            long start = Math.Min(n, k * per * Chunk), end = Math.Min(n, (k + 1) * per * Chunk);
            if (start < end) body(start, end);
        });
    }

    static unsafe float* Ptr(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    sealed class Function : autograd.MultiTensorFunction<Function>
    {
        public override string Name => "SpikeKitFusedLif";

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var o = (NeuronOptions)vars[1];
            var (spikes, pots) = Run(x, o);
            ctx.save_for_backward([pots]);
            ctx.save_data("o", o);
            return [spikes, pots];
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
        {
            var pots = ctx.get_saved_variables()[0];
            var o = (NeuronOptions)ctx.get_data("o");
            return [Backward(pots, grad_outputs[0], grad_outputs[1], o), null!];
        }
    }
}
