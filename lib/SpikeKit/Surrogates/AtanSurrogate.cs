using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Arctangent surrogate: <c>g(x) = atan(π/2·α·x)/π + ½</c>, <c>σ'(x) = (α/2) / (1 + (π/2·α·x)²)</c>.
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
}
