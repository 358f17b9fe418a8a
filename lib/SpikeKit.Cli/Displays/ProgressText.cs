using System.Globalization;
using SpikeKit.Training;

namespace SpikeKit.Cli.Displays;

/// <summary>The text every display shares: durations, percentages, the batch line and the epoch line (invariant culture).</summary>
static class ProgressText
{
    /// <summary><c>hh:mm:ss</c> with hours past 24 (a TimeSpan's <c>hh</c> wraps at a day); <c>--:--:--</c> when unknown.</summary>
    public static string Duration(TimeSpan? t)
    {
        if (t is not { } d || d < TimeSpan.Zero || double.IsNaN(d.TotalSeconds)) return "--:--:--";
        long s = (long)Math.Round(d.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{s / 3600:00}:{s / 60 % 60:00}:{s % 60:00}");
    }

    /// <summary>A fraction as a percentage without the invariant culture's space: <c>91.2%</c>.</summary>
    public static string Percent(double fraction, int decimals = 1) =>
        (100 * fraction).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

    /// <summary>Remaining time from the mean time per unit so far: <paramref name="elapsed"/> / <paramref name="done"/> ×
    /// <paramref name="remaining"/>; null before the first unit.</summary>
    public static TimeSpan? Eta(TimeSpan elapsed, long done, long remaining) =>
        done <= 0 ? null : TimeSpan.FromSeconds(elapsed.TotalSeconds / done * Math.Max(0, remaining));

    /// <summary><c>epoch 2/10 batch 94/469  loss 0.4123  acc 85.1%  12.3 batch/s  ETA 00:04:10</c> (1-based numbers).</summary>
    public static string BatchLine(in BatchState s) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {s.Epoch + 1}/{s.Epochs} batch {s.Batch + 1}/{s.Batches}  loss {s.Loss:F4}  acc {Percent(s.Accuracy)}  {Rate(s)}  ETA {Duration(s.Eta)}");

    /// <summary><c>12.3 batch/s</c> (mean over this session's batches, evaluation included).</summary>
    public static string Rate(in BatchState s) => s.BatchesPerSecond is { } r
        ? string.Create(CultureInfo.InvariantCulture, $"{r:F1} batch/s")
        : "- batch/s";

    /// <summary>The persistent line after an epoch: epoch, lr, loss, every regularizer's value and λ, train/test accuracy,
    /// mean quantization error and firing rate, and the epoch's seconds (train + eval).</summary>
    public static string EpochLine(EpochMetrics m, int epochs)
    {
        var regs = string.Concat(m.Regularizers.Select(r => string.Create(CultureInfo.InvariantCulture, $"  {r.Name} {r.Value:F4} (λ {r.Lambda:G3})")));
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{epochs}  lr {m.LearningRate:G3}  loss {m.TrainLoss:F4}{regs}  train {Percent(m.TrainAccuracy, 2)}  test {Percent(m.TestAccuracy, 2)}  QE {m.MeanQuantizationError:F4}  rate {m.MeanFiringRate:F3}  {m.TrainSeconds + m.EvalSeconds:F1}s");
    }
}

/// <summary>Where a run stands after its latest batch (0-based epoch and batch), with the ETA and throughput of this session.</summary>
readonly record struct BatchState(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, TimeSpan Elapsed, long BatchesThisSession)
{
    /// <summary>Batches of all epochs.</summary>
    public long Total => (long)Epochs * Batches;

    /// <summary>Batches done over all epochs (a resumed run starts past 0).</summary>
    public long Done => (long)Epoch * Batches + Batch + 1;

    /// <summary>Fraction of all batches done.</summary>
    public double Fraction => Total == 0 ? 0 : (double)Done / Total;

    /// <summary>Time left at this session's mean time per batch (evaluation time is folded in after the first epoch).</summary>
    public TimeSpan? Eta => ProgressText.Eta(Elapsed, BatchesThisSession, Total - Done);

    /// <summary>This session's mean batches per second.</summary>
    public double? BatchesPerSecond => Elapsed > TimeSpan.Zero && BatchesThisSession > 0 ? BatchesThisSession / Elapsed.TotalSeconds : null;
}

/// <summary>Turns <see cref="ITrainingProgress.OnBatch"/> calls into <see cref="BatchState"/>s against a clock that starts
/// when the tracker is made (create it right before training starts).</summary>
sealed class BatchTracker(TimeProvider clock)
{
    readonly long _start = clock.GetTimestamp();
    long _batches;

    public BatchState Next(int epoch, int epochs, int batch, int batches, double loss, double accuracy) =>
        new(epoch, epochs, batch, batches, loss, accuracy, clock.GetElapsedTime(_start), ++_batches);

    /// <summary>Time since the tracker was made.</summary>
    public TimeSpan Elapsed => clock.GetElapsedTime(_start);
}
