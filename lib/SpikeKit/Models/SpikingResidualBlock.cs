using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// Spiking basic residual block of tdBN-style ResNets (Zheng et al., AAAI 2021), on <c>[T, B, C, H, W]</c> spikes:
/// <code>y = LIF( norm(conv3x3(LIF(norm(conv3x3(x))))) + shortcut(x) )</code>
/// where the shortcut is the identity, or conv1×1 + norm when the stride or channel count changes.
/// </summary>
public sealed class SpikingResidualBlock : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> conv1, norm1, conv2, norm2;
    readonly nn.Module<Tensor, Tensor>? shortcut;
    readonly SpikingNeuron lif1, lif2;

    /// <summary>Creates a block from <paramref name="inC"/> to <paramref name="outC"/> channels.</summary>
    public SpikingResidualBlock(ModelOptions o, long inC, long outC, long stride) : base("block")
    {
        conv1 = Blocks.TimeConv3x3(o, inC, outC, stride);
        norm1 = Blocks.TimeNorm(o, outC);
        lif1 = Blocks.Neuron(o, outC, "lif1");
        conv2 = Blocks.TimeConv3x3(o, outC, outC);
        norm2 = Blocks.TimeNorm(o, outC);
        if (stride != 1 || inC != outC)
            shortcut = nn.Sequential(
                ("conv", new TimeDistributed(nn.Conv2d(inC, outC, 1, stride: stride, bias: false)) { Fused = o.NeuronOrDefault.Fused }),
                ("norm", Blocks.TimeNorm(o, outC)));
        lif2 = Blocks.Neuron(o, outC, "lif2");
        RegisterComponents();
    }

    /// <summary>Adds the block, registered at <paramref name="path"/>, to a graph after node <paramref name="from"/>; returns its output node.</summary>
    public string AddTo(GraphBuilder g, string path, string from)
    {
        var s1 = g.Neuron($"{path}.lif1", g.Conv($"{path}.conv1.inner", $"{path}.norm1", from));
        var c2 = g.Conv($"{path}.conv2.inner", $"{path}.norm2", s1);
        var sc = shortcut is null ? from : g.Conv($"{path}.shortcut.conv.inner", $"{path}.shortcut.norm", from);
        return g.Neuron($"{path}.lif2", c2, sc);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var c1 = conv1.forward(x);
        using var s1 = Blocks.NormAndFire(norm1, lif1, c1);
        using var c2 = conv2.forward(s1);
        using var sc = shortcut is null ? x.alias() : shortcut.forward(x);
        return Blocks.NormAndFire(norm2, lif2, c2, sc);
    }
}
