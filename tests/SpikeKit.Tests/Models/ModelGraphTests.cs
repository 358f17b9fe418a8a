using SpikeKit.Models;
using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Models;

/// <summary>Every model's <see cref="ModelGraph"/> computes what its forward computes: the graph is run node by node here and
/// compared with the model's own forward pass (eval mode, trained batch statistics).</summary>
public class ModelGraphTests
{
    public static IEnumerable<object[]> Models() => ModelZoo.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Models))]
    public void TheGraphComputesTheForwardPass(string name)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(3);
        var (channels, size) = name == "cnn" ? (1, 28) : (3, 32);
        using var model = ModelZoo.Create(name, new ModelOptions(TimeSteps: 3, InputChannels: channels, InputSize: size, Classes: 7, Width: 0.125));
        using (no_grad()) for (int i = 0; i < 3; i++) model.forward(randn(4, channels, size, size).mul(2)); // running statistics away from 0 and 1
        model.eval();
        var x = randn(2, channels, size, size).mul(2);
        using var _ = no_grad();
        var expected = model.forward(x);
        var actual = Run(model.Graph(), x, model.TimeSteps);
        Assert.Equal(expected.shape, actual.shape);
        double diff = expected.sub(actual).abs().max().item<float>();
        Assert.True(diff <= 1e-5, $"{name}: graph and forward differ by {diff:E2}");
        Assert.Equal(model.Neurons.Select(n => n.Name), model.Graph().Nodes.Where(n => n.Op == GraphOp.Neuron).Select(n => n.Name));
    }

    [Fact]
    public void ShapesAndFanOutsOfTheReferenceCnn()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var model = new SpikingCnn(new ModelOptions(InputChannels: 1, InputSize: 28));
        var g = model.Graph();
        Assert.Equal(new long[] { 32, 28, 28 }, g["conv1"].Shape);
        Assert.Equal(new long[] { 64, 14, 14 }, g["conv2.inner"].Shape);
        Assert.Equal(new long[] { 64 * 7 * 7 }, g["flatten"].Shape);
        Assert.Equal(64 * 9, g["conv2.inner"].FanOut);
        Assert.Equal(28.0 * 28 * 32 * 9, g["conv1"].DenseMacs);
        Assert.Equal(new[] { "conv2.inner" }, g.SynapticTargets("lif1").Select(n => n.Name));
        Assert.Equal(new[] { "classifier.inner.1" }, g.SynapticTargets("lif2").Select(n => n.Name));
    }

    [Fact]
    public void AResidualBlockFeedsItsSuccessorAndTheShortcut()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var model = SpikingResNet.ResNet20(new ModelOptions(InputChannels: 3, InputSize: 32, Width: 0.25));
        var g = model.Graph();
        // Identity shortcut: the spikes enter the next block's conv1 and, through the add, its lif2.
        Assert.Equal(new[] { "stages.stage1_1.conv1.inner", "stages.stage1_1.lif2" },
            g.SynapticTargets("stages.stage1_0.lif2").Select(n => n.Name).OrderBy(n => n, StringComparer.Ordinal));
        // Downsampling block: conv1 (3×3, stride 2) and the 1×1 stride-2 shortcut.
        var targets = g.SynapticTargets("stages.stage1_2.lif2").ToDictionary(n => n.Name);
        Assert.Equal(8 * 9 / 4.0, targets["stages.stage2_0.conv1.inner"].FanOut);
        Assert.Equal(8 / 4.0, targets["stages.stage2_0.shortcut.conv.inner"].FanOut);
        Assert.Equal(new long[] { 8, 16, 16 }, g["stages.stage2_0.shortcut.conv.inner"].Shape);
    }

    /// <summary>Runs a graph on a static batch <c>[B, C, H, W]</c> repeated over T, node by node.</summary>
    internal static Tensor Run(ModelGraph graph, Tensor x, int timeSteps)
    {
        var values = new Dictionary<string, Tensor>();
        foreach (var n in graph.Nodes)
        {
            var inputs = n.Inputs.Select(i => values[i]).ToList();
            values[n.Name] = n.Op switch
            {
                GraphOp.Input => x.unsqueeze(0).expand([timeSteps, .. x.shape]),
                GraphOp.Conv => Norm(n, PerStep(inputs[0], f => ((TorchSharp.Modules.Conv2d)n.Module!).forward(f))),
                GraphOp.Linear => PerStep(inputs[0], f => ((TorchSharp.Modules.Linear)n.Module!).forward(f)),
                GraphOp.Neuron => ((SpikingNeuron)n.Module!).forward(inputs.Skip(1).Aggregate(inputs[0], (a, b) => a.add(b))),
                GraphOp.AvgPool => PerStep(inputs[0], f => nn.functional.avg_pool2d(f, n.Kernel, n.Stride)),
                GraphOp.MaxPool => PerStep(inputs[0], f => nn.functional.max_pool2d(f, n.Kernel, n.Stride, n.Padding)),
                GraphOp.GlobalAvgPool => PerStep(inputs[0], f => nn.functional.adaptive_avg_pool2d(f, 1)),
                GraphOp.Flatten => inputs[0].flatten(2),
                _ => throw new NotSupportedException(n.Op.ToString()),
            };
        }
        return values[graph.Output];
    }

    static Tensor Norm(GraphNode n, Tensor y) => n.Norm is null ? y : n.Norm.forward(y);

    static Tensor PerStep(Tensor x, Func<Tensor, Tensor> f)
    {
        var y = f(x.flatten(0, 1));
        return y.view([x.shape[0], x.shape[1], .. y.shape.Skip(1)]);
    }
}
