using System.Numerics;
using System.Runtime.CompilerServices;

namespace SpikeKit.Kernels;

/// <summary>
/// The per-plane loops of a per-channel affine map and of its sums (tdBN's row-major passes, where each channel's H·W plane
/// is contiguous), shared by tdBN and the fused kernels that normalize inside their own loops: sums in double, each plane's
/// partial sums added to the running ones once, so summing planes in the same order gives the same bits anywhere.
/// </summary>
internal static class PlaneOps
{
    /// <summary>Σx and Σx² of <paramref name="len"/> floats in double, added to <paramref name="s1"/> and <paramref name="s2"/>
    /// (the plane's own sums first, then one addition each, so a caller that sums planes in a fixed order gets fixed bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void SumSquares(float* x, long len, ref double s1, ref double s2)
    {
        int w = Vector<float>.Count;
        Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, q0 = Vector<double>.Zero, q1 = Vector<double>.Zero;
        long i = 0;
        for (; i + w <= len; i += w)
        {
            Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(x + i), out var lo, out var hi);
            a0 += lo; a1 += hi; q0 += lo * lo; q1 += hi * hi;
        }
        double t1 = Vector.Sum(a0 + a1), t2 = Vector.Sum(q0 + q1);
        for (; i < len; i++) { double v = x[i]; t1 += v; t2 += v * v; }
        s1 += t1; s2 += t2;
    }

    /// <summary><c>y = a·x + b</c> over <paramref name="len"/> floats (multiply, then add; no fused multiply-add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Affine(float* x, float* y, long len, float a, float b)
    {
        int w = Vector<float>.Count;
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        long i = 0;
        for (; i + w <= len; i += w) Unsafe.WriteUnaligned(y + i, Unsafe.ReadUnaligned<Vector<float>>(x + i) * va + vb);
        for (; i < len; i++) y[i] = x[i] * a + b;
    }

    /// <summary>Σg and Σg·x of <paramref name="len"/> floats in double, added to <paramref name="s1"/> and <paramref name="s2"/>
    /// as <see cref="SumSquares"/> adds its sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void SumProducts(float* g, float* x, long len, ref double s1, ref double s2)
    {
        int w = Vector<float>.Count;
        Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, p0 = Vector<double>.Zero, p1 = Vector<double>.Zero;
        long i = 0;
        for (; i + w <= len; i += w)
        {
            Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(g + i), out var glo, out var ghi);
            Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(x + i), out var xlo, out var xhi);
            a0 += glo; a1 += ghi; p0 += glo * xlo; p1 += ghi * xhi;
        }
        double t1 = Vector.Sum(a0 + a1), t2 = Vector.Sum(p0 + p1);
        for (; i < len; i++) { double gv = g[i]; t1 += gv; t2 += gv * x[i]; }
        s1 += t1; s2 += t2;
    }

    /// <summary><c>gx = a·g − q·x + k</c> over <paramref name="len"/> floats (<paramref name="gx"/> may be <paramref name="g"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void InputGrad(float* g, float* x, float* gx, long len, float a, float q, float k)
    {
        int w = Vector<float>.Count;
        var va = new Vector<float>(a);
        var vq = new Vector<float>(q);
        var vk = new Vector<float>(k);
        long i = 0;
        for (; i + w <= len; i += w)
            Unsafe.WriteUnaligned(gx + i, Unsafe.ReadUnaligned<Vector<float>>(g + i) * va - Unsafe.ReadUnaligned<Vector<float>>(x + i) * vq + vk);
        for (; i < len; i++) gx[i] = g[i] * a - x[i] * q + k;
    }
}
