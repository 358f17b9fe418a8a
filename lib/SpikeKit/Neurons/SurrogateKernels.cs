using System.Numerics;
using System.Runtime.CompilerServices;
using SpikeKit.Surrogates;

namespace SpikeKit.Neurons;

/// <summary>
/// A surrogate derivative <c>σ'(c)</c> of the centred potential <c>c = u − V_th</c> evaluated inside the fused LIF kernels
/// (no temporary tensors). Implemented by structs so that the JIT specializes and inlines each kernel loop.
/// <c>k</c> is the element's flat index (used only by <see cref="PrecomputedSurrogate"/>).
/// </summary>
internal interface ISurrogateKernel
{
    Vector<float> Derivative(Vector<float> c, long k);
    float Derivative(float c, long k);
}

/// <summary>The built-in surrogates as kernels, with the same float32 arithmetic as their tensor <c>Derivative</c>.</summary>
internal static class SurrogateKernels
{
    /// <summary>The kind of a built-in surrogate, or <see cref="Kind.None"/> for a user-defined one (evaluated by ATen).</summary>
    public enum Kind { None, Tanh, Rectangular, Triangle, Sigmoid, Atan }

    public static Kind KindOf(Surrogate s) => s switch
    {
        TanhSurrogate => Kind.Tanh,
        RectangularSurrogate => Kind.Rectangular,
        TriangleSurrogate => Kind.Triangle,
        SigmoidSurrogate => Kind.Sigmoid,
        AtanSurrogate => Kind.Atan,
        _ => Kind.None,
    };
}

/// <summary>Tanh surrogate: <c>k·(1 − tanh²(k·c/w)) / (w·2·tanh(k/2))</c> for <c>|c| ≤ w/2</c>, else 0,
/// with <c>1 − tanh²(z) = 4e/(1 + e)²</c>, <c>e = exp(2z)</c>.</summary>
internal readonly struct TanhKernel(TanhSurrogate s) : ISurrogateKernel
{
    readonly float _slope = (float)(s.Sharpness / s.Width);
    readonly float _half = (float)(s.Width / 2.0);
    readonly float _limit = (float)(s.Sharpness / 2.0);
    readonly float _scale = (float)(s.Sharpness / (s.Width * 2.0 * Math.Tanh(s.Sharpness / 2.0)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Derivative(Vector<float> c, long k)
    {
        var z = Vector.Min(Vector.Max(c * _slope, new Vector<float>(-_limit)), new Vector<float>(_limit));
        var e = Vector.Exp(z + z);
        var d = e * new Vector<float>(4f * _scale) / ((Vector<float>.One + e) * (Vector<float>.One + e));
        return Vector.ConditionalSelect(Vector.LessThanOrEqual(Vector.Abs(c), new Vector<float>(_half)), d, Vector<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Derivative(float c, long k)
    {
        if (!(MathF.Abs(c) <= _half)) return 0f;
        float z = Math.Clamp(c * _slope, -_limit, _limit);
        float e = MathF.Exp(z + z);
        return e * (4f * _scale) / ((1f + e) * (1f + e));
    }
}

/// <summary>Rectangular surrogate: <c>1/a</c> for <c>|c| ≤ a/2</c>, else 0.</summary>
internal readonly struct RectangularKernel(RectangularSurrogate s) : ISurrogateKernel
{
    readonly float _half = (float)(s.A / 2.0);
    readonly float _height = 1f / (float)s.A;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Derivative(Vector<float> c, long k) =>
        Vector.ConditionalSelect(Vector.LessThanOrEqual(Vector.Abs(c), new Vector<float>(_half)), new Vector<float>(_height), Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Derivative(float c, long k) => MathF.Abs(c) <= _half ? _height : 0f;
}

/// <summary>Triangle surrogate: <c>max(0, γ − |c|)/γ²</c>.</summary>
internal readonly struct TriangleKernel(TriangleSurrogate s) : ISurrogateKernel
{
    readonly float _gamma = (float)s.Gamma;
    readonly float _square = (float)(s.Gamma * s.Gamma);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Derivative(Vector<float> c, long k) =>
        Vector.Max(new Vector<float>(_gamma) - Vector.Abs(c), Vector<float>.Zero) / new Vector<float>(_square);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Derivative(float c, long k) => MathF.Max(_gamma - MathF.Abs(c), 0f) / _square;
}

/// <summary>Sigmoid surrogate: <c>α·s·(1 − s)</c>, <c>s = 1/(1 + exp(−α·c))</c>.</summary>
internal readonly struct SigmoidKernel(SigmoidSurrogate s) : ISurrogateKernel
{
    readonly float _alpha = (float)s.Alpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Derivative(Vector<float> c, long k)
    {
        var sg = Vector<float>.One / (Vector<float>.One + Vector.Exp(-(c * _alpha)));
        return (Vector<float>.One - sg) * sg * _alpha;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Derivative(float c, long k)
    {
        float sg = 1f / (1f + MathF.Exp(-(c * _alpha)));
        return (1f - sg) * sg * _alpha;
    }
}

/// <summary>Arctangent surrogate: <c>(α/2) / (1 + (π/2·α·c)²)</c>.</summary>
internal readonly struct AtanKernel(AtanSurrogate s) : ISurrogateKernel
{
    readonly float _slope = (float)(Math.PI / 2 * s.Alpha);
    readonly float _half = (float)(s.Alpha / 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Derivative(Vector<float> c, long k)
    {
        var z = c * _slope;
        return Vector<float>.One / (z * z + Vector<float>.One) * _half;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Derivative(float c, long k)
    {
        float z = c * _slope;
        return 1f / (z * z + 1f) * _half;
    }
}

/// <summary>A user-defined surrogate: σ' evaluated beforehand by ATen (<see cref="Surrogate.Derivative(TorchSharp.torch.Tensor)"/>)
/// into a buffer laid out like the potentials.</summary>
internal readonly unsafe struct PrecomputedSurrogate(float* values) : ISurrogateKernel
{
    readonly float* _values = values;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Derivative(Vector<float> c, long k) => Unsafe.ReadUnaligned<Vector<float>>(_values + k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Derivative(float c, long k) => _values[k];
}
