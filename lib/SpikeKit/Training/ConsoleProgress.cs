using System.Diagnostics;

namespace SpikeKit.Training;

/// <summary>
/// Progress on stderr: a single refreshing line with loss, accuracy, throughput and ETA when stderr is a terminal;
/// otherwise a line every 10 % of an epoch (log-friendly). Epoch summaries always get their own line.
/// </summary>
public sealed class ConsoleProgress(string label = "") : ITrainingProgress
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly bool _tty = !Console.IsErrorRedirected;
    int _lastDecile = -1;
    long _batchesDone;

    /// <inheritdoc />
    public void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy)
    {
        _batchesDone++;
        long total = (long)epochs * batches;
        // ETA from the average batch time so far; evaluation time is folded in after the first epoch.
        double perBatch = _clock.Elapsed.TotalSeconds / _batchesDone;
        var eta = TimeSpan.FromSeconds(perBatch * Math.Max(0, total - ((long)epoch * batches + batch + 1)));
        string line = $"{label}epoch {epoch + 1}/{epochs} batch {batch + 1}/{batches}  loss {meanLoss:F4}  acc {accuracy:P1}  {1 / perBatch:F1} batch/s  ETA {eta:hh\\:mm\\:ss}";
        if (_tty) Console.Error.Write($"\r{line,-110}");
        else
        {
            int decile = (batch + 1) * 10 / batches;
            if (decile != _lastDecile && decile % 2 == 0) { Console.Error.WriteLine(line); _lastDecile = decile; }
        }
    }

    /// <inheritdoc />
    public void OnEpoch(EpochMetrics m, int epochs)
    {
        if (_tty) Console.Error.Write('\r');
        _lastDecile = -1;
        var regs = string.Concat(m.Regularizers.Select(r => $"  {r.Name} {r.Value:F4} (λ {r.Lambda:G3})"));
        Console.Error.WriteLine(
            $"{label}epoch {m.Epoch}/{epochs}  lr {m.LearningRate:G3}  loss {m.TrainLoss:F4}{regs}  train {m.TrainAccuracy:P2}  test {m.TestAccuracy:P2}  QE {m.MeanQuantizationError:F4}  rate {m.MeanFiringRate:F3}  {m.TrainSeconds + m.EvalSeconds:F1}s".PadRight(110));
    }
}
