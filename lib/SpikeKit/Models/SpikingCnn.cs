using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// Small spiking CNN for 28×28 inputs (the kit's CPU workhorse and the benchmark reference network):
/// <code>conv 3×3 (C→32) · norm · LIF · avgpool 2 · conv 3×3 (32→64) · norm · LIF · avgpool 2 · flatten · linear (64·7·7→K)</code>
/// Channel counts scale with <see cref="ModelOptions.Width"/>. Any input size ≥ 4 works: each pooling floors odd sides (as
/// PyTorch's <c>AvgPool2d(2)</c>), so 34×34 N-MNIST frames give 17 then 8, and the linear layer takes <c>64·8·8</c>.
/// </summary>
public sealed class SpikingCnn : SpikingNetwork
{
    readonly nn.Module<Tensor, Tensor> conv1, norm1, conv2, norm2, classifier;
    readonly AveragePool pool;
    readonly SpikingNeuron lif1, lif2;

    /// <summary>Builds the network.</summary>
    public SpikingCnn(ModelOptions? options = null) : base("cnn", options ?? new ModelOptions())
    {
        var o = Options;
        int c1 = o.Scale(32), c2 = o.Scale(64), side = o.InputSize / 2 / 2;
        conv1 = Blocks.Conv3x3(o.InputChannels, c1);
        norm1 = Blocks.StemNorm(o, c1);
        lif1 = Blocks.Neuron(o, c1);
        conv2 = Blocks.TimeConv3x3(o, c1, c2);
        norm2 = Blocks.TimeNorm(o, c2);
        lif2 = Blocks.Neuron(o, c2);
        pool = Blocks.AvgPool(o);
        classifier = new TimeDistributed(nn.Sequential(nn.Flatten(), nn.Linear((long)c2 * side * side, o.Classes)));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override ModelGraph Graph()
    {
        var g = new GraphBuilder(this, Options.InputChannels, Options.InputSize, Options.InputSize);
        var x = g.Neuron("lif1", g.Conv("conv1", "norm1.norm", GraphBuilder.InputName));
        x = g.Neuron("lif2", g.Conv("conv2.inner", "norm2", g.AvgPool("pool1", 2, x)));
        return g.Build(g.Linear("classifier.inner.1", g.Flatten("flatten", g.AvgPool("pool2", 2, x))));
    }

    /// <inheritdoc />
    protected override Tensor Stem(Tensor x)
    {
        using var c = conv1.forward(x);
        return norm1.forward(c);
    }

    /// <inheritdoc />
    protected override Tensor Body(Tensor x)
    {
        using var p1 = Blocks.FireAndPool(lif1, pool, x);
        using var c2 = conv2.forward(p1);
        using var n2 = norm2.forward(c2);
        using var p2 = Blocks.FireAndPool(lif2, pool, n2);
        return classifier.forward(p2);
    }
}
