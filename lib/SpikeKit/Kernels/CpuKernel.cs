using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Kernels;

/// <summary>
/// What the hand-written CPU kernels (<c>FusedLif</c>, <c>FusedRmp</c>, <c>ActivityProbe</c>, tdBN) share: the work split of
/// their parallel loops, raw access to a tensor's float32 storage, and memory layouts. Indices are <see cref="long"/> throughout.
/// An elementwise kernel reads and writes flat storage, so it works on any <em>dense</em> layout (every element once, no
/// gaps: row-major, channels-last, …) as long as all its operands share it: <see cref="Dense"/> keeps an input's layout
/// when it is dense, <see cref="InLayout"/> brings another operand to that layout, <see cref="EmptyStrided"/> makes outputs in it.
/// </summary>
internal static class CpuKernel
{
    /// <summary>Elements per work item of the parallel loops (a multiple of every vector width).</summary>
    public const int Chunk = 1 << 14;

    /// <summary>True when <paramref name="t"/> is a float32 tensor in host memory.</summary>
    public static bool IsCpuFloat32(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32;

    /// <summary>Number of <see cref="Chunk"/>s covering <paramref name="n"/> elements.</summary>
    public static long Chunks(long n) => (n + Chunk - 1) / Chunk;

    /// <summary>Runs <paramref name="body"/> over [0, n) in ranges of one <see cref="Chunk"/> (the last one shorter) on the
    /// intra-op threads (LibTorch's OpenMP team, <see cref="OpenMpTeam"/>), shared as <see cref="Share"/> says.</summary>
    public static void ParallelChunks(long n, Action<long, long> body)
    {
        long chunks = Chunks(n);
        int threads = Math.Max(1, Math.Min(torch.get_num_threads(), (int)Math.Min(chunks, int.MaxValue)));
        if (threads == 1) { body(0, n); return; }
        Share(threads, chunks, (c0, c1) => body(c0 * Chunk, Math.Min(n, c1 * Chunk)));
    }

    /// <summary>Runs <paramref name="body"/> over items [0, count) of <paramref name="itemSize"/> elements each (planes,
    /// rows), in ranges of at least a <see cref="Chunk"/> of elements on the intra-op threads when there are at least two
    /// such ranges, shared as <see cref="Share"/> says.</summary>
    public static void ParallelItems(long count, long itemSize, Action<long, long> body)
    {
        long perUnit = Math.Max(1, Chunk / Math.Max(1, itemSize));
        long units = (count + perUnit - 1) / perUnit;
        int threads = Math.Max(1, Math.Min(torch.get_num_threads(), (int)Math.Min(units, int.MaxValue)));
        if (threads == 1) { body(0, count); return; }
        Share(threads, units, (u0, u1) => body(u0 * perUnit, Math.Min(count, u1 * perUnit)));
    }

    /// <summary>Work units [0, units) on <paramref name="threads"/> threads: thread k owns the k-th contiguous share and
    /// takes its units from the front, one at a time; a thread done with its share then takes units from the back of the
    /// others' shares. On a quiet machine every thread runs
    /// its own share, as a fixed split does (the same thread touches the same memory in forward and backward); on a busy
    /// one a thread that loses its core for a while leaves the rest of its share to the others instead of holding up the
    /// whole loop. What a unit computes does not depend on which thread runs it.</summary>
    static void Share(int threads, long units, Action<long, long> body)
    {
        long per = (units + threads - 1) / threads;
        var shares = new long[threads * 8];     // per share, on its own cache line: (next from the front) << 32 | (end)
        for (int k = 0; k < threads; k++) shares[k * 8] = Math.Min(units, k * per) << 32 | Math.Min(units, (k + 1) * per);
        OpenMpTeam.Run(threads, k =>
        {
            for (long u; (u = Take(shares, k, fromBack: false)) >= 0;) body(u, u + 1);
            for (int other = 1; other < threads; other++)
                for (long u; (u = Take(shares, (k + other) % threads, fromBack: true)) >= 0;) body(u, u + 1);
        });
    }

    /// <summary>The next unit of share <paramref name="k"/> from its front or its back, or −1 when none is left (one
    /// compare-and-swap on the share's (front, end) pair, so a unit is taken exactly once).</summary>
    static long Take(long[] shares, int k, bool fromBack)
    {
        while (true)
        {
            long state = Volatile.Read(ref shares[k * 8]), front = state >>> 32, end = state & 0xFFFFFFFF;
            if (front >= end) return -1;
            long next = fromBack ? front << 32 | (end - 1) : (front + 1) << 32 | end;
            if (Interlocked.CompareExchange(ref shares[k * 8], next, state) == state) return fromBack ? end - 1 : front;
        }
    }

    /// <summary>
    /// Σ over [0, n) of <paramref name="chunkSum"/>(start, end) evaluated per <see cref="Chunk"/> in parallel and added in
    /// chunk order, so the result does not depend on the thread count.
    /// </summary>
    public static double DeterministicSum(long n, Func<long, long, double> chunkSum)
    {
        var partial = new double[Chunks(n)];
        ParallelChunks(n, (start, end) =>
        {
            for (long c = start; c < end; c += Chunk)
                partial[c / Chunk] = chunkSum(c, Math.Min(end, c + Chunk));
        });
        double sum = 0;
        foreach (var p in partial) sum += p;
        return sum;
    }

    /// <summary>True when <paramref name="t"/>'s elements fill its storage range exactly once in some order of its
    /// dimensions (strides a permutation of row-major strides, size-1 dimensions ignored): contiguous, channels-last, ….</summary>
    public static bool IsDense(Tensor t)
    {
        var dims = Enumerable.Range(0, (int)t.dim()).Where(d => t.shape[d] != 1).OrderByDescending(d => t.stride(d)).ToArray();
        long expected = 1;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            if (t.stride(dims[i]) != expected) return false;
            expected *= t.shape[dims[i]];
        }
        return true;
    }

