using System.Numerics;
using System.Runtime.CompilerServices;

namespace SpikeKit.Kernels;

/// <summary>
/// e^x in single precision for the surrogate kernels, in a vector form and a scalar form that compute the same float
/// operations (so a tail element gets exactly what it would get inside a vector).
/// </summary>
/// <remarks>
/// Range reduction x = n·ln 2 + r with n = ⌊x·log₂e + ½⌋ and ln 2 split in two (Cody–Waite), e^r by the degree-6 minimax
/// polynomial of Cephes' <c>expf</c>, then 2ⁿ put into the exponent bits; relative error within 2 ulp on [−87, 88]
/// (<c>FloatExpTests</c>), the accuracy class of LibTorch's vectorized float exp. Inputs are clamped to [−87.3, 88.3], so
/// the result stays finite and normal. .NET's <c>Vector.Exp</c> for float widens to double and calls out of line; this is
/// inlined and stays in float lanes, which is what the LIF backward loop spends its time on.
/// </remarks>
internal static class FloatExp
{
    const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    const float Lo = -87.3f, Hi = 88.3f;
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
        P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>e^x lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        x = Vector.MinNative(Vector.MaxNative(x, new Vector<float>(Lo)), new Vector<float>(Hi));
        var n = Vector.Floor(x * new Vector<float>(Log2E) + new Vector<float>(0.5f));
        var r = x - n * new Vector<float>(Ln2Hi);
        r -= n * new Vector<float>(Ln2Lo);
        var r2 = r * r;
        var p = new Vector<float>(P0);
        p = p * r + new Vector<float>(P1);
        p = p * r + new Vector<float>(P2);
        p = p * r + new Vector<float>(P3);
        p = p * r + new Vector<float>(P4);
        p = p * r + new Vector<float>(P5);
        var y = p * r2 + r + Vector<float>.One;
        var scale = Vector.ShiftLeft(Vector.ConvertToInt32Native(n) + new Vector<int>(127), 23);
        return y * Vector.AsVectorSingle(scale);
    }

    /// <summary>e^x, the same operations as <see cref="Exp(Vector{float})"/> on one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, Lo), Hi);
        float n = MathF.Floor(x * Log2E + 0.5f);
        float r = x - n * Ln2Hi;
        r -= n * Ln2Lo;
        float r2 = r * r;
        float p = P0;
        p = p * r + P1;
        p = p * r + P2;
        p = p * r + P3;
        p = p * r + P4;
        p = p * r + P5;
        float y = p * r2 + r + 1f;
        return y * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }
}
