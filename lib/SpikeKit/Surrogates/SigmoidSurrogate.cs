using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Sigmoid surrogate: <c>g(x) = sigmoid(α·x)</c>, <c>σ'(x) = α·sigmoid(αx)·(1 − sigmoid(αx))</c>.
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
}
