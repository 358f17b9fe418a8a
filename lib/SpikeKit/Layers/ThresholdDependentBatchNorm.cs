using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// Threshold-dependent batch normalization (tdBN; Zheng et al., "Going deeper with directly-trained larger SNNs", AAAI 2021).
/// For input <c>[T, B, C, ...]</c> the statistics are taken per channel over time, batch and space:
/// <code>x̂ = α·V_th·(x − E[x]) / √(Var[x] + ε),   y = λ·x̂ + β</code>
/// with learnable λ (init 1) and β (init 0). With <c>α·V_th = 1</c> this is plain BN over <c>T·B</c> samples.
/// Running statistics are kept for evaluation (momentum 0.1), as in <c>BatchNorm2d</c>.
/// </summary>
public sealed class ThresholdDependentBatchNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>λ, per channel.</summary>
    public readonly Parameter weight;
    /// <summary>β, per channel.</summary>
    public readonly Parameter bias;
    readonly Tensor running_mean;
    readonly Tensor running_var;

    /// <summary>Channel count C.</summary>
    public long Channels { get; }
    /// <summary>α·V_th, the factor applied to the normalized input.</summary>
    public double Scale { get; }
    /// <summary>ε in the denominator.</summary>
    public double Eps { get; }
    /// <summary>Momentum of the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>Creates tdBN for <paramref name="channels"/> channels with scale <c>α·V_th</c>.</summary>
    public ThresholdDependentBatchNorm(long channels, double alpha = 1.0, double threshold = 0.5, double eps = 1e-5, double momentum = 0.1, string name = "tdbn")
        : base(name)
    {
        if (channels <= 0) throw new ArgumentException($"channels must be > 0, got {channels}", nameof(channels));
        Channels = channels; Scale = alpha * threshold; Eps = eps; Momentum = momentum;
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 3 || x.shape[2] != Channels)
            throw new ArgumentException($"{GetName()}: input must be [T, B, {Channels}, ...], got shape [{string.Join(", ", x.shape)}]");
        long t = x.shape[0], b = x.shape[1];
        using var folded = x.flatten(0, 1);
        // Scale 1 (plain BN) uses λ as is; otherwise the scalar is disposed here rather than left to the finalizer.
        using var scale = Scale == 1.0 ? null : Scale.ToScalar();
        using var w = scale is null ? weight.alias() : weight.mul(scale);
        using var y = nn.functional.batch_norm(folded, running_mean, running_var, w, bias, training, Momentum, Eps);
        var shape = x.shape;
        shape[0] = t; shape[1] = b;
        return y.view(shape);
    }
}
