using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SpikeKit.Kernels;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// The surrogate of the RMP-Loss group's code (MPBN / IM-Loss), for <c>x = u − V_th</c> and a support of width <c>w</c>
/// centred on the threshold:
/// <code>
/// forward     H(x)  = [x ≥ 0]
/// primitive   g(x)  = [tanh(k·clamp(x/w, −½, ½)) + tanh(k/2)] / (2·tanh(k/2))
/// derivative  g'(x) = σ'(x) = k·(1 − tanh²(k·x/w)) / (2·w·tanh(k/2))   for |x| ≤ w/2, else 0
/// </code>
/// With <c>k = 3</c>, <c>w = 1</c>, <c>V_th = ½</c> this is the authors' <c>g(u) = [tanh(k·(clamp(u, 0, 1) − ½)) + tanh(k/2)] / (2·tanh(k/2))</c>.
/// The fused kernels' float32 form (<see cref="Kernel"/>) writes <c>1 − tanh²(z) = 4e/(1 + e)²</c>, <c>e = exp(2z)</c>
/// (a float32 e^x of about one ulp, <c>Kernels/FloatExp.cs</c>).
/// Guo et al., "IM-Loss", NeurIPS 2022; "RMP-Loss", ICCV 2023.
/// </summary>
/// <param name="Sharpness">k, default 3.</param>
/// <param name="Width">w, the width of the non-zero interval, default 1 (the interval [0, 1] of u when V_th = ½).</param>
public sealed record TanhSurrogate(double Sharpness = 3.0, double Width = 1.0) : Surrogate
{
    double Norm => 2.0 * Math.Tanh(Sharpness / 2.0);

    /// <inheritdoc />
    public override Tensor Primitive(Tensor x)
    {
        // Not in place on c or on the tanh output: `using` disposes c, and tanh's backward reads its output.
        using var c = x.div(Width).clamp_(-0.5, 0.5);
        using var t = c.mul(Sharpness).tanh_();
        return t.add(Math.Tanh(Sharpness / 2.0)).div_(Norm);
    }

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x)
    {
        using var t = x.mul(Sharpness / Width).tanh_();
        using var inside = x.abs().le(Width / 2.0);
        return t.square().neg_().add_(1.0).mul_(Sharpness / (Width * Norm)).mul_(inside);
    }

    /// <inheritdoc />
    public override double Derivative(double x)
    {
        if (Math.Abs(x) > Width / 2) return 0;
        double t = Math.Tanh(Sharpness * x / Width);
        return Sharpness * (1 - t * t) / (Width * Norm);
    }

    internal override bool RunKernel(ISurrogateKernelRunner runner)
    {
        runner.Run(new Kernel(this));
        return true;
    }

    /// <summary>σ'(c) in float32 for the fused kernels: <c>e·4·s / (1 + e)²</c>, <c>e = exp(2·clamp(k·c/w, ±k/2))</c>,
    /// <c>s = k / (2·w·tanh(k/2))</c>, for <c>|c| ≤ w/2</c>, else 0.</summary>
    internal readonly struct Kernel(TanhSurrogate s) : ISurrogateKernel
    {
        readonly float _slope = (float)(s.Sharpness / s.Width);
        readonly float _half = (float)(s.Width / 2.0);
        readonly float _limit = (float)(s.Sharpness / 2.0);
        readonly float _scale = (float)(s.Sharpness / (s.Width * s.Norm));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Derivative(Vector<float> c, long k)
        {
            var z = Vector.MinNative(Vector.MaxNative(c * _slope, new Vector<float>(-_limit)), new Vector<float>(_limit));
            var e = FloatExp.Of(z + z);
            var d = e * new Vector<float>(4f * _scale) / ((Vector<float>.One + e) * (Vector<float>.One + e));
            return Vector.ConditionalSelect(Vector.LessThanOrEqual(Vector.Abs(c), new Vector<float>(_half)), d, Vector<float>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Derivative(Vector512<float> c, long k)
        {
            var z = Vector512.MinNative(Vector512.MaxNative(c * _slope, Vector512.Create(-_limit)), Vector512.Create(_limit));
            var e = FloatExp.Of(z + z);
            var d = e * Vector512.Create(4f * _scale) / ((Vector512<float>.One + e) * (Vector512<float>.One + e));
            return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Abs(c), Vector512.Create(_half)), d, Vector512<float>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k)
        {
            if (!(MathF.Abs(c) <= _half)) return 0f;
            float z = Math.Clamp(c * _slope, -_limit, _limit);
            float e = FloatExp.Of(z + z);
            return e * (4f * _scale) / ((1f + e) * (1f + e));
        }
    }
}
