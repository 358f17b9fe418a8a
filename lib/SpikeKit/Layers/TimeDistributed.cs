using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// Applies a stateless module (conv, linear, pooling, dropout, flatten) to every timestep at once by folding time into
/// the batch: <c>[T, B, ...] → [T·B, ...] → module → [T, B, ...]</c> (SpikingJelly's <c>SeqToANNContainer</c>).
/// A stride-1 same convolution computes its input gradient as a forward convolution with the flipped kernel, and a
/// convolution of channels-last spikes runs by table lookups (see <see cref="Fused"/>).
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

    /// <summary>Whether a stride-1 same convolution (odd k, padding (k−1)/2) computes its input gradient as the forward
    /// convolution <c>∂L/∂x = W' ⋆ ∂L/∂y</c> with <c>W'</c> the kernel flipped and its channels swapped (<see cref="SameConvolution"/>),
    /// and a convolution of a channels-last 0/1 input runs by table lookups where <see cref="BinaryInputConvolution"/> applies
    /// (with a gradient, for 4 input channels) (true); or every convolution is LibTorch's (false). Same values to float rounding; LibTorch's CPU input gradient is
    /// several times slower for few channels, and its forward convolution of 4 to 16 channels 1.2 to 2.5 times slower than the lookups.</summary>
    public bool Fused { get; init; } = true;

    /// <summary>A 1×1 convolution with stride s (no padding, dilation or groups) on a channels-last CPU input. LibTorch 2.10's
    /// oneDNN weight gradient for it (the 1×1 kernel's copy to unit stride) crashes the process on such inputs with few
    /// channels (8 → 16 channels at 56×56, stride 2: SIGSEGV), so it runs as what it is: the 1×1 convolution of the input
    /// subsampled every s pixels (<see cref="SubsampledPointwise"/>; the same values).</summary>
    static bool IsStridedPointwise(Conv2d conv, Tensor x)
    {
        var w = conv.weight!.shape;
        return x.device_type == DeviceType.CPU && x.dim() == 4 && !x.is_contiguous() && w[2] == 1 && w[3] == 1 && conv.groups == 1
            && conv.stride.Any(s => s != 1) && conv.padding is [0, 0] && conv.dilation.All(d => d == 1);
    }

    static Tensor SubsampledPointwise(Conv2d conv, Tensor x)
    {
        using var rows = x.slice(2, 0, x.shape[2], conv.stride[0]);
        using var sub = rows.slice(3, 0, x.shape[3], conv.stride[1]);
        return nn.functional.conv2d(sub, conv.weight!, conv.bias);
    }

    /// <summary>The wrapped module.</summary>
    public nn.Module<Tensor, Tensor> Inner => inner;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"{GetName()}: input must be [T, B, ...], got shape [{string.Join(", ", x.shape)}]");
        long t = x.shape[0], b = x.shape[1];
        using var folded = x.flatten(0, 1);
        using var y = (Fused && inner is Conv2d spikes ? BinaryInputConvolution.TryForward(spikes, folded) : null)
            ?? (Fused && inner is Conv2d conv && SameConvolution.Applies(conv, folded) ? SameConvolution.Forward(conv, folded)
            : inner is Conv2d pointwise && IsStridedPointwise(pointwise, folded) ? SubsampledPointwise(pointwise, folded)
            : inner.forward(folded));
        var shape = new long[y.dim() + 1];
        shape[0] = t; shape[1] = b;
        for (int i = 1; i < y.dim(); i++) shape[i + 1] = y.shape[i];
        return y.view(shape);
    }
}
