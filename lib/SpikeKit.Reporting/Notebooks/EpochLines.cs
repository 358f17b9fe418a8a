using System.Globalization;
using SpikeKit.Training;

namespace SpikeKit.Reporting.Notebooks;

/// <summary>Training progress for notebooks and logs: one line per epoch on standard output (no per-batch output).</summary>
/// <param name="label">Prefix of each line (e.g. the variant).</param>
public sealed class EpochLines(string label = "") : ITrainingProgress
{
    /// <inheritdoc />
    public void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy) { }

    /// <inheritdoc />
    public void OnEpoch(EpochMetrics m, int epochs) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}epoch {m.Epoch}/{epochs}: loss {m.TrainLoss:F4}, train {100 * m.TrainAccuracy:F2}%, test {100 * m.TestAccuracy:F2}%, " +
            $"QE {m.MeanQuantizationError:F4}, firing rate {m.MeanFiringRate:F3}, {m.TrainSeconds + m.EvalSeconds:F1} s"));
}
