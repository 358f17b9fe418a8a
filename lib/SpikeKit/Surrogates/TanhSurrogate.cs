using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// The surrogate of the RMP-Loss group's code (MPBN / IM-Loss): the derivative of
/// <c>g(u) = [tanh(k·(clamp(u, 0, 1) − ½)) + tanh(k/2)] / (2·tanh(k/2))</c> with <c>k = 3</c>, written for
/// <c>x = u − V_th</c> with <c>V_th = ½</c> and a support of width <c>w</c> centred on the threshold:
/// <c>σ'(x) = k·(1 − tanh²(k·x/w)) / (2·w·tanh(k/2))</c> for <c>|x| ≤ w/2</c>, else 0.
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
}
