using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SpikeKit.Kernels;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Sigmoid surrogate, with <c>s(x) = 1/(1 + exp(−α·x))</c>:
/// <code>
/// forward     H(x)  = [x ≥ 0]
/// primitive   g(x)  = s(x)
/// derivative  g'(x) = σ'(x) = α·s(x)·(1 − s(x))
/// </code>
/// Zenke &amp; Ganguli, "SuperSpike", Neural Computation 2018; SpikingJelly's <c>surrogate.Sigmoid</c>.
/// </summary>
/// <param name="Alpha">Sharpness α, default 4.</param>
public sealed record SigmoidSurrogate(double Alpha = 4.0) : Surrogate
{
    /// <inheritdoc />
    public override Tensor Primitive(Tensor x) => x.mul(Alpha).sigmoid_();

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x)
    {
        using var s = x.mul(Alpha).sigmoid_();
        return s.neg().add_(1.0).mul_(s).mul_(Alpha);
    }

    /// <inheritdoc />
    public override double Derivative(double x)
    {
        double s = 1.0 / (1.0 + Math.Exp(-Alpha * x));
        return Alpha * s * (1 - s);
    }

    internal override bool RunKernel(ISurrogateKernelRunner runner)
    {
        runner.Run(new Kernel(this));
        return true;
    }

    /// <summary>σ'(c) in float32 for the fused kernels: <c>(1 − s)·s·α</c>, <c>s = 1/(1 + exp(−α·c))</c> (<see cref="FloatExp"/>).</summary>
    internal readonly struct Kernel(SigmoidSurrogate s) : ISurrogateKernel
    {
        readonly float _alpha = (float)s.Alpha;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Derivative(Vector<float> c, long k)
        {
            var sg = Vector<float>.One / (Vector<float>.One + FloatExp.Of(-(c * _alpha)));
            return (Vector<float>.One - sg) * sg * _alpha;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Derivative(Vector512<float> c, long k)
        {
            var sg = Vector512<float>.One / (Vector512<float>.One + FloatExp.Of(-(c * _alpha)));
            return (Vector512<float>.One - sg) * sg * _alpha;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k)
        {
            float sg = 1f / (1f + FloatExp.Of(-(c * _alpha)));
            return (1f - sg) * sg * _alpha;
        }
    }
}
