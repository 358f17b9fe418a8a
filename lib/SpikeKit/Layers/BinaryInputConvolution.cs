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
/// A convolution whose input is binary (spikes, 0 or 1), computed by table lookups and sums instead of multiplications.
/// The input channels of a pixel are read as bits, in groups of <c>g</c> channels (8, or all 4 when C = 4); for every
/// kernel tap <c>(a, b)</c> and group <c>j</c> a table holds, for each of the <c>2^g</c> bit patterns <c>m</c>, the sum of
/// the weights of its set bits:
/// <code>
/// T[a, b, j, m] = Σ_{i ∈ m} W[:, g·j + i, a, b]        y[n, :, p, q] = Σ_{a, b, j} T[a, b, j, bits_j(x[n, :, s·p − pad + a, s·q − pad + b])]
/// </code>
/// which is <c>W ⋆ x</c> for a 0/1 input (zero padding reads the pattern 0, whose entry is 0): k²·C/g vector additions of
/// C_out lanes per output pixel instead of k²·C multiply-adds, on tables built from the weights at each call (each entry
/// the entry without its highest bit plus that bit's weights). The gradients, where the step needs them:
/// <code>
/// ∂L/∂W[:, i, a, b] = Σ_{n, p, q : x[n, i, s·p − pad + a, s·q − pad + b] = 1} ∂L/∂y[n, :, p, q]      ∂L/∂x = Wᵀ ⋆ ∂L/∂y
/// </code>
/// the weight gradient (4-channel inputs, see <see cref="Applies"/>) a sum of output gradients where the input fired, from
/// the input's bit patterns (kept in place of the float input, 1 byte per pixel; summed per block of
/// <see cref="ImagesPerBlock"/> images and the blocks in order, so the same bits for any thread count), the input gradient
/// LibTorch's: the convolution of ∂L/∂y with the flipped kernel for a stride-1 same convolution, else its transposed
/// convolution. On channels-last float32 CPU inputs; every
/// SpikeKit convolution after the first reads spikes. The packing pass checks that every value is exactly 0 or 1; at
/// any other value (pooled spikes, an image, NaN) the call returns null and the caller convolves as usual. The sums are
/// those of LibTorch's convolution in another order (equal to float rounding).
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

    /// <summary>True when <paramref name="conv"/> on <paramref name="x"/> can run here: a float32 CPU weight and input
    /// <c>[N, C, H, W]</c>, the input laid out channels-last, C = 4 or a multiple of 8 (4-channel groups of more channels lose to the
    /// dense convolution: 12 → 12 at 16×16, 1.6 vs 1.3 ms), C_out a multiple of 4, a square kernel with zero padding on all
    /// sides and one stride, no dilation or groups, and tables of at most <see cref="MaxTableBytes"/>. When a gradient is
    /// recorded, only for C = 4 and a 3×3 stride-1 or a 1×1 kernel: there the step's convolution (forward, weight and input
    /// gradients) is faster than LibTorch's on the same channels-last spikes (4 → 4 at 32×32 on [256, ...]: about 5 vs 7 ms;
    /// 4 → 8, 1×1, stride 2: 2.1 vs 6 ms); with more channels the weight gradient, and with a 3×3 kernel of stride 2 the
    /// transposed convolution for the input gradient, make it slower.</summary>
    public static bool Applies(Conv2d conv, Tensor x) => PlanFor(conv, x) is not null;

    /// <summary>The plan of <paramref name="conv"/> on <paramref name="x"/> where <see cref="Applies"/>, else null.</summary>
    static Plan? PlanFor(Conv2d conv, Tensor x)
    {
        if (!Vector256.IsHardwareAccelerated || x.dim() != 4 || !CpuKernel.IsCpuFloat32(x) || !CpuKernel.IsChannelsLast(x, 1)) return null;
        var weight = conv.weight!;
        if (!CpuKernel.IsCpuFloat32(weight) || Plan.For(conv, x.shape) is not { } plan) return null;
        return !Records(x, weight) || (plan.Cin == 4 && (plan.K == 1 || (plan.K == 3 && plan.Stride == 1))) ? plan : null;
    }

    /// <summary>Whether the call records a gradient of the input or the weight.</summary>
    static bool Records(Tensor x, Tensor weight) => is_grad_enabled() && (x.requires_grad || weight.requires_grad);

    /// <summary><c>conv(x)</c> by table lookups, channels-last like LibTorch's output for a channels-last input, with the
    /// gradients above when grad mode is on and the input or the weight needs one; null where the convolution does not
    /// <see cref="Applies">apply</see> or <paramref name="x"/> holds a value other than 0 and 1 (the caller then convolves).</summary>
    public static Tensor? TryForward(Conv2d conv, Tensor x)
    {
        if (PlanFor(conv, x) is not { } plan) return null;
        var weight = conv.weight!;
        bool record = Records(x, weight);
        using var patterns = record ? zeros([x.shape[0], plan.Hp, plan.Wp, plan.Groups], ScalarType.Byte) : null;
        var y = Forward(x, weight, plan, patterns);
        if (y is not null && record)
            using (var lookups = y) y = WithGradient.apply(lookups, x, weight, patterns!, plan);
        if (y is null || conv.bias is not { } bias) return y;
        using var perChannel = bias.view(1, -1, 1, 1);
        if (!is_grad_enabled() || !(record || bias.requires_grad)) return y.add_(perChannel);
        using (y) return y.add(perChannel);
    }

    /// <summary>The identity on the lookups' output in forward (computed before, with the input's bit patterns kept); in
    /// backward the weight gradient from those patterns and the input gradient by LibTorch's convolutions.</summary>
    sealed class WithGradient : autograd.SingleTensorFunction<WithGradient>
    {
        public override string Name => "SpikeKitBinaryInputConvolution";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (y, x, weight, patterns, plan) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Plan)vars[4]);
            ctx.save_for_backward([weight, patterns]);
            ctx.save_data("plan", plan);
            ctx.save_data("grads", (x.requires_grad, weight.requires_grad));
            return y.alias();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            using var weight = saved[0];
            using var patterns = saved[1];
            var plan = (Plan)ctx.get_data("plan");
            var (inputGrad, weightGrad) = ((bool, bool))ctx.get_data("grads");
            using var gy = CpuKernel.ToChannelsLast(grad_output, 1);
            Tensor? gx = null;
            if (inputGrad)
            {
                if (plan.Stride == 1 && plan.K % 2 == 1 && plan.Pad == plan.K / 2)
                {
                    using var flipped = weight.flip(2, 3);
                    using var swapped = flipped.transpose(0, 1);
                    using var kernel = swapped.contiguous();
                    gx = nn.functional.conv2d(gy, kernel, padding: [plan.Pad, plan.Pad]);
                }
                else
                {
                    long extraRow = plan.H - ((plan.Ho - 1) * plan.Stride - 2 * plan.Pad + plan.K);
                    long extraColumn = plan.W - ((plan.Wo - 1) * plan.Stride - 2 * plan.Pad + plan.K);
                    gx = nn.functional.conv_transpose2d(gy, weight, null, [plan.Stride, plan.Stride], [plan.Pad, plan.Pad], [extraRow, extraColumn]);
                }
            }
            var gw = weightGrad ? WeightGradient(patterns, gy, plan) : null;
            return [null!, gx!, gw!, null!, null!];
        }
    }

    /// <summary>The output of the convolution by lookups, parallel over images, each image packed just before its
    /// convolution: into its plane of <paramref name="keep"/> (zero-bordered, kept for backward) when given, else into a
    /// buffer of the thread; null when a value is neither 0 nor 1.</summary>
    static Tensor? Forward(Tensor x, Tensor weight, in Plan plan, Tensor? keep)
    {
        long n = x.shape[0];
        var y = CpuKernel.EmptyStrided([n, plan.Cout, plan.Ho, plan.Wo], [plan.Ho * plan.Wo * plan.Cout, 1, plan.Wo * plan.Cout, plan.Cout]);
        if (n == 0 || plan.Ho <= 0 || plan.Wo <= 0) return y;
        byte* kept = keep is null ? null : (byte*)CpuKernel.Ptr(keep);
        float* src = CpuKernel.Ptr(x), dst = CpuKernel.Ptr(y);
        long xPlane = plan.H * plan.W * plan.Cin, inPlane = plan.Hp * plan.Wp * plan.Groups, outPlane = plan.Ho * plan.Wo * plan.Cout;
        var p = plan;
        int nonBinary = 0;
        float* tables = Tables(weight, plan);
        try
        {
            CpuKernel.ParallelItems(n, outPlane, (start, end) =>
            {
                byte* scratch = kept is null ? (byte*)NativeMemory.AllocZeroed((nuint)inPlane) : null;
                try
                {
                    for (long img = start; img < end; img++)
                    {
                        byte* patterns = kept is null ? scratch : kept + img * inPlane;
                        if (Volatile.Read(ref nonBinary) != 0 || !PackImage(src + img * xPlane, patterns, p))
                        {
                            Interlocked.Exchange(ref nonBinary, 1);
                            break;
                        }
                        Convolve(patterns, tables, dst + img * outPlane, p);
                    }
                }
                finally
                {
                    if (scratch is not null) NativeMemory.Free(scratch);
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

    /// <summary>Images per block of the weight gradient's partial sums (fixed, so that the sum does not depend on the thread count).</summary>
    const int ImagesPerBlock = 8;

    /// <summary>
    /// ∂L/∂W <c>[C_out, 4, k, k]</c> of a 4-channel input from its bit patterns and the channels-last output gradient. For
    /// each kernel row and 4 output channels, one pass over an image's output pixels keeps, per tap, two 8-lane sums of
    /// <c>[g, g] ∧ mask(m)</c> in registers: the pixel's 4 gradient values twice, kept in the lanes of the input channels set
    /// in the tap's pattern m (lanes 0–3 channel 0, 4–7 channel 1; then channels 2 and 3): no branch, no store per pixel.
    /// Per block of images in parallel; the blocks' sums added in block order.
    /// </summary>
    static Tensor WeightGradient(Tensor patterns, Tensor gy, in Plan plan)
    {
        long n = patterns.shape[0], blocks = (n + ImagesPerBlock - 1) / ImagesPerBlock;
        int size = plan.K * plan.K * 4 * plan.Cout;                                        // [a, b, i, o]
        long inPlane = plan.Hp * plan.Wp, outPlane = plan.Ho * plan.Wo * plan.Cout;
        var partial = (float*)NativeMemory.AllocZeroed((nuint)(blocks * size), sizeof(float));
        var total = new float[size];
        try
        {
            byte* src = (byte*)CpuKernel.Ptr(patterns);
            float* g = CpuKernel.Ptr(gy);
            var p = plan;
            CpuKernel.ParallelItems(blocks, ImagesPerBlock * outPlane, (start, end) =>
            {
                fixed (float* masks = ChannelMasks)
                    for (long block = start; block < end; block++)
                        for (long img = block * ImagesPerBlock; img < Math.Min(n, (block + 1) * ImagesPerBlock); img++)
                            Accumulate(src + img * inPlane, g + img * outPlane, masks, partial + block * size, p);
            });
            for (long block = 0; block < blocks; block++)
                for (int e = 0; e < size; e++) total[e] += partial[block * size + e];
        }
        finally
        {
            NativeMemory.Free(partial);
        }
        using var abio = tensor(total, [plan.K, plan.K, 4, plan.Cout]);
        using var oiab = abio.permute(3, 2, 0, 1);
        return oiab.contiguous();
    }

    /// <summary>For each 4-bit pattern m, two 8-lane masks: lanes 0–3 set when channel 0 is in m, 4–7 when channel 1; then
    /// the same for channels 2 and 3.</summary>
    static readonly float[] ChannelMasks = MakeChannelMasks();

    static float[] MakeChannelMasks()
    {
        var masks = new float[16 * 16];
        float set = BitConverter.Int32BitsToSingle(-1);
        for (int m = 0; m < 16; m++)
            for (int lane = 0; lane < 16; lane++)
                masks[m * 16 + lane] = (m >> (lane / 4) & 1) != 0 ? set : 0f;
        return masks;
    }

    /// <summary>One image's share of the weight gradient into <paramref name="sums"/> <c>[a, b, i, o]</c> (k ≤ 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Accumulate(byte* patterns, float* gy, float* masks, float* sums, in Plan plan)
    {
        int cout = plan.Cout, k = plan.K, stride = plan.Stride;
        long wp = plan.Wp, wo = plan.Wo, ho = plan.Ho;
        for (int a = 0; a < k; a++)
            for (int c = 0; c < cout; c += 4)
            {
                Vector256<float> s0 = default, t0 = default, s1 = default, t1 = default, s2 = default, t2 = default;
                Vector256<float> u0 = default, v0 = default, u1 = default, v1 = default, u2 = default, v2 = default;
                for (long p = 0; p < ho; p++)
                {
                    byte* row = patterns + (p * stride + a) * wp;
                    float* gRow = gy + p * wo * cout + c;
                    long q = 0;
                    for (; q + 2 <= wo; q += 2)     // two pixels, two sets of sums: twice the additions in flight
                    {
                        var g = Vector256.Create(Vector128.Load(gRow + q * cout), Vector128.Load(gRow + q * cout));
                        var h = Vector256.Create(Vector128.Load(gRow + (q + 1) * cout), Vector128.Load(gRow + (q + 1) * cout));
                        byte* l = row + q * stride, r = l + stride;
                        float* m0 = masks + l[0] * 16, n0 = masks + r[0] * 16;
                        s0 += g & Vector256.Load(m0);
                        t0 += g & Vector256.Load(m0 + 8);
                        u0 += h & Vector256.Load(n0);
                        v0 += h & Vector256.Load(n0 + 8);
                        if (k == 3)
                        {
                            float* m1 = masks + l[1] * 16, m2 = masks + l[2] * 16, n1 = masks + r[1] * 16, n2 = masks + r[2] * 16;
                            s1 += g & Vector256.Load(m1);
                            t1 += g & Vector256.Load(m1 + 8);
                            s2 += g & Vector256.Load(m2);
                            t2 += g & Vector256.Load(m2 + 8);
                            u1 += h & Vector256.Load(n1);
                            v1 += h & Vector256.Load(n1 + 8);
                            u2 += h & Vector256.Load(n2);
                            v2 += h & Vector256.Load(n2 + 8);
                        }
                    }
                    for (; q < wo; q++)
                    {
                        var g = Vector256.Create(Vector128.Load(gRow + q * cout), Vector128.Load(gRow + q * cout));
                        byte* l = row + q * stride;
                        float* m0 = masks + l[0] * 16;
                        s0 += g & Vector256.Load(m0);
                        t0 += g & Vector256.Load(m0 + 8);
                        if (k == 3)
                        {
                            float* m1 = masks + l[1] * 16, m2 = masks + l[2] * 16;
                            s1 += g & Vector256.Load(m1);
                            t1 += g & Vector256.Load(m1 + 8);
                            s2 += g & Vector256.Load(m2);
                            t2 += g & Vector256.Load(m2 + 8);
                        }
                    }
                }
                s0 += u0; t0 += v0; s1 += u1; t1 += v1; s2 += u2; t2 += v2;
                Store(sums, a * k, cout, c, s0, t0);
                if (k == 3)
                {
                    Store(sums, a * k + 1, cout, c, s1, t1);
                    Store(sums, a * k + 2, cout, c, s2, t2);
                }
            }
    }

    /// <summary>Adds tap <paramref name="tap"/>'s sums (channels 0, 1 in <paramref name="low"/>, 2, 3 in <paramref name="high"/>,
    /// 4 output channels from <paramref name="c"/> each) into <c>sums[tap, i, c …]</c>.</summary>
    static void Store(float* sums, int tap, int cout, int c, Vector256<float> low, Vector256<float> high)
    {
        float* t = sums + tap * 4 * cout + c;
        (Vector128.Load(t) + low.GetLower()).Store(t);
        (Vector128.Load(t + cout) + low.GetUpper()).Store(t + cout);
        (Vector128.Load(t + 2 * cout) + high.GetLower()).Store(t + 2 * cout);
        (Vector128.Load(t + 3 * cout) + high.GetUpper()).Store(t + 3 * cout);
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
    static bool PackImage(float* image, byte* patterns, in Plan plan)
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

    /// <summary>One image's output pixels <c>[Ho, Wo, C_out]</c>: one table entry per lookup summed, four pixels of a
    /// row at a time (four independent sums keep the adder busy; one sum alone waits on each addition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Convolve(byte* patterns, float* tables, float* output, in Plan plan)
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
                        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
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
                        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
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
                    var acc = Vector128<float>.Zero;
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
