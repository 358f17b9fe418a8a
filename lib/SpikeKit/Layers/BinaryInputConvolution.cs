using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SpikeKit.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// A convolution whose input is binary (spikes, 0 or 1), computed by table lookups instead of multiplications. The input
/// channels of a pixel are read as bits, in groups of <c>g</c> channels (8, or all 4 when C = 4); for every
/// kernel tap <c>(a, b)</c> and group <c>j</c> a table holds, for each of the <c>2^g</c> bit patterns <c>m</c>, the sum of
/// the weights of its set bits:
/// <code>
/// T[a, b, j, m] = Σ_{i ∈ m} W[:, g·j + i, a, b]        y[n, :, p, q] = bias + Σ_{a, b, j} T[a, b, j, bits_j(x[n, :, s·p − pad + a, s·q − pad + b])]
/// </code>
/// which is <c>W ⋆ x</c> for a 0/1 input (zero padding reads the pattern 0, whose entry is 0): k²·C/g vector additions of
/// C_out lanes per output pixel instead of k²·C multiply-adds, on tables built from the weights at each call (each entry
/// the entry without its highest bit plus that bit's weights). Used for inference only (no gradient recorded) on channels-last float32 CPU
/// inputs; every SpikeKit convolution after the first reads spikes. The packing pass checks that every value is exactly
/// 0 or 1; at any other value (pooled spikes, an image, NaN) the call returns null and the caller convolves as usual.
/// The sums are those of LibTorch's convolution in another order (equal to float rounding).
/// </summary>
internal static unsafe class BinaryInputConvolution
{
    /// <summary>Largest set of tables used (bytes). Measured on a 2-core AMD EPYC (AVX-512, 1 MB L2) against LibTorch's
    /// oneDNN convolution on <c>[256, C, H, W]</c> spikes: faster up to here (8 → 16 at 16×16, 144 KB: 0.57 vs 0.98 ms;
    /// 16 → 16 at 8×8, 288 KB: 0.43 vs 0.50 ms), slower beyond (16 → 32 at 16×16, 576 KB: 3.1 vs 2.8 ms).</summary>
    internal const long MaxTableBytes = 320 * 1024;

    /// <summary>
    /// How one convolution runs: <see cref="Group"/> channels per bit pattern, <see cref="Groups"/> patterns per pixel;
    /// <see cref="Lookups"/> per kernel row, <see cref="Entries"/> per table. The patterns of an image sit in a zero-bordered
    /// buffer <c>[Hp, Wp, Groups]</c> of bytes.
    /// </summary>
    readonly record struct Plan(int Cin, int Cout, int K, int Pad, int Stride, long H, long W, long Ho, long Wo,
        int Group)
    {
        public int Groups => Cin / Group;
        public int Lookups => K * Groups;
        public int Entries => 1 << Group;
        public long Hp => H + 2 * Pad;
        public long Wp => W + 2 * Pad;
        public long TableFloats => (long)K * Lookups * Entries * Cout;

        /// <summary>The plan for <paramref name="conv"/> on an input of <paramref name="shape"/> <c>[N, C, H, W]</c>, or null
        /// when the convolution has a form not handled here or its tables would exceed <see cref="MaxTableBytes"/>.</summary>
        public static Plan? For(Conv2d conv, long[] shape)
        {
            var w = conv.weight!.shape;
            if (conv.groups != 1 || w[2] != w[3] || conv.dilation.Any(d => d != 1) || conv.padding_mode != PaddingModes.Zeros
                || conv.padding is not [var p0, var p1] || p0 != p1 || conv.stride is not [var s0, var s1] || s0 != s1) return null;
            long cin = w[1], cout = w[0], k = w[2];
            if ((cin != 4 && cin % 8 != 0) || cout % 4 != 0 || shape[1] != cin || cout > 1024 || k > 15) return null;
            long ho = (shape[2] + 2 * p0 - k) / s0 + 1, wo = (shape[3] + 2 * p0 - k) / s0 + 1;
            int group = cin == 4 ? 4 : 8;
            var plan = new Plan((int)cin, (int)cout, (int)k, (int)p0, (int)s0, shape[2], shape[3], ho, wo, group);
            return plan.TableFloats * sizeof(float) <= MaxTableBytes ? plan : null;
        }
    }

