using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// Triangle surrogate: <c>σ'(x) = max(0, γ − |x|) / γ²</c> (area 1).
/// Esser et al., "Convolutional networks for fast, energy-efficient neuromorphic computing", PNAS 2016;
/// Deng et al., TET, ICLR 2022.
/// </summary>
/// <param name="Gamma">Half-width γ of the triangle, default 1.</param>
public sealed record TriangleSurrogate(double Gamma = 1.0) : Surrogate
{
    /// <inheritdoc />
    public override Tensor Primitive(Tensor x)
    {
        // g(x) = ½ + (x/γ) − sign(x)·x²/(2γ²) for |x| ≤ γ, clamped to [0, 1] outside.
        using var c = x.clamp(-Gamma, Gamma);
        using var sq = c.mul(c.abs()).div_(2 * Gamma * Gamma);
        return c.div(Gamma).sub_(sq).add_(0.5);
    }

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x) => x.abs().neg_().add_(Gamma).clamp_min_(0.0).div_(Gamma * Gamma);

    /// <inheritdoc />
    public override double Derivative(double x) => Math.Max(0.0, Gamma - Math.Abs(x)) / (Gamma * Gamma);
}
