using SpikeKit.Training;

namespace SpikeKit.Reporting;

/// <summary>
/// Writes a run's per-epoch results as they happen: <c>metrics.csv</c> (a row per epoch), <c>layers.csv</c> (a row per epoch
/// and layer), <c>histograms.csv</c> (a row per epoch, layer and bin) and <c>timing.csv</c> (wall seconds per epoch; kept out of
/// <c>metrics.csv</c> so that two runs with the same seed and thread count give byte-identical metrics). Each epoch's rows are flushed at once, so a run that
/// stops early keeps every finished epoch.
/// </summary>
public sealed class RunWriter : IDisposable
{
    readonly StreamWriter _metrics, _layers, _hist, _timing;
    bool _headerWritten;

    /// <summary>The run folder.</summary>
    public string Directory { get; }

    /// <summary>Creates <paramref name="directory"/> and the CSV files (replacing old ones), then writes the epochs of
    /// <paramref name="replay"/> (a resumed run's finished epochs, from its checkpoint) as if they had just ended.</summary>
    public RunWriter(string directory, IEnumerable<EpochMetrics>? replay = null)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        _metrics = new StreamWriter(Path.Combine(directory, "metrics.csv"));
        _layers = new StreamWriter(Path.Combine(directory, "layers.csv"));
        _hist = new StreamWriter(Path.Combine(directory, "histograms.csv"));
        _timing = new StreamWriter(Path.Combine(directory, "timing.csv"));
        _timing.WriteLine("epoch,train_seconds,eval_seconds");
        _layers.WriteLine("epoch,layer_index,layer,firing_rate,quantization_error,quantization_error_sq,near_spike_share,mean_potential,count,underflow,overflow");
        _hist.WriteLine("epoch,layer_index,layer,bin,left,right,count");
        foreach (var m in replay ?? []) Append(m);
    }

    /// <summary>Appends one epoch.</summary>
    public void Append(EpochMetrics m)
    {
        if (!_headerWritten)
        {
            var regCols = m.Regularizers.SelectMany(r => new[] { $"{r.Name}_lambda", $"{r.Name}_value" });
            _metrics.WriteLine(string.Join(",", new[] { "epoch", "lr", "train_loss", "train_task_loss" }.Concat(regCols)
                .Concat(["train_acc", "test_loss", "test_acc", "mean_quantization_error", "mean_firing_rate"])));
            _headerWritten = true;
        }
        _metrics.WriteLine(Csv.Line(new object?[] { m.Epoch, m.LearningRate, m.TrainLoss, m.TrainTaskLoss }
            .Concat(m.Regularizers.SelectMany(r => new object?[] { r.Lambda, r.Value }))
            .Concat([m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.MeanQuantizationError, m.MeanFiringRate])));
        _timing.WriteLine(Csv.Line([m.Epoch, Math.Round(m.TrainSeconds, 3), Math.Round(m.EvalSeconds, 3)]));
        for (int i = 0; i < m.Layers.Count; i++)
        {
            var l = m.Layers[i];
            _layers.WriteLine(Csv.Line([m.Epoch, i, l.Layer, l.FiringRate, l.QuantizationError, l.QuantizationErrorSquared,
                l.NearSpikeShare, l.MeanPotential, l.Count, l.Underflow, l.Overflow]));
            double width = (l.HistogramMax - l.HistogramMin) / l.Histogram.Count;
            for (int b = 0; b < l.Histogram.Count; b++)
                _hist.WriteLine(Csv.Line([m.Epoch, i, l.Layer, b, l.BinLeft(b), l.BinLeft(b) + width, l.Histogram[b]]));
        }
        _metrics.Flush(); _layers.Flush(); _hist.Flush(); _timing.Flush();
    }

    /// <inheritdoc />
    public void Dispose() { _metrics.Dispose(); _layers.Dispose(); _hist.Dispose(); _timing.Dispose(); }
}