    /// <summary><paramref name="t"/> itself (an alias) when it is dense, else a row-major copy.</summary>
    public static Tensor Dense(Tensor t) => IsDense(t) ? t.alias() : t.contiguous();

    /// <summary><paramref name="t"/>'s values laid out with <paramref name="strides"/> (a dense layout of its shape): an alias
    /// when they already are, else a copy.</summary>
    public static Tensor InLayout(Tensor t, long[] strides)
    {
        if (SameStrides(t, strides)) return t.alias();
        var copy = EmptyStrided(t.shape, strides);
        copy.copy_(t);
        return copy;
    }

    /// <summary>An uninitialized float32 CPU tensor of <paramref name="shape"/> with <paramref name="strides"/>.</summary>
    public static Tensor EmptyStrided(long[] shape, long[] strides) => empty_strided(shape, strides, ScalarType.Float32);

    /// <summary>The dimension order that puts <paramref name="channelDim"/> last (channels-last: <c>[N, C, H, W]</c> as NHWC).</summary>
    static long[] ChannelsLastOrder(Tensor t, int channelDim) =>
        [.. Enumerable.Range(0, (int)t.dim()).Where(d => d != channelDim).Select(d => (long)d), channelDim];

    /// <summary>Whether <paramref name="t"/> is channels-last: dense with dimension <paramref name="channelDim"/> innermost
    /// and the others row-major.</summary>
    public static bool IsChannelsLast(Tensor t, int channelDim)
    {
        using var permuted = t.permute(ChannelsLastOrder(t, channelDim));
        return permuted.is_contiguous();
    }

    /// <summary><paramref name="t"/>'s values (same shape) laid out channels-last over <paramref name="channelDim"/>: an alias
    /// when they already are, else a copy.</summary>
    public static Tensor ToChannelsLast(Tensor t, int channelDim)
    {
        var order = ChannelsLastOrder(t, channelDim);
        using var permuted = t.permute(order);
        if (permuted.is_contiguous()) return t.alias();
        using var dense = permuted.contiguous();
        var inverse = new long[order.Length];
        for (int i = 0; i < order.Length; i++) inverse[order[i]] = i;
        return dense.permute(inverse);
    }

    /// <summary>Elements in one repeat of a channels-last row's channel pattern at fixed vector lanes: lcm(C, vector width).</summary>
    public static int ChannelsLastPeriod(int channels)
    {
        int g = channels, h = Vector<float>.Count;
        while (h != 0) (g, h) = (h, g % h);
        return channels / g * Vector<float>.Count;
    }

    /// <summary>Per-channel values repeated over one <see cref="ChannelsLastPeriod"/>: element j holds the value of channel j mod C.</summary>
    public static float[] ChannelsLastPattern(float[] perChannel)
    {
        var pattern = new float[ChannelsLastPeriod(perChannel.Length)];
        for (int j = 0; j < pattern.Length; j++) pattern[j] = perChannel[j % perChannel.Length];
        return pattern;
    }

    /// <summary>Whether <paramref name="t"/> has <paramref name="strides"/> (dimensions of size 1 may have any stride).</summary>
    public static bool SameStrides(Tensor t, long[] strides)
    {
        for (int d = 0; d < strides.Length; d++)
            if (t.shape[d] != 1 && t.stride(d) != strides[d]) return false;
        return true;
    }

    /// <summary>The address of a float32 CPU tensor's first element (its storage offset included), for tensors of any size.
    /// <c>Tensor.bytes</c> is a span, limited to 2^31 − 1 bytes; so the address is read from a one-element view of the same
    /// storage at the same offset, and every index the kernels add to it is a <see cref="long"/>.</summary>
    public static unsafe float* Ptr(Tensor t)
    {
        if (t.numel() == 0) return null;
        using var first = t.as_strided([1], [1], t.storage_offset());
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes));
    }
}
