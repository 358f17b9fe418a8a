using System.Numerics;
using System.Runtime.CompilerServices;
using SpikeKit.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>
/// One RMP-Loss layer term <c>mean(dist(clip(u, a, b) − o))</c> as one autograd node (CPU, float32): forward is a single
/// vectorized reduction over the potentials and spikes (no temporaries), backward writes
/// <c>∂L/∂u = g/N · dist'(clip(u) − o) · [a ≤ u ≤ b]</c> in one pass (and <c>−</c> that for the spikes when they are not
/// detached). Same values and gradients as the tensor-op path of <see cref="RmpLoss.LayerTerm"/>: the clip passes the
/// gradient where <c>a ≤ u ≤ b</c> (inclusive, as <c>clamp</c>), <c>dist' = 2d</c> (squared) or <c>sign(d)</c> (absolute).
/// The sum is accumulated in double per chunk and the chunks are added in a fixed order (independent of the thread count).
/// </summary>
internal static class FusedRmp
{
    /// <summary>True when the fused term can run on these tensors.</summary>
    public static bool Supports(Tensor potential, Tensor spikes) =>
        CpuKernel.IsCpuFloat32(potential) && CpuKernel.IsCpuFloat32(spikes) &&
        potential.shape.SequenceEqual(spikes.shape) && potential.numel() > 0;

    /// <summary>The layer term, a float32 scalar in the autograd graph of <paramref name="potential"/> (and of
    /// <paramref name="spikes"/> unless <see cref="RmpLoss.DetachSpikes"/>).</summary>
    public static Tensor Term(Tensor potential, Tensor spikes, RmpLoss rmp)
    {
        using var o = rmp.DetachSpikes ? spikes.detach() : spikes.alias();
        if ((!potential.requires_grad && !o.requires_grad) || !is_grad_enabled())
        {
            using var noGrad = no_grad();
            return Value(potential, o, rmp);
        }
        return Function.apply(potential, o, rmp);
    }

    static Tensor Value(Tensor potential, Tensor spikes, RmpLoss rmp)
    {
        using var u = CpuKernel.Dense(potential);
        using var s = CpuKernel.InLayout(spikes, u.stride());
        long n = u.numel();
        float lo = (float)rmp.ClipMin, hi = (float)rmp.ClipMax;
        bool clip = rmp.Clip, squared = rmp.Distance == DistanceKind.Squared;
        double sum;
        unsafe
        {
            float* up = CpuKernel.Ptr(u), sp = CpuKernel.Ptr(s);
            sum = CpuKernel.DeterministicSum(n, (start, end) => SumChunk(up, sp, start, end, clip, lo, hi, squared));
        }
        return tensor((float)(sum / n), ScalarType.Float32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe double SumChunk(float* u, float* s, long start, long end, bool clip, float lo, float hi, bool squared)
    {
        int w = Vector<float>.Count;
        var vLo = new Vector<float>(lo);
        var vHi = new Vector<float>(hi);
        Vector<double> acc0 = Vector<double>.Zero, acc1 = Vector<double>.Zero;
        long i = start;
        for (; i + w <= end; i += w)
        {
            var x = Unsafe.ReadUnaligned<Vector<float>>(u + i);
            if (clip) x = Vector.Min(Vector.Max(x, vLo), vHi);
            var d = x - Unsafe.ReadUnaligned<Vector<float>>(s + i);
            d = squared ? d * d : Vector.Abs(d);
            Vector.Widen(d, out var d0, out var d1);
            acc0 += d0;
            acc1 += d1;
        }
        double sum = Vector.Sum(acc0 + acc1);
        for (; i < end; i++)
        {
            float x = u[i];
            if (clip) x = MathF.Min(MathF.Max(x, lo), hi);
            float d = x - s[i];
            sum += squared ? d * d : MathF.Abs(d);
        }
        return sum;
    }

    static (Tensor GradPotential, Tensor? GradSpikes) Backward(Tensor potential, Tensor spikes, Tensor gradOutput, RmpLoss rmp, bool spikesNeedGrad)
    {
        using var u = CpuKernel.Dense(potential);
        using var s = CpuKernel.InLayout(spikes, u.stride());
        long n = u.numel();
        // As ATen's mean backward: the incoming gradient divided by N in float32.
        float g = gradOutput.item<float>() / (float)n;
        var gu = CpuKernel.EmptyStrided(u.shape, u.stride());
        var gs = spikesNeedGrad ? CpuKernel.EmptyStrided(u.shape, u.stride()) : null;
        float lo = (float)rmp.ClipMin, hi = (float)rmp.ClipMax;
        bool clip = rmp.Clip, squared = rmp.Distance == DistanceKind.Squared;
        unsafe
        {
            float* up = CpuKernel.Ptr(u), sp = CpuKernel.Ptr(s), gup = CpuKernel.Ptr(gu), gsp = gs is null ? null : CpuKernel.Ptr(gs);
            CpuKernel.ParallelChunks(n, (start, end) => BackwardChunk(up, sp, gup, gsp, start, end, g, clip, lo, hi, squared));
        }
        return (gu, gs);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void BackwardChunk(float* u, float* s, float* gu, float* gs, long start, long end, float g, bool clip, float lo, float hi, bool squared)
    {
        int w = Vector<float>.Count;
        var vLo = new Vector<float>(lo);
        var vHi = new Vector<float>(hi);
        var vG = new Vector<float>(g);
        bool spikes = gs is not null;
        long i = start;
        for (; i + w <= end; i += w)
        {
            var x = Unsafe.ReadUnaligned<Vector<float>>(u + i);
            var c = clip ? Vector.Min(Vector.Max(x, vLo), vHi) : x;
            var d = c - Unsafe.ReadUnaligned<Vector<float>>(s + i);
            var gd = vG * (squared ? d + d : Sign(d));
            var inside = clip ? Vector.BitwiseAnd(Vector.GreaterThanOrEqual(x, vLo), Vector.LessThanOrEqual(x, vHi)) : Vector<int>.AllBitsSet;
            Unsafe.WriteUnaligned(gu + i, Vector.ConditionalSelect(inside, gd, Vector<float>.Zero));
            if (spikes) Unsafe.WriteUnaligned(gs + i, -gd);
        }
        for (; i < end; i++)
        {
            float x = u[i];
            float c = clip ? MathF.Min(MathF.Max(x, lo), hi) : x;
            float d = c - s[i];
            float gd = g * (squared ? d + d : MathF.Sign(d));
            gu[i] = !clip || (x >= lo && x <= hi) ? gd : 0f;
            if (spikes) gs[i] = -gd;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> Sign(Vector<float> d) =>
        Vector.ConditionalSelect(Vector.GreaterThan(d, Vector<float>.Zero), Vector<float>.One,
            Vector.ConditionalSelect(Vector.LessThan(d, Vector<float>.Zero), -Vector<float>.One, Vector<float>.Zero));

    sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "SpikeKitRmpTerm";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var u = (Tensor)vars[0];
            var o = (Tensor)vars[1];
            var rmp = (RmpLoss)vars[2];
            ctx.save_for_backward([u, o]);
            ctx.save_data("rmp", rmp);
            ctx.save_data("spikes", o.requires_grad);
            return Value(u, o, rmp);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            using var u = saved[0];
            using var o = saved[1];
            var (gu, gs) = Backward(u, o, grad_output, (RmpLoss)ctx.get_data("rmp"), (bool)ctx.get_data("spikes"));
            return [gu, gs!, null!];
        }
    }
}