    /// <summary>True when <paramref name="conv"/> on <paramref name="x"/> can run here: no gradient to record, a float32 CPU
    /// input <c>[N, C, H, W]</c> laid out channels-last, C = 4 or a multiple of 8 (4-channel groups of more channels lose to the
    /// dense convolution: 12 → 12 at 16×16, 1.6 vs 1.3 ms), C_out a multiple of 4, a square kernel with zero padding on all
    /// sides and one stride, no dilation or groups, and tables of at most <see cref="MaxTableBytes"/>.</summary>
    public static bool Applies(Conv2d conv, Tensor x)
    {
        if (!Vector256.IsHardwareAccelerated || x.dim() != 4 || !CpuKernel.IsCpuFloat32(x) || !CpuKernel.IsChannelsLast(x, 1)) return false;
        if (is_grad_enabled() && (x.requires_grad || conv.weight!.requires_grad || conv.bias is { requires_grad: true })) return false;
        return Plan.For(conv, x.shape) is not null;
    }

    /// <summary><c>conv(x)</c> by table lookups (call only where <see cref="Applies"/>), channels-last like LibTorch's output
    /// for a channels-last input; null when <paramref name="x"/> holds a value other than 0 and 1.</summary>
    public static Tensor? TryForward(Conv2d conv, Tensor x)
    {
        var plan = Plan.For(conv, x.shape) ?? throw new ArgumentException($"{conv.GetName()}: not a convolution of this form");
        long n = x.shape[0];
        var y = CpuKernel.EmptyStrided([n, plan.Cout, plan.Ho, plan.Wo], [plan.Ho * plan.Wo * plan.Cout, 1, plan.Wo * plan.Cout, plan.Cout]);
        if (n == 0 || plan.Ho <= 0 || plan.Wo <= 0) return y;
        var bias = new float[plan.Cout];
        if (conv.bias is { } b)
            using (var dense = b.detach().contiguous()) new ReadOnlySpan<float>(CpuKernel.Ptr(dense), plan.Cout).CopyTo(bias);
        float* src = CpuKernel.Ptr(x), dst = CpuKernel.Ptr(y);
        long inPlane = plan.H * plan.W * plan.Cin, outPlane = plan.Ho * plan.Wo * plan.Cout;
        int nonBinary = 0;
        float* tables = Tables(conv.weight!, plan);
        try
        {
            CpuKernel.ParallelItems(n, inPlane, (start, end) =>
            {
                var patterns = (byte*)NativeMemory.AllocZeroed((nuint)(plan.Hp * plan.Wp * plan.Groups));
                try
                {
                    fixed (float* bs = bias)
                        for (long img = start; img < end && Volatile.Read(ref nonBinary) == 0; img++)
                        {
                            if (!Pack(src + img * inPlane, patterns, plan)) { Interlocked.Exchange(ref nonBinary, 1); break; }
                            Convolve(patterns, tables, bs, dst + img * outPlane, plan);
                        }
                }
                finally
                {
                    NativeMemory.Free(patterns);
                }
            });
        }
        finally
        {
            NativeMemory.Free(tables);
        }
        if (nonBinary == 0) return y;
        y.Dispose();
        return null;
    }

    /// <summary>The tables, kernel row by kernel row, <see cref="Plan.Lookups"/> per row of <see cref="Plan.Entries"/> entries
    /// of C_out floats, in native memory (free with <see cref="NativeMemory.Free"/>). Bit β of lookup j in row a stands for
    /// channel <c>g·(j mod Groups) + β</c> of tap <c>(a, j div Groups)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float* Tables(Tensor weight, in Plan plan)
    {
        using var permuted = weight.detach().permute(2, 3, 1, 0);     // [a, b, i, o]
        using var dense = permuted.contiguous();
        float* wt = CpuKernel.Ptr(dense);
        int cout = plan.Cout, entries = plan.Entries;
        var tables = (float*)NativeMemory.Alloc((nuint)plan.TableFloats, sizeof(float));
        for (int a = 0; a < plan.K; a++)
            for (int j = 0; j < plan.Lookups; j++)
            {
                float* table = tables + (long)(a * plan.Lookups + j) * entries * cout;
                new Span<float>(table, cout).Clear();
                for (int m = 1; m < entries; m++)
                {
                    int high = 31 - BitOperations.LeadingZeroCount((uint)m);
                    int tap = j / plan.Groups, channel = j % plan.Groups * plan.Group + high;
                    float* rest = table + (m & ~(1 << high)) * cout, row = table + m * cout;
                    float* weights = wt + ((a * plan.K + tap) * plan.Cin + channel) * cout;
                    for (int o = 0; o < cout; o += 4) (Vector128.Load(rest + o) + Vector128.Load(weights + o)).Store(row + o);
                }
            }
        return tables;
    }

