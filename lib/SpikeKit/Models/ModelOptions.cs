using SpikeKit.Neurons;

namespace SpikeKit.Models;

/// <summary>Normalization after each convolution.</summary>
public enum NormKind
{
    /// <summary>Threshold-dependent BN (Zheng et al., AAAI 2021): statistics over T·B·H·W, scaled by α·V_th.</summary>
    TdBN,
    /// <summary>Plain BN over T·B·H·W (tdBN with α·V_th = 1), as SpikingJelly's multi-step BN.</summary>
    BN,
}

/// <summary>Which neuron model the spiking layers use.</summary>
public enum NeuronKind
{
    /// <summary>Leaky integrate-and-fire (τ from <see cref="NeuronOptions.Tau"/>).</summary>
    Lif,
    /// <summary>Integrate-and-fire (τ = 1).</summary>
    If,
}

/// <summary>
/// What every SpikeKit model takes. Defaults: T = 4, LIF with the paper's τ = 0.25 and V_th = 0.5, tdBN, 1×28×28 input, 10 classes.
/// </summary>
/// <param name="TimeSteps">T.</param>
/// <param name="Neuron">Neuron settings (τ, V_th, reset, surrogate); null = paper defaults.</param>
/// <param name="NeuronKind">LIF or IF.</param>
/// <param name="Norm">tdBN or BN.</param>
/// <param name="InputChannels">Channels of the input image.</param>
/// <param name="InputSize">Height = width of the input image.</param>
/// <param name="Classes">Number of classes K.</param>
/// <param name="Width">Width multiplier on every layer's channel count (e.g. 0.25 for a slim CPU model).</param>
/// <param name="Mpbn">Every spiking layer is an <see cref="MpbnNeuron"/>: membrane potential BN before firing (Guo et al.,
/// ICCV 2023), foldable into per-channel thresholds for inference (<see cref="MpbnNeuron.FoldAll"/>). The BN after each
/// convolution (<see cref="Norm"/>) stays.</param>
public sealed record ModelOptions(
    int TimeSteps = 4,
    NeuronOptions? Neuron = null,
    NeuronKind NeuronKind = NeuronKind.Lif,
    NormKind Norm = NormKind.TdBN,
    int InputChannels = 1,
    int InputSize = 28,
    int Classes = 10,
    double Width = 1.0,
    bool Mpbn = false)
{
    /// <summary>Neuron settings in use.</summary>
    public NeuronOptions NeuronOrDefault => Neuron ?? new NeuronOptions();

    /// <summary>Channels scaled by <see cref="Width"/>, at least 1.</summary>
    public int Scale(int channels) => Math.Max(1, (int)Math.Round(channels * Width));

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a value is out of range.</summary>
    public ModelOptions Validate()
    {
        if (TimeSteps < 1) throw new ArgumentException($"timesteps must be >= 1, got {TimeSteps}");
        if (InputChannels < 1) throw new ArgumentException($"input channels must be >= 1, got {InputChannels}");
        if (InputSize < 4) throw new ArgumentException($"input size must be >= 4, got {InputSize}");
        if (Classes < 2) throw new ArgumentException($"classes must be >= 2, got {Classes}");
        if (!(Width > 0)) throw new ArgumentException($"width must be > 0, got {Width}");
        NeuronOrDefault.Validate();
        return this;
    }
}
