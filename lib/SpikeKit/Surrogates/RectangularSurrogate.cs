using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Rectangular surrogate: <c>σ'(x) = 1/a</c> for <c>|x| ≤ a/2</c>, else 0 (area 1). The edges count as inside, as in
/// the gradient of the clamped primitive, so both <see cref="SurrogateMode"/>s agree there.
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
}