    /// <summary>One image's bit patterns into the interior of the zero-bordered buffer; false at the first value that is
    /// neither 0 nor 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static bool Pack(float* image, byte* patterns, in Plan plan)
    {
        long i = 0, rowSlots = plan.Wp * plan.Groups;
        for (long r = 0; r < plan.H; r++)
        {
            byte* slot = patterns + (r + plan.Pad) * rowSlots + plan.Pad * plan.Groups;
            long count = plan.W * plan.Groups;
            if (plan.Group == 8)
                for (long c = 0; c < count; c++, i += 8)
                {
                    var v = Vector256.Load(image + i);
                    var one = Vector256.Equals(v, Vector256<float>.One);
                    if ((one | Vector256.Equals(v, Vector256<float>.Zero)).ExtractMostSignificantBits() != 0xFF) return false;
                    slot[c] = (byte)one.ExtractMostSignificantBits();
                }
            else
                for (long c = 0; c < count; c++, i += 4)
                {
                    var v = Vector128.Load(image + i);
                    var one = Vector128.Equals(v, Vector128<float>.One);
                    if ((one | Vector128.Equals(v, Vector128<float>.Zero)).ExtractMostSignificantBits() != 0xF) return false;
                    slot[c] = (byte)one.ExtractMostSignificantBits();
                }
        }
        return true;
    }

    /// <summary>One image's output pixels <c>[Ho, Wo, C_out]</c>: the bias plus one table entry per lookup, four pixels of a
    /// row at a time (four independent sums keep the adder busy; one sum alone waits on each addition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Convolve(byte* patterns, float* tables, float* bias, float* output, in Plan plan)
    {
        int cout = plan.Cout, lookups = plan.Lookups, k = plan.K;
        long stripe = (long)plan.Entries * cout, rowSlots = plan.Wp * plan.Groups, step = plan.Stride * plan.Groups;
        for (long p = 0; p < plan.Ho; p++)
        {
            byte* first = patterns + p * plan.Stride * rowSlots;
            float* o = output + p * plan.Wo * cout;
            long q = 0;
            for (; q + 4 <= plan.Wo; q += 4)
            {
                byte* corner = first + q * step;
                if (cout % 8 == 0)
                    for (int c = 0; c < cout; c += 8)
                    {
                        var b = Vector256.Load(bias + c);
                        Vector256<float> a0 = b, a1 = b, a2 = b, a3 = b;
                        float* t = tables + c;
                        for (int a = 0; a < k; a++)
                        {
                            byte* l = corner + a * rowSlots;
                            for (int j = 0; j < lookups; j++, t += stripe)
                            {
                                a0 += Vector256.Load(t + l[j] * cout);
                                a1 += Vector256.Load(t + l[j + step] * cout);
                                a2 += Vector256.Load(t + l[j + 2 * step] * cout);
                                a3 += Vector256.Load(t + l[j + 3 * step] * cout);
                            }
                        }
                        a0.Store(o + q * cout + c); a1.Store(o + (q + 1) * cout + c);
                        a2.Store(o + (q + 2) * cout + c); a3.Store(o + (q + 3) * cout + c);
                    }
                else
                    for (int c = 0; c < cout; c += 4)
                    {
                        var b = Vector128.Load(bias + c);
                        Vector128<float> a0 = b, a1 = b, a2 = b, a3 = b;
                        float* t = tables + c;
                        for (int a = 0; a < k; a++)
                        {
                            byte* l = corner + a * rowSlots;
                            for (int j = 0; j < lookups; j++, t += stripe)
                            {
                                a0 += Vector128.Load(t + l[j] * cout);
                                a1 += Vector128.Load(t + l[j + step] * cout);
                                a2 += Vector128.Load(t + l[j + 2 * step] * cout);
                                a3 += Vector128.Load(t + l[j + 3 * step] * cout);
                            }
                        }
                        a0.Store(o + q * cout + c); a1.Store(o + (q + 1) * cout + c);
                        a2.Store(o + (q + 2) * cout + c); a3.Store(o + (q + 3) * cout + c);
                    }
            }
            for (; q < plan.Wo; q++)
            {
                byte* corner = first + q * step;
                for (int c = 0; c < cout; c += 4)
                {
                    var acc = Vector128.Load(bias + c);
                    float* t = tables + c;
                    for (int a = 0; a < k; a++)
                    {
                        byte* l = corner + a * rowSlots;
                        for (int j = 0; j < lookups; j++, t += stripe)
                            acc += Vector128.Load(t + l[j] * cout);
                    }
                    acc.Store(o + q * cout + c);
                }
            }
        }
    }
}
