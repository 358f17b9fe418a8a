using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Triangle surrogate (area 1), with <c>c = clamp(x, −γ, γ)</c>:
/// <code>
/// forward     H(x)  = [x ≥ 0]
/// primitive   g(x)  = ½ + c/γ − sign(c)·c²/(2γ²)
/// derivative  g'(x) = σ'(x) = max(0, γ − |x|) / γ²
/// </code>
/// Esser et al., "Convolutional networks for fast, energy-efficient neuromorphic computing", PNAS 2016;
/// Deng et al., TET, ICLR 2022.
/// </summary>
/// <param name="Gamma">Half-width γ of the triangle, default 1.</param>
public sealed record TriangleSurrogate(double Gamma = 1.0) : Surrogate
{
    /// <inheritdoc />
    public override Tensor Primitive(Tensor x)
    {
        using var c = x.clamp(-Gamma, Gamma);
        using var sq = c.mul(c.abs()).div_(2 * Gamma * Gamma);
        return c.div(Gamma).sub_(sq).add_(0.5);
    }

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x) => x.abs().neg_().add_(Gamma).clamp_min_(0.0).div_(Gamma * Gamma);

    /// <inheritdoc />
    public override double Derivative(double x) => Math.Max(0.0, Gamma - Math.Abs(x)) / (Gamma * Gamma);

    internal override bool RunKernel(ISurrogateKernelRunner runner)
    {
        runner.Run(new Kernel(this));
        return true;
    }

    /// <summary>σ'(c) in float32 for the fused kernels: <c>max(0, γ − |c|) / γ²</c>.</summary>
    internal readonly struct Kernel(TriangleSurrogate s) : ISurrogateKernel
    {
        readonly float _gamma = (float)s.Gamma;
        readonly float _square = (float)(s.Gamma * s.Gamma);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Derivative(Vector<float> c, long k) =>
            Vector.Max(new Vector<float>(_gamma) - Vector.Abs(c), Vector<float>.Zero) / new Vector<float>(_square);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Derivative(Vector512<float> c, long k) =>
            Vector512.Max(Vector512.Create(_gamma) - Vector512.Abs(c), Vector512<float>.Zero) / Vector512.Create(_square);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k) => MathF.Max(_gamma - MathF.Abs(c), 0f) / _square;
    }
}
