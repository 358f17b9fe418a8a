using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SpikeKit.Kernels;

/// <summary>
/// <c>e^x</c> in float32 for the fused kernels' surrogate derivatives, one algorithm in three widths (<see cref="Vector{T}"/>,
/// <see cref="Vector512{T}"/>, scalar) that give the same bits lane by lane, so a result does not depend on whether an
/// element fell in a vector or in a loop's scalar tail:
/// <code>
/// n = round(x·log₂e),  r = x − n·ln2 (ln2 in two parts, Cody–Waite),  e^r ≈ 1 + r + r²·P(r)  (P of degree 5, Cephes' expf),
/// e^x = 2ⁿ·e^r        (n added to the exponent bits)
/// </code>
/// every step a fused multiply-add. Relative error below 1e-7 (about one float ulp) for x in [−86, 88]; x is clamped to that
/// range, so the result is finite and normal (no infinity, no denormal). .NET's <c>Vector.Exp</c> for floats widens to double
/// and costs about twice as much, which made it the larger part of the LIF backward pass.
/// </summary>
internal static class FloatExp
{
    const float Low = -86f, High = 88f;
    const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    /// <summary>1.5·2²³: adding it rounds to an integer held in the low mantissa bits.</summary>
    const float Magic = 12582912f;
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Of(Vector<float> x)
    {
        x = Vector.MinNative(Vector.MaxNative(x, new Vector<float>(Low)), new Vector<float>(High));
        var t = Vector.FusedMultiplyAdd(x, new Vector<float>(Log2E), new Vector<float>(Magic));
        var n = t - new Vector<float>(Magic);
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Hi), x);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Lo), r);
        var p = Vector.FusedMultiplyAdd(new Vector<float>(P0), r, new Vector<float>(P1));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(P2));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(P3));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(P4));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(P5));
        var y = Vector.FusedMultiplyAdd(p, r * r, r) + Vector<float>.One;
        return Vector.AsVectorSingle(Vector.AsVectorInt32(y) + Vector.ShiftLeft(Vector.AsVectorInt32(t), 23));
    }

    /// <summary>e^x per lane, 512 bits wide (the same bits as <see cref="Of(Vector{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> x)
    {
        x = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(Low)), Vector512.Create(High));
        var t = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(Magic));
        var n = t - Vector512.Create(Magic);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        return (y.AsInt32() + Vector512.ShiftLeft(t.AsInt32(), 23)).AsSingle();
    }

    /// <summary>e^x (the same bits as one lane of <see cref="Of(Vector{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float x)
    {
        x = Math.Min(Math.Max(x, Low), High);
        float t = MathF.FusedMultiplyAdd(x, Log2E, Magic);
        float n = t - Magic;
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        float y = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(y) + (BitConverter.SingleToInt32Bits(t) << 23));
    }
}
