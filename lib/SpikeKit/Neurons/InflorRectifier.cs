using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// The membrane potential rectifier (MPR) of InfLoR-SNN (Guo et al., "Reducing Information Loss for Spiking Neural
/// Networks", ECCV 2022): a monotone map φ applied to the potential before firing, which pulls potentials in [0, 1] toward
/// the spike values 0 and 1 and compresses those outside, so that the firing step loses less information:
/// <code>
/// φ(u) = 1 − (1 − u)^(1/3)                                          u &lt; 0
/// φ(u) = (tanh(k·(u − c)) + tanh(k·c)) / (tanh(k·(1 − c)) + tanh(k·c))   0 ≤ u ≤ 1
/// φ(u) = u^(1/3)                                                    u &gt; 1
/// o    = H(φ(u_pre) − V_th)
/// </code>
/// φ is continuous and increasing, with φ(0) = 0 and φ(1) = 1.
/// <para><b>Published:</b> the three branches with the cube roots, and the middle branch
/// <c>tanh(3·(u − ½)) / (2·tanh(3/2)) + ½</c>, i.e. k = 3 and c = ½ (the paper, with V_th = 0.5, and the group's code: the
/// function <c>MPR(s, thresh)</c> in github.com/yfguo91/MPBN <c>models/spike_layer.py</c>, called with <c>thresh = 0.5</c>).
/// For c = ½ the middle branch above is exactly that expression.</para>
/// <para><b>Parameters where nothing is published:</b> the sharpness k (<see cref="Sharpness"/>, default the published 3) and
/// the centre c (<see cref="Centre"/>, default the published ½). The paper fixes both; the normalized middle branch keeps φ
/// continuous for any c in (0, 1), which the published form does only for c = ½. The firing rule compares φ(u) with V_th
/// whatever V_th is (the paper uses V_th = 0.5 = c, where firing happens exactly where it would without the rectifier).</para>
/// <para>Where it acts (SpikeKit, following the group's code <c>mem_update</c>, in which the rectified copy is only used to
/// fire and the raw potential is reset): the reset acts on the raw potential u, and φ changes only which potential is
/// compared with V_th and the gradient, which becomes <c>σ'(φ(u) − V_th)·φ'(u)</c>. The potential that RMP-Loss and the
/// quantization-error probe see (<see cref="NeuronActivity.Potential"/>) is φ(u_pre), the one compared with V_th.</para>
/// </summary>
/// <param name="Sharpness">k, the slope factor of the tanh branch (published: 3).</param>
/// <param name="Centre">c, the potential the tanh branch is centred on, in (0, 1) (published: ½).</param>
public sealed record InflorRectifier(double Sharpness = 3.0, double Centre = 0.5)
{
    /// <summary>The published rectifier: k = 3, c = ½.</summary>
    public static InflorRectifier Paper { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a value is out of range.</summary>
    public InflorRectifier Validate()
    {
        if (!(Sharpness > 0) || !double.IsFinite(Sharpness)) throw new ArgumentException($"rectifier sharpness must be a finite number > 0, got {Sharpness}", nameof(Sharpness));
        if (!(Centre > 0 && Centre < 1)) throw new ArgumentException($"rectifier centre must be in (0, 1), got {Centre}", nameof(Centre));
        return this;
    }

    double Offset => Math.Tanh(Sharpness * Centre);
    double Span => Math.Tanh(Sharpness * (1 - Centre)) + Offset;

    /// <summary>φ(u) in double precision (reference for tests and plots).</summary>
    public double Apply(double u) =>
        u < 0 ? 1 - Math.Cbrt(1 - u)
        : u > 1 ? Math.Cbrt(u)
        : (Math.Tanh(Sharpness * (u - Centre)) + Offset) / Span;

    /// <summary>φ'(u) in double precision (one-sided from the middle branch at 0 and 1).</summary>
    public double Derivative(double u)
    {
        if (u < 0) return Math.Pow(1 - u, -2.0 / 3) / 3;
        if (u > 1) return Math.Pow(u, -2.0 / 3) / 3;
        double th = Math.Tanh(Sharpness * (u - Centre));
        return Sharpness * (1 - th * th) / Span;
    }

    /// <summary>φ elementwise, differentiable (each branch sees its input clamped to its own range, so no branch produces
    /// NaN values or gradients where it is not selected).</summary>
    public Tensor Apply(Tensor u)
    {
        using var scope = NewDisposeScope();
        var low = u.clamp_max(0).neg().add_(1).pow(1.0 / 3).neg().add_(1);
        var high = u.clamp_min(1).pow(1.0 / 3);
        var mid = u.clamp(0, 1).sub(Centre).mul_(Sharpness).tanh().add(Offset).div_(Span); // not tanh().add_: tanh's backward reads its output
        var below = u.lt(0);
        var above = u.gt(1);
        var result = where(below, low, where(above, high, mid));
        return result.MoveToOuterDisposeScope();
    }
}
