using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Arctangent surrogate:
/// <code>
/// forward     H(x)  = [x ≥ 0]
/// primitive   g(x)  = atan(π/2·α·x)/π + ½
/// derivative  g'(x) = σ'(x) = (α/2) / (1 + (π/2·α·x)²)
/// </code>
/// Fang et al., "Incorporating learnable membrane time constant", ICCV 2021; SpikingJelly's <c>surrogate.ATan</c>.
/// </summary>
/// <param name="Alpha">Sharpness α, default 2.</param>
public sealed record AtanSurrogate(double Alpha = 2.0) : Surrogate
{
    /// <inheritdoc />
    public override Tensor Primitive(Tensor x) => x.mul(Math.PI / 2 * Alpha).atan_().div_(Math.PI).add_(0.5);

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x) => x.mul(Math.PI / 2 * Alpha).pow_(2).add_(1.0).reciprocal_().mul_(Alpha / 2);

    /// <inheritdoc />
    public override double Derivative(double x)
    {
        double z = Math.PI / 2 * Alpha * x;
        return Alpha / 2 / (1 + z * z);
    }

    internal override bool RunKernel(ISurrogateKernelRunner runner)
    {
        runner.Run(new Kernel(this));
        return true;
    }

    /// <summary>σ'(c) in float32 for the fused kernels: <c>1/(z² + 1)·α/2</c>, <c>z = π/2·α·c</c>.</summary>
    internal readonly struct Kernel(AtanSurrogate s) : ISurrogateKernel
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
        public Vector512<float> Derivative(Vector512<float> c, long k)
        {
            var z = c * _slope;
            return Vector512<float>.One / (z * z + Vector512<float>.One) * _half;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k)
        {
            float z = c * _slope;
            return 1f / (z * z + 1f) * _half;
        }
    }
}
