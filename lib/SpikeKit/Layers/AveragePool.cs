using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SpikeKit.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// Non-overlapping k×k average pooling (stride k, no padding, odd sides floored as PyTorch's <c>AvgPool2d(k)</c>) on the
/// last two dimensions of a tensor of any rank (<c>[N, C, H, W]</c>, or <c>[T, B, C, H, W]</c> directly):
/// <code>
/// forward   y[i, j] = (1/k²) Σ_{a, b &lt; k} x[k·i + a, k·j + b]
/// backward  ∂L/∂x[k·i + a, k·j + b] = (1/k²)·∂L/∂y[i, j]    (0 in the floored-off last rows and columns)
/// </code>
/// Two forms side by side: the reference (LibTorch's <c>avg_pool2d</c>, used off the CPU, for other dtypes, and with
/// <c>Fused = false</c>) and the fused CPU float32 kernel (one pass each way; LibTorch's CPU kernel is several times slower,
/// which made pooling the largest non-convolution cost of the reference CNN's step).
/// </summary>
public sealed class AveragePool : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernel">Window side k (also the stride), at least 1.</param>
    /// <param name="fused">Use the fused kernel where it applies (false: always the reference).</param>
    public AveragePool(int kernel = 2, bool fused = true) : base($"avgpool{kernel}")
    {
        if (kernel < 1) throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "pooling window must be at least 1");
        Kernel = kernel;
        Fused = fused;
    }

    /// <summary>Window side and stride k.</summary>
    public int Kernel { get; }

    /// <summary>Whether the fused kernel runs where it applies.</summary>
    public bool Fused { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"{GetName()}: input needs at least 2 dimensions, got [{string.Join(", ", x.shape)}]");
        if (x.shape[^1] < Kernel || x.shape[^2] < Kernel)
            throw new ArgumentException($"{GetName()}: input [{string.Join(", ", x.shape)}] is smaller than the {Kernel}×{Kernel} window");
        return Fused && CpuKernel.IsCpuFloat32(x) ? Fast(x, Kernel) : Reference(x, Kernel);
    }

    /// <summary>The reference form: LibTorch's <c>avg_pool2d</c> (on a 4-D view of the input).</summary>
    public static Tensor Reference(Tensor x, int k)
    {
        long h = x.shape[^2], w = x.shape[^1];
        using var flat = x.reshape(-1, 1, h, w);
        using var y = nn.functional.avg_pool2d(flat, k);
        return y.view(OutputShape(x, k));
    }

    /// <summary>The fused form (CPU float32); an autograd node when the input requires a gradient.</summary>
    public static Tensor Fast(Tensor x, int k)
    {
        if (!x.requires_grad || !is_grad_enabled())
        {
            using var noGrad = no_grad();
            return Forward(x, k);
        }
        return Function.apply(x, k);
    }

    static long[] OutputShape(Tensor x, int k)
    {
        var shape = x.shape.ToArray();
        shape[^2] /= k;
        shape[^1] /= k;
        return shape;
    }

    static Tensor Forward(Tensor x, int k)
    {
        using var src = x.contiguous();
        var y = empty(OutputShape(x, k), ScalarType.Float32);
        long h = x.shape[^2], w = x.shape[^1], planes = x.numel() / (h * w);
        unsafe
        {
            float* xp = CpuKernel.Ptr(src), yp = CpuKernel.Ptr(y);
            CpuKernel.ParallelItems(planes, h * w, (start, end) =>
            {
                for (long c = start; c < end; c++) PoolPlane(xp + c * h * w, yp + c * (h / k) * (w / k), h, w, k);
            });
        }
        return y;
    }

    /// <summary>Pools one <paramref name="h"/>×<paramref name="w"/> plane into <c>y</c> (also used by the fused LIF + pooling node).</summary>
    internal static unsafe void PoolPlane(float* x, float* y, long h, long w, int k)
    {
        if (k == 2) Forward2(x, y, h, w);
        else ForwardK(x, y, h, w, k);
    }

    /// <summary>The gradient of one plane: every input gets its window's output gradient / k² (0 outside the windows).</summary>
    internal static unsafe void UnpoolPlane(float* g, float* gx, long h, long w, int k) => BackwardPlane(g, gx, h, w, k);

    /// <summary>2×2: the two input rows are added as vectors, then adjacent pairs of the row sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Forward2(float* x, float* y, long h, long w)
    {
        long ho = h / 2, wo = w / 2, used = 2 * wo;
        int vw = Vector<float>.Count;
        Span<float> row = used <= 1024 ? stackalloc float[(int)used] : new float[used];
        fixed (float* r = row)
        {
            for (long i = 0; i < ho; i++)
            {
                float* a = x + 2 * i * w, b = a + w;
                // Rows whose length is not a multiple of the vector width end with one vector that overlaps the one before
                // (its elements are computed again, to the same values), so no element is left to a scalar loop.
                long j = 0;
                if (used >= vw)
                    for (; j < used; j += vw)
                    {
                        long at = Math.Min(j, used - vw);
                        Unsafe.WriteUnaligned(r + at, Unsafe.ReadUnaligned<Vector<float>>(a + at) + Unsafe.ReadUnaligned<Vector<float>>(b + at));
                    }
                for (; j < used; j++) r[j] = a[j] + b[j];
                float* o = y + i * wo;
                long q = 0;
                if (Avx2.IsSupported && wo >= 4)
                {
                    var quarter = Vector256.Create(0.25f);
                    for (; wo >= 8 && q < wo; q += 8)
                    {
                        long at = Math.Min(q, wo - 8);
                        // hadd pairs within 128-bit lanes: [r0+r1, r2+r3, r8+r9, r10+r11 | r4+r5, r6+r7, r12+r13, r14+r15],
                        // then put the 64-bit quarters in order 0, 2, 1, 3
                        var sum = Avx.HorizontalAdd(Avx.LoadVector256(r + 2 * at), Avx.LoadVector256(r + 2 * at + 8));
                        var ordered = Avx2.Permute4x64(sum.AsDouble(), 0b11_01_10_00).AsSingle();
                        Avx.Store(o + at, Avx.Multiply(ordered, quarter));
                    }
                    for (var quarter4 = Vector128.Create(0.25f); q < wo; q += 4)
                    {
                        long at = Math.Min(q, wo - 4);
                        // [r0+r1, r2+r3, r4+r5, r6+r7]
                        Sse.Store(o + at, Sse.Multiply(Sse3.HorizontalAdd(Sse.LoadVector128(r + 2 * at), Sse.LoadVector128(r + 2 * at + 4)), quarter4));
                    }
                }
                for (; q < wo; q++) o[q] = (r[2 * q] + r[2 * q + 1]) * 0.25f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void ForwardK(float* x, float* y, long h, long w, int k)
    {
        long ho = h / k, wo = w / k;
        float area = k * k;
        for (long i = 0; i < ho; i++)
            for (long q = 0; q < wo; q++)
            {
                float s = 0;
                for (int a = 0; a < k; a++)
                {
                    float* r = x + (k * i + a) * w + k * q;
                    for (int b = 0; b < k; b++) s += r[b];
                }
                y[i * wo + q] = s / area;
            }
    }

    static Tensor Backward(Tensor grad, long[] inputShape, int k)
    {
        using var g = grad.contiguous();
        var gx = empty(inputShape, ScalarType.Float32);
        long h = inputShape[^2], w = inputShape[^1], planes = gx.numel() / (h * w);
        unsafe
        {
            float* gp = CpuKernel.Ptr(g), xp = CpuKernel.Ptr(gx);
            CpuKernel.ParallelItems(planes, h * w, (start, end) =>
            {
                for (long c = start; c < end; c++) BackwardPlane(gp + c * (h / k) * (w / k), xp + c * h * w, h, w, k);
            });
        }
        return gx;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void BackwardPlane(float* g, float* gx, long h, long w, int k)
    {
        long ho = h / k, wo = w / k;
        float area = k * k;
        for (long i = 0; i < ho; i++)
        {
            float* gi = g + i * wo;
            for (int a = 0; a < k; a++)
            {
                float* r = gx + (k * i + a) * w;
                long j = 0;
                if (k == 2)
                {
                    long q = 0;
                    if (Avx2.IsSupported && wo >= 4)
                    {
                        // the last vector of a row overlaps the one before (the same values written again)
                        var quarter = Vector256.Create(0.25f);
                        for (; wo >= 8 && q < wo; q += 8)
                        {
                            long at = Math.Min(q, wo - 8);
                            // each of 8 gradients twice: duplicate within 128-bit lanes, then swap the middle quarters
                            var v = Avx.Multiply(Avx.LoadVector256(gi + at), quarter);
                            var lo = Avx.UnpackLow(v, v);      // g0 g0 g1 g1 | g4 g4 g5 g5
                            var hi = Avx.UnpackHigh(v, v);     // g2 g2 g3 g3 | g6 g6 g7 g7
                            Avx.Store(r + 2 * at, Avx.Permute2x128(lo, hi, 0x20));
                            Avx.Store(r + 2 * at + 8, Avx.Permute2x128(lo, hi, 0x31));
                        }
                        for (var quarter4 = Vector128.Create(0.25f); q < wo; q += 4)
                        {
                            long at = Math.Min(q, wo - 4);
                            var v = Sse.Multiply(Sse.LoadVector128(gi + at), quarter4);
                            Sse.Store(r + 2 * at, Sse.UnpackLow(v, v));
                            Sse.Store(r + 2 * at + 4, Sse.UnpackHigh(v, v));
                        }
                        j = 2 * wo;
                    }
                    for (; q < wo; q++, j += 2) { float v = gi[q] * 0.25f; r[j] = v; r[j + 1] = v; }
                }
                else
                    for (long q = 0; q < wo; q++)
                    {
                        float v = gi[q] / area;
                        for (int b = 0; b < k; b++) r[j++] = v;
                    }
                for (; j < w; j++) r[j] = 0f;
            }
        }
        for (long row = ho * k; row < h; row++)
            new Span<float>(gx + row * w, (int)w).Clear();
    }

    sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "SpikeKitAveragePool";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            int k = (int)vars[1];
            ctx.save_data("shape", x.shape.ToArray());
            ctx.save_data("k", k);
            return Forward(x, k);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) =>
            [Backward(grad_output, (long[])ctx.get_data("shape"), (int)ctx.get_data("k")), null!];
    }
}
