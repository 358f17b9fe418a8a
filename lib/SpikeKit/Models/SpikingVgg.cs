using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// Spiking VGG-11 and VGG-16 (Simonyan &amp; Zisserman 2015, configurations A and D) with conv · norm · LIF units and
/// 2×2 average pooling (the usual SNN choice), then global average pooling and one linear classifier:
/// <code>VGG-11: 64 M 128 M 256 256 M 512 512 M 512 512 M
/// VGG-16: 64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M</code>
/// A pooling step is skipped once the feature map is 1×1, so 28×28 inputs work as well as 32×32.
/// </summary>
public sealed class SpikingVgg : SpikingNetwork
{
    const int M = -1;
    readonly nn.Module<Tensor, Tensor> conv, norm, features, head;

    SpikingVgg(string name, ModelOptions o, int[] cfg) : base(name, o)
    {
        int c0 = o.Scale(cfg[0]);
        conv = Blocks.Conv3x3(o.InputChannels, c0);
        norm = Blocks.StemNorm(o, c0);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("lif0", Blocks.Neuron(o, c0)) };
        long inC = c0;
        int side = o.InputSize, i = 0;
        foreach (var v in cfg.Skip(1))
        {
            i++;
            if (v == M)
            {
                if (side >= 2) { layers.Add(($"pool{i}", Blocks.AvgPool(o))); side /= 2; }
                continue;
            }
            long outC = o.Scale(v);
            layers.Add(($"conv{i}", Blocks.TimeConv3x3(o, inC, outC)));
            layers.Add(($"norm{i}", Blocks.TimeNorm(o, outC)));
            layers.Add(($"lif{i}", Blocks.Neuron(o, outC)));
            inC = outC;
        }
        features = nn.Sequential(layers);
        head = new TimeDistributed(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(inC, o.Classes)));
        RegisterComponents();
    }

    /// <summary>Spiking VGG-11.</summary>
    public static SpikingVgg Vgg11(ModelOptions? options = null) =>
        new("vgg11", options ?? new ModelOptions(InputChannels: 3, InputSize: 32), [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M]);

    /// <summary>Spiking VGG-16.</summary>
    public static SpikingVgg Vgg16(ModelOptions? options = null) =>
        new("vgg16", options ?? new ModelOptions(InputChannels: 3, InputSize: 32), [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M]);

    /// <inheritdoc />
    public override ModelGraph Graph()
    {
        var g = new GraphBuilder(this, Options.InputChannels, Options.InputSize, Options.InputSize);
        var x = g.Conv("conv", "norm.norm", GraphBuilder.InputName);
        foreach (var (name, layer) in features.named_children())
        {
            var path = $"features.{name}";
            if (layer is SpikingNeuron) x = g.Neuron(path, x);
            else if (name.StartsWith("pool", StringComparison.Ordinal)) x = g.AvgPool(path, 2, x);
            else if (name.StartsWith("conv", StringComparison.Ordinal)) x = g.Conv($"{path}.inner", $"features.norm{name[4..]}", x);
        }
        return g.Build(g.Linear("head.inner.2", g.Flatten("head.flatten", g.GlobalAvgPool("head.pool", x))));
    }

    /// <inheritdoc />
    protected override Tensor Stem(Tensor x)
    {
        using var c = conv.forward(x);
        return norm.forward(c);
    }

    /// <inheritdoc />
    protected override Tensor Body(Tensor x)
    {
        using var f = features.forward(x);
        return head.forward(f);
    }
}
