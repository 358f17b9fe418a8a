using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>
/// Temporal efficient training loss (Deng et al., "Temporal Efficient Training of SNNs via Gradient Re-weighting", ICLR 2022):
/// <code>L = (1 − λ)·(1/T)·Σ_t CE(O_t, y) + λ·MSE(O, φ)</code>
/// where the MSE runs over all of <c>O</c> (<c>[T, B, K]</c>) against the constant φ. Defaults λ = 0.05, φ = 1 (CIFAR).
/// </summary>
/// <param name="Lambda">λ, the weight of the MSE regularizer.</param>
/// <param name="Phi">φ, the constant target of the MSE term.</param>
public sealed record TetLoss(double Lambda = 0.05, double Phi = 1.0) : ITaskLoss
{
    /// <inheritdoc />
    public string Name => "tet";

    /// <inheritdoc />
    public Tensor Compute(Tensor outputs, Tensor targets)
    {
        long t = outputs.shape[0], b = outputs.shape[1];
        using var flat = outputs.flatten(0, 1);
        using var rep = targets.unsqueeze(0).expand(t, b).reshape(t * b);
        // mean over (t, b) of CE(O_t[b], y[b]) equals (1/T) Σ_t CE(O_t, y) since each CE averages over b.
        using var ce = nn.functional.cross_entropy(flat, rep);
        using var mse = outputs.sub(Phi).pow_(2).mean();
        using var a = ce.mul(1 - Lambda);
        using var m = mse.mul(Lambda);
        return a.add(m);
    }
}
