using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace SpikeKit.Neurons;

/// <summary>
/// A static input presented at every timestep: <c>[B, ...]</c> expanded (stride 0, no copy) to <c>[T, B, ...]</c>, with the
/// source remembered, so that a fused neuron reading the expanded tensor can take the gradient with respect to the source
/// directly (Σ_t ∂L/∂x[t], accumulated in its backward loop) instead of writing a <c>[T, B, ...]</c> gradient for the
/// expansion to sum. Values and gradients are those of <c>source.unsqueeze(0).expand(...)</c>.
/// </summary>
internal static class RepeatedInput
{
    static readonly ConditionalWeakTable<Tensor, Tensor> Sources = new();

    /// <summary><paramref name="source"/> repeated <paramref name="steps"/> times along a new first dimension.</summary>
    public static Tensor Expand(Tensor source, long steps)
    {
        var repeated = source.unsqueeze(0).expand([steps, .. source.shape]);
        Sources.AddOrUpdate(repeated, source);
        return repeated;
    }

    /// <summary>The source of a tensor made by <see cref="Expand"/>, else null.</summary>
    public static Tensor? SourceOf(Tensor x) =>
        x.stride(0) == 0 && Sources.TryGetValue(x, out var source) && !source.IsInvalid ? source : null;
}
