using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Rectangular surrogate (area 1):
/// <code>
/// forward     H(x)  = [x ≥ 0]
/// primitive   g(x)  = clamp(x/a + ½, 0, 1)
/// derivative  g'(x) = σ'(x) = 1/a   for |x| ≤ a/2, else 0
/// </code>
/// The edges count as inside, as in the gradient of the clamped primitive, so both <see cref="SurrogateMode"/>s agree there.
/// Wu et al., "Spatio-temporal backpropagation for training high-performance SNNs", Front. Neurosci. 2018.
/// </summary>
/// <param name="A">Width a of the window, default 1.</param>
public sealed record RectangularSurrogate(double A = 1.0) : Surrogate
{
    /// <inheritdoc />
    public override Tensor Primitive(Tensor x) => x.div(A).add_(0.5).clamp_(0.0, 1.0);

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x) => x.abs().le(A / 2).to_type(x.dtype).div_(A);

    /// <inheritdoc />
    public override double Derivative(double x) => Math.Abs(x) <= A / 2 ? 1.0 / A : 0.0;

    internal override bool RunKernel(ISurrogateKernelRunner runner)
    {
        runner.Run(new Kernel(this));
        return true;
    }

    /// <summary>σ'(c) in float32 for the fused kernels: <c>1/a</c> for <c>|c| ≤ a/2</c>, else 0.</summary>
    internal readonly struct Kernel(RectangularSurrogate s) : ISurrogateKernel
    {
        readonly float _half = (float)(s.A / 2.0);
        readonly float _height = 1f / (float)s.A;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Derivative(Vector<float> c, long k) =>
            Vector.ConditionalSelect(Vector.LessThanOrEqual(Vector.Abs(c), new Vector<float>(_half)), new Vector<float>(_height), Vector<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Derivative(Vector512<float> c, long k) =>
            Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Abs(c), Vector512.Create(_half)), Vector512.Create(_height), Vector512<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k) => MathF.Abs(c) <= _half ? _height : 0f;
    }
}
