using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>
/// Cross-entropy on the time-averaged output: <c>L = CE((1/T)·Σ_t O_t, y)</c>, the standard loss of directly trained
/// SNNs with direct encoding (Wu et al. 2019; Zheng et al. 2021; Guo et al. 2023).
/// </summary>
public sealed record MeanOutputCrossEntropy : ITaskLoss
{
    /// <inheritdoc />
    public string Name => "ce";

    /// <inheritdoc />
    public Tensor Compute(Tensor outputs, Tensor targets)
    {
        using var mean = outputs.mean([0]);
        return nn.functional.cross_entropy(mean, targets);
    }
}
