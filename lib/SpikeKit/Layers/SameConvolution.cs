using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// A stride-1 "same" convolution (odd square kernel k, padding (k−1)/2, no dilation, no groups) whose input gradient is
/// computed as a forward convolution:
/// <code>
/// y = W ⋆ x      ∂L/∂x = W' ⋆ ∂L/∂y,   W'[i, o, a, b] = W[o, i, k−1−a, k−1−b]   (the kernel flipped, in and out swapped)
/// </code>
/// Same values as LibTorch's convolution backward (to float rounding). The weight (and bias) gradient stays LibTorch's:
/// the convolution runs on the detached input, and the node below only adds the input path. Reason: LibTorch's CPU
/// input gradient falls to a slow path for few channels (4 → 4 at 32×32 on [256, ...]: about 8× its forward), which
/// made it most of the slim ResNet-20's step; as a forward convolution it costs about one forward.
/// </summary>
internal static class SameConvolution
{
    /// <summary>Off: LibTorch's own convolution backward everywhere (for benchmarks comparing the two).</summary>
    internal static bool Enabled = true;

    /// <summary>True when <paramref name="conv"/> is a stride-1 same convolution and <paramref name="x"/> needs its
    /// gradient (on the CPU, float32, row-major: LibTorch's input gradient of a channels-last input is not slow).</summary>
    public static bool Applies(Conv2d conv, Tensor x)
    {
        if (!Enabled || !x.requires_grad || !is_grad_enabled() || x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32 || !x.is_contiguous()) return false;
        var w = conv.weight!.shape;
        return conv.groups == 1 && w[2] == w[3] && w[2] % 2 == 1 && conv.stride.All(s => s == 1) && conv.dilation.All(d => d == 1)
            && conv.padding is [var p0, var p1] && p0 == p1 && p0 == w[2] / 2 && conv.padding_mode == PaddingModes.Zeros;
    }

    /// <summary><c>conv(x)</c> with the input gradient of this class (call only where <see cref="Applies"/>).</summary>
    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        using var detached = x.detach();
        using var y = conv.forward(detached);
        return InputGradient.apply(y, x, conv.weight!, conv.padding![0]);
    }

    /// <summary>Identity on <c>y</c> in forward; in backward passes ∂L/∂y on to <c>y</c> (LibTorch's weight gradient) and
    /// gives <c>x</c> the gradient <c>W' ⋆ ∂L/∂y</c>.</summary>
    sealed class InputGradient : autograd.SingleTensorFunction<InputGradient>
    {
        public override string Name => "SpikeKitSameConvInputGrad";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var y = (Tensor)vars[0];
            var weight = (Tensor)vars[2];
            ctx.save_for_backward([weight]);
            ctx.save_data("pad", (long)vars[3]);
            return y.alias();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            using var w = ctx.get_saved_variables()[0];
            long pad = (long)ctx.get_data("pad");
            using var flipped = w.flip(2, 3);
            using var swapped = flipped.transpose(0, 1);
            using var kernel = swapped.contiguous();
            var gx = nn.functional.conv2d(grad_output, kernel, padding: [pad, pad]);
            return [grad_output.alias(), gx, null!, null!];
        }
    }
}
