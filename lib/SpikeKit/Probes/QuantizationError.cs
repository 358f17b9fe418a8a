using System.Runtime.CompilerServices;
using SpikeKit.Losses;

namespace SpikeKit.Probes;

/// <summary>
/// The quantization error, the headline metric of RMP-Loss (Guo et al., "RMP-Loss: Regularizing Membrane Potential
/// Distribution for Spiking Neural Networks", ICCV 2023): the gap between a neuron's clipped pre-firing potential and
/// the spike it emitted. Per layer, over all timesteps t, samples b and neurons n:
/// <code>
/// e             = |clip(u_pre, Low, High) − o|              (o ∈ {0, 1} the spike)
/// QE            = mean over (t, b, n) of e
/// QE²           = mean over (t, b, n) of e²
/// near-spike    = share of (t, b, n) with |u_pre − 0| ≤ NearTolerance or |u_pre − 1| ≤ NearTolerance
/// </code>
/// The default <c>[0, 1]</c> is the paper's reading (<see cref="Paper"/>). The near-spike share is measured on the
/// unclipped potential against the spike values 0 and 1, whatever the clip bounds. <see cref="ActivityProbe"/> reduces
/// these with <see cref="Error(float, float, float, float)"/> and <see cref="IsNearSpike(float, float)"/> per element.
/// </summary>
/// <param name="Low">Lower clip bound, default 0 (the spike value "no spike"); may be −∞.</param>
/// <param name="High">Upper clip bound, default 1 (the spike value "spike"); may be +∞. Must exceed <paramref name="Low"/>.</param>
/// <param name="NearTolerance">Distance to 0 or 1 under which a potential counts as near a spike value, default 0.1.</param>
public sealed record QuantizationError(double Low = 0.0, double High = 1.0, double NearTolerance = 0.1)
{
    /// <summary>The paper's reading: clip to <c>[0, 1]</c>, near-spike tolerance 0.1 (what <c>new ActivityProbe()</c> measures).</summary>
    public static QuantizationError Paper { get; } = new();

    /// <summary>
    /// The quantization error with the clip bounds of <paramref name="rmp"/> (<see cref="RmpLoss.ClipMin"/>,
    /// <see cref="RmpLoss.ClipMax"/>), so that the probe measures the gap the loss pushes on. The metric is defined on the
    /// clipped potential, so it always clips: <see cref="RmpLoss.Clip"/> = false changes only the loss, not this metric.
    /// </summary>
    public static QuantizationError For(RmpLoss rmp)
    {
        ArgumentNullException.ThrowIfNull(rmp);
        return new QuantizationError(rmp.ClipMin, rmp.ClipMax);
    }

    /// <summary><c>e = |clip(potential, low, high) − spike|</c> in float32 (the probe's per-element form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Error(float potential, float spike, float low, float high)
    {
        float c = potential < low ? low : potential > high ? high : potential;
        return MathF.Abs(c - spike);
    }

    /// <summary>True when <paramref name="potential"/> lies within <paramref name="tolerance"/> of the spike value 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNearSpike(float potential, float tolerance) =>
        MathF.Abs(potential) <= tolerance || MathF.Abs(potential - 1f) <= tolerance;

    /// <summary><c>e</c> for one potential and spike with these bounds.</summary>
    public float Error(float potential, float spike) => Error(potential, spike, (float)Low, (float)High);

    /// <summary>True when <paramref name="potential"/> counts as near a spike value with this tolerance.</summary>
    public bool IsNearSpike(float potential) => IsNearSpike(potential, (float)NearTolerance);
}
