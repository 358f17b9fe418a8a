using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// Applies a stateless module (conv, linear, pooling, dropout, flatten) to every timestep at once by folding time into
/// the batch: <c>[T, B, ...] → [T·B, ...] → module → [T, B, ...]</c> (SpikingJelly's <c>SeqToANNContainer</c>).
/// </summary>
public sealed class TimeDistributed : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> inner;

    /// <summary>Wraps <paramref name="module"/>.</summary>
    public TimeDistributed(nn.Module<Tensor, Tensor> module, string? name = null) : base(name ?? $"td({module.GetName()})")
    {
        inner = module;
        RegisterComponents();
    }

    /// <summary>The wrapped module.</summary>
    public nn.Module<Tensor, Tensor> Inner => inner;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"{GetName()}: input must be [T, B, ...], got shape [{string.Join(", ", x.shape)}]");
        long t = x.shape[0], b = x.shape[1];
        using var folded = x.flatten(0, 1);
        using var y = inner.forward(folded);
        var shape = new long[y.dim() + 1];
        shape[0] = t; shape[1] = b;
        for (int i = 1; i < y.dim(); i++) shape[i + 1] = y.shape[i];
        return y.view(shape);
    }
}
