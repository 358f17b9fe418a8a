using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>Building blocks shared by the models.</summary>
public static class Blocks
{
    /// <summary>A spiking neuron of the kind and settings in <paramref name="o"/> for a layer of <paramref name="channels"/>
    /// channels (dimension 2 of <c>[T, B, C, ...]</c>; used by MPBN's per-channel BN when <see cref="ModelOptions.Mpbn"/>).</summary>
    public static SpikingNeuron Neuron(ModelOptions o, long channels, string name = "lif")
    {
        if (o.Mpbn)
        {
            var n = o.NeuronKind == NeuronKind.If ? o.NeuronOrDefault with { Tau = 1.0 } : o.NeuronOrDefault;
            return new MpbnNeuron(channels, n, name: name);
        }
        return o.NeuronKind == NeuronKind.If ? new IfNeuron(o.NeuronOrDefault, name) : new LifNeuron(o.NeuronOrDefault, name);
    }

    /// <summary>Normalization over <c>[T, B, C, ...]</c>: tdBN or BN (tdBN with α·V_th = 1).</summary>
    public static nn.Module<Tensor, Tensor> TimeNorm(ModelOptions o, long channels) =>
        new ThresholdDependentBatchNorm(channels, alpha: 1.0, threshold: o.Norm == NormKind.TdBN ? o.NeuronOrDefault.Threshold : 1.0) { Fused = o.NeuronOrDefault.Fused };

    /// <summary>BatchNorm2d for the static stem <c>[B, C, H, W]</c>, scaled like <see cref="TimeNorm"/>.</summary>
    public static nn.Module<Tensor, Tensor> StemNorm(ModelOptions o, long channels) =>
        new StaticNorm(new ThresholdDependentBatchNorm(channels, alpha: 1.0, threshold: o.Norm == NormKind.TdBN ? o.NeuronOrDefault.Threshold : 1.0) { Fused = o.NeuronOrDefault.Fused });

    /// <summary>3×3 convolution without bias (followed by a norm).</summary>
    public static nn.Module<Tensor, Tensor> Conv3x3(long inC, long outC, long stride = 1) =>
        nn.Conv2d(inC, outC, 3, stride: stride, padding: 1, bias: false);

    /// <summary>A 3×3 convolution on <c>[T, B, C, H, W]</c> (time folded into the batch), with the fused input gradient
    /// unless the options ask for the reference kernels (<see cref="NeuronOptions.Fused"/> false).</summary>
    public static TimeDistributed TimeConv3x3(ModelOptions o, long inC, long outC, long stride = 1) =>
        new(Conv3x3(inC, outC, stride)) { Fused = o.NeuronOrDefault.Fused };

    /// <summary>k×k average pooling (stride k), fused unless the options ask for the reference kernels.</summary>
    public static AveragePool AvgPool(ModelOptions o, int kernel = 2) => new(kernel, o.NeuronOrDefault.Fused);

    /// <summary><paramref name="pool"/>(<paramref name="neuron"/>(<paramref name="x"/>)): one fused node when both run fused
    /// kernels and the neuron records no activity (training without a potential-based regularizer, inference without probes;
    /// the spikes are then never stored), else the two layers one after the other. Same values and gradients either way.</summary>
    public static Tensor FireAndPool(SpikingNeuron neuron, AveragePool pool, Tensor x)
    {
        if (pool.Fused && neuron is LifNeuron lif && lif.ForwardPooled(x, pool.Kernel) is { } pooled) return pooled;
        using var spikes = neuron.forward(x);
        return pool.forward(spikes);
    }

    /// <summary>
    /// <c>neuron(norm(x))</c>, or <c>neuron(norm(x) + residual)</c>. In evaluation without gradient, with tdBN's evaluation
    /// kernel and a fused LIF, the norm's affine map and the add run inside the LIF loop (<c>LifNeuron.ForwardAffine</c>):
    /// the same spikes without writing the normalized and summed tensors. Otherwise the modules one after the other.
    /// </summary>
    public static Tensor NormAndFire(nn.Module<Tensor, Tensor> norm, SpikingNeuron neuron, Tensor x, Tensor? residual = null)
    {
        if (!is_grad_enabled() && neuron is LifNeuron { RecordActivity: false } lif && norm is ThresholdDependentBatchNorm bn && bn.EvaluationAffine(x) is { } affine
            && lif.ForwardAffine(x, affine, residual) is { } spikes)
            return spikes;
        using var n = norm.forward(x);
        if (residual is null) return neuron.forward(n);
        using var sum = n.add(residual);
        return neuron.forward(sum);
    }

    /// <summary>Applies a time-norm module to a static <c>[B, ...]</c> tensor by treating it as T = 1.</summary>
    sealed class StaticNorm : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> norm;
        public StaticNorm(nn.Module<Tensor, Tensor> inner) : base("norm") { norm = inner; RegisterComponents(); }
        public override Tensor forward(Tensor x)
        {
            using var t = x.unsqueeze(0);
            using var y = norm.forward(t);
            return y.squeeze(0);
        }
    }
}
