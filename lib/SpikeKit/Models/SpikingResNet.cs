using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// Spiking ResNets of the RMP-Loss paper's tables, built from <see cref="SpikingResidualBlock"/>s (width scales every stage):
/// <list type="bullet">
/// <item><b>ResNet-19</b> (Zheng et al., AAAI 2021): conv3×3 128 · 3 blocks 128 · 3 blocks 256 (stride 2) · 2 blocks 512 (stride 2) ·
/// global avg-pool · fc 256 · LIF · fc K.</item>
/// <item><b>ResNet-20</b> (He et al. 2016, CIFAR form): conv3×3 16 · 3 blocks 16 · 3 blocks 32 (stride 2) · 3 blocks 64 (stride 2) ·
/// global avg-pool · fc K.</item>
/// <item><b>ResNet-18 / ResNet-34</b> (He et al. 2016, ImageNet form, as in the paper's ImageNet table): conv7×7 64 stride 2 ·
/// norm · LIF · max-pool 3×3 stride 2 · blocks 64 (2 | 3) · 128 (2 | 4, stride 2) · 256 (2 | 6, stride 2) · 512 (2 | 3, stride 2) ·
/// global avg-pool · fc K. At width 1 they have exactly the convolution, norm and fc parameters of torchvision's
/// <c>resnet18</c> / <c>resnet34</c> (tdBN has the same λ, β per channel as BN; the neurons have none).</item>
/// </list>
/// Any input size ≥ 8 works (global pooling); ImageNet uses 224.
/// </summary>
public sealed class SpikingResNet : SpikingNetwork
{
    readonly nn.Module<Tensor, Tensor> conv, norm, stages, head;
    readonly nn.Module<Tensor, Tensor>? maxPool;
    readonly SpikingNeuron lif;
    readonly bool hasHidden;

    SpikingResNet(string name, ModelOptions o, int stemChannels, (int Channels, int Blocks, int Stride)[] plan, int? hidden, bool imageNetStem = false)
        : base(name, o)
    {
        int c0 = o.Scale(stemChannels);
        conv = imageNetStem
            ? nn.Conv2d(o.InputChannels, c0, 7, stride: 2, padding: 3, bias: false)
            : Blocks.Conv3x3(o.InputChannels, c0);
        norm = Blocks.StemNorm(o, c0);
        lif = Blocks.Neuron(o, c0);
        // The max-pool follows the stem's LIF (the stem runs once on [B, ...], the pool on spikes [T, B, ...]).
        if (imageNetStem) maxPool = new TimeDistributed(nn.MaxPool2d(3, stride: 2, padding: 1));
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        long inC = c0;
        for (int s = 0; s < plan.Length; s++)
        {
            long outC = o.Scale(plan[s].Channels);
            for (int b = 0; b < plan[s].Blocks; b++)
            {
                blocks.Add(($"stage{s + 1}_{b}", new SpikingResidualBlock(o, inC, outC, b == 0 ? plan[s].Stride : 1)));
                inC = outC;
            }
        }
        stages = nn.Sequential(blocks);
        var pool = new TimeDistributed(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()));
        hasHidden = hidden is not null;
        if (hidden is { } h)
        {
            long hc = o.Scale(h);
            head = nn.Sequential(("pool", pool), ("fc1", new TimeDistributed(nn.Linear(inC, hc))),
                ("lif", Blocks.Neuron(o, hc)), ("fc2", new TimeDistributed(nn.Linear(hc, o.Classes))));
        }
        else head = nn.Sequential(("pool", pool), ("fc", new TimeDistributed(nn.Linear(inC, o.Classes))));
        Layout = MemoryLayout.ChannelsLast;
        RegisterComponents();
    }

    /// <summary>Spiking ResNet-19 (tdBN; Zheng et al., AAAI 2021), the paper's main CIFAR model.</summary>
    public static SpikingResNet ResNet19(ModelOptions? options = null) =>
        new("resnet19", options ?? new ModelOptions(InputChannels: 3, InputSize: 32), 128, [(128, 3, 1), (256, 3, 2), (512, 2, 2)], 256);

    /// <summary>Spiking ResNet-20 (CIFAR ResNet of He et al. 2016 with spiking blocks).</summary>
    public static SpikingResNet ResNet20(ModelOptions? options = null) =>
        new("resnet20", options ?? new ModelOptions(InputChannels: 3, InputSize: 32), 16, [(16, 3, 1), (32, 3, 2), (64, 3, 2)], null);

    /// <summary>Spiking ResNet-18 in ImageNet form (7×7 stem, max-pool, four stages of 2 blocks).</summary>
    public static SpikingResNet ResNet18(ModelOptions? options = null) =>
        new("resnet18", options ?? new ModelOptions(InputChannels: 3, InputSize: 224, Classes: 1000), 64,
            [(64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 2, 2)], null, imageNetStem: true);

    /// <summary>Spiking ResNet-34 in ImageNet form (7×7 stem, max-pool, stages of 3, 4, 6, 3 blocks), the paper's ImageNet model.</summary>
    public static SpikingResNet ResNet34(ModelOptions? options = null) =>
        new("resnet34", options ?? new ModelOptions(InputChannels: 3, InputSize: 224, Classes: 1000), 64,
            [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], null, imageNetStem: true);

    /// <inheritdoc />
    public override ModelGraph Graph()
    {
        var g = new GraphBuilder(this, Options.InputChannels, Options.InputSize, Options.InputSize);
        var x = g.Neuron("lif", g.Conv("conv", "norm.norm", GraphBuilder.InputName));
        if (maxPool is not null) x = g.MaxPool("maxpool", 3, 2, 1, x);
        foreach (var (name, block) in stages.named_children())
            x = ((SpikingResidualBlock)block).AddTo(g, $"stages.{name}", x);
        x = g.Flatten("head.flatten", g.GlobalAvgPool("head.pool", x));
        x = hasHidden ? g.Linear("head.fc2.inner", g.Neuron("head.lif", g.Linear("head.fc1.inner", x))) : g.Linear("head.fc.inner", x);
        return g.Build(x);
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
        using var s = lif.forward(x);
        using var p = maxPool is null ? s.alias() : maxPool.forward(s);
        using var f = stages.forward(p);
        return head.forward(f);
    }
}
