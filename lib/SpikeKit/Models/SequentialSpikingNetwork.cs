using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// A spiking network assembled from primitives in order: every module takes and returns <c>[T, B, ...]</c>
/// (wrap stateless layers such as convolutions and pooling in <see cref="Layers.TimeDistributed"/>; use
/// <see cref="Layers.ThresholdDependentBatchNorm"/> and a <see cref="Neurons.SpikingNeuron"/> as they are). The static image
/// is repeated over <see cref="SpikingNetwork.TimeSteps"/> (direct encoding) and the last module must return <c>[T, B, K]</c>.
/// </summary>
/// <example><code>
/// var model = new SequentialSpikingNetwork("tiny", 4,
///     ("conv1", new TimeDistributed(nn.Conv2d(1, 8, 3, padding: 1, bias: false))),
///     ("norm1", new ThresholdDependentBatchNorm(8, threshold: 0.5)),
///     ("lif1", new LifNeuron()),
///     ("pool1", new TimeDistributed(nn.AvgPool2d(2))),
///     ("fc", new TimeDistributed(nn.Sequential(nn.Flatten(), nn.Linear(8 * 14 * 14, 10)))));
/// </code></example>
public sealed class SequentialSpikingNetwork : SpikingNetwork
{
    readonly nn.Module<Tensor, Tensor> body;

    /// <summary>Builds the network from named modules applied in order.</summary>
    public SequentialSpikingNetwork(string name, int timeSteps, params (string Name, nn.Module<Tensor, Tensor> Module)[] modules)
        : base(name, new ModelOptions(TimeSteps: timeSteps))
    {
        if (modules.Length == 0) throw new ArgumentException("at least one module is needed", nameof(modules));
        body = nn.Sequential(modules);
        RegisterComponents();
    }

    /// <summary>Not available: the layers of a hand-assembled network are not described (NIR export and synaptic-operation
    /// counts need a zoo model).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override ModelGraph Graph() =>
        throw new NotSupportedException($"{GetName()}: a SequentialSpikingNetwork has no layer graph (export and energy estimates need a model of the zoo)");

    /// <inheritdoc />
    protected override Tensor Stem(Tensor x) => x.alias();

    /// <inheritdoc />
    protected override Tensor Body(Tensor x) => body.forward(x);
}
