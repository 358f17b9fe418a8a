using SpikeKit.Training;

namespace SpikeKit.Runs;

// The files of a run folder: their names and columns (RunFiles) and the writer that appends an epoch to them (RunWriter).

/// <summary>
/// The one place that names the files of a run folder and the columns of its CSV files; the writer below
/// (<see cref="RunWriter"/>), the checkpoint, the sweep runner and the readers of SpikeKit.Reporting all use these names.
/// </summary>
public static class RunFiles
{
    /// <summary>A row per epoch: <see cref="MetricColumns"/>.</summary>
    public const string Metrics = "metrics.csv";
    /// <summary>A row per epoch and spiking layer: <see cref="LayerColumns"/>.</summary>
    public const string Layers = "layers.csv";
    /// <summary>A row per epoch, layer and histogram bin: <see cref="HistogramColumns"/>.</summary>
    public const string Histograms = "histograms.csv";
    /// <summary>Wall seconds per epoch (kept out of metrics.csv so that equal runs give byte-identical metrics): <see cref="TimingColumns"/>.</summary>
    public const string Timing = "timing.csv";
    /// <summary>The run's outcome, written last and atomically (<see cref="RunSummary"/>).</summary>
    public const string Summary = "summary.json";
    /// <summary>The per-epoch checkpoint (<see cref="Checkpoint"/>), deleted when the run completes.</summary>
    public const string Checkpoint = "checkpoint.bin";
    /// <summary>The trained weights of a completed run, sealed with their SHA-256 (<see cref="SavedModel"/>).</summary>
    public const string Model = "model.bin";
    /// <summary>What rebuilds the network of <see cref="Model"/> (<see cref="SavedModel"/>).</summary>
    public const string ModelSpec = "model.json";
    /// <summary>Held exclusively while a process trains the run.</summary>
    public const string Lock = ".lock";

    /// <summary>The column names of the CSV files.</summary>
    public static class Column
    {
#pragma warning disable CS1591 // each constant is its column's name
        public const string Epoch = "epoch", LearningRate = "lr", TrainLoss = "train_loss", TrainTaskLoss = "train_task_loss",
            TrainAccuracy = "train_acc", TestLoss = "test_loss", TestAccuracy = "test_acc",
            MeanQuantizationError = "mean_quantization_error", MeanFiringRate = "mean_firing_rate",
            LayerIndex = "layer_index", Layer = "layer", FiringRate = "firing_rate", QuantizationError = "quantization_error",
            QuantizationErrorSquared = "quantization_error_sq", NearSpikeShare = "near_spike_share", MeanPotential = "mean_potential",
            Count = "count", Underflow = "underflow", Overflow = "overflow", Bin = "bin", Left = "left", Right = "right",
            TrainSeconds = "train_seconds", EvalSeconds = "eval_seconds",
            SynapticOps = "synaptic_ops", EnergyMicrojoules = "energy_uj", AnnEnergyMicrojoules = "ann_energy_uj";
#pragma warning restore CS1591
    }

    /// <summary>Columns of metrics.csv for an epoch with these regularizers: epoch, lr, train_loss, train_task_loss, then
    /// <c>NAME_lambda</c> and <c>NAME_value</c> per regularizer (<see cref="LambdaColumn"/>, <see cref="ValueColumn"/>), then
    /// train_acc, test_loss, test_acc, mean_quantization_error, mean_firing_rate, and the energy estimate per test sample
    /// (<see cref="Probes.SynapticOperations"/>): synaptic_ops, energy_uj, ann_energy_uj (empty for a network without a layer graph).</summary>
    public static IReadOnlyList<string> MetricColumns(IEnumerable<RegularizerValue> regularizers) =>
        [Column.Epoch, Column.LearningRate, Column.TrainLoss, Column.TrainTaskLoss,
         .. regularizers.SelectMany(r => new[] { LambdaColumn(r.Name), ValueColumn(r.Name) }),
         Column.TrainAccuracy, Column.TestLoss, Column.TestAccuracy, Column.MeanQuantizationError, Column.MeanFiringRate,
         Column.SynapticOps, Column.EnergyMicrojoules, Column.AnnEnergyMicrojoules];

    /// <summary>The metrics.csv column of a regularizer's weight λ at each epoch (e.g. <c>rmp_lambda</c>).</summary>
    public static string LambdaColumn(string regularizer) => $"{regularizer}_lambda";

    /// <summary>The metrics.csv column of a regularizer's mean unweighted value (e.g. <c>rmp_value</c>).</summary>
    public static string ValueColumn(string regularizer) => $"{regularizer}_value";

    /// <summary>Columns of layers.csv.</summary>
    public static IReadOnlyList<string> LayerColumns { get; } =
        [Column.Epoch, Column.LayerIndex, Column.Layer, Column.FiringRate, Column.QuantizationError, Column.QuantizationErrorSquared,
         Column.NearSpikeShare, Column.MeanPotential, Column.Count, Column.Underflow, Column.Overflow, Column.SynapticOps];

    /// <summary>Columns of histograms.csv.</summary>
    public static IReadOnlyList<string> HistogramColumns { get; } =
        [Column.Epoch, Column.LayerIndex, Column.Layer, Column.Bin, Column.Left, Column.Right, Column.Count];

    /// <summary>Columns of timing.csv.</summary>
    public static IReadOnlyList<string> TimingColumns { get; } = [Column.Epoch, Column.TrainSeconds, Column.EvalSeconds];

    /// <summary>True when <paramref name="directory"/> holds a run (its metrics or its summary).</summary>
    public static bool IsRunFolder(string directory) =>
        File.Exists(Path.Combine(directory, Metrics)) || File.Exists(Path.Combine(directory, Summary));
}

/// <summary>
/// Writes a run's per-epoch results as they happen (names and columns: <see cref="RunFiles"/>): <c>metrics.csv</c> (a row per
/// epoch), <c>layers.csv</c> (a row per epoch and layer), <c>histograms.csv</c> (a row per epoch, layer and bin) and
/// <c>timing.csv</c> (wall seconds per epoch; kept out of <c>metrics.csv</c> so that two runs with the same seed and thread count
/// give byte-identical metrics). Each epoch's rows go to disk at once, so a run that stops early keeps every finished epoch; when
/// a write fails (a full disk), every file is cut back to the end of the last whole epoch, so no file ends mid-row, and the
/// error names the file that failed.
/// </summary>
public sealed class RunWriter : IDisposable
{
    readonly (string Path, Stream Stream)[] _files;
    bool _headerWritten;

    /// <summary>The run folder.</summary>
    public string Directory { get; }

    /// <summary>Creates <paramref name="directory"/> and the CSV files (replacing old ones), then writes the epochs of
    /// <paramref name="replay"/> (a resumed run's finished epochs, from its checkpoint) as if they had just ended.</summary>
    /// <exception cref="IOException">Naming the file that could not be written.</exception>
    public RunWriter(string directory, IEnumerable<EpochMetrics>? replay = null)
        : this(directory, replay, path => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1))
    {
    }

    /// <summary>As the public constructor, with the streams opened by <paramref name="open"/> (tests inject failing ones).</summary>
    internal RunWriter(string directory, IEnumerable<EpochMetrics>? replay, Func<string, Stream> open)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        var names = new[] { RunFiles.Metrics, RunFiles.Layers, RunFiles.Histograms, RunFiles.Timing };
        _files = new (string, Stream)[names.Length];
        try
        {
            for (int i = 0; i < names.Length; i++)
            {
                var path = Path.Combine(directory, names[i]);
                try { _files[i] = (path, open(path)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw AtomicFile.Naming(e, path); }
            }
            Write(new string?[]
            {
                null, // metrics.csv: its header names the regularizers, written with the first epoch
                string.Join(",", RunFiles.LayerColumns) + "\n",
                string.Join(",", RunFiles.HistogramColumns) + "\n",
                string.Join(",", RunFiles.TimingColumns) + "\n",
            });
            foreach (var m in replay ?? []) Append(m);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Appends one epoch to every file.</summary>
    /// <exception cref="IOException">Naming the file that could not be written; every file then ends after the previous epoch.</exception>
    public void Append(EpochMetrics m)
    {
        var metrics = new System.Text.StringBuilder();
        if (!_headerWritten) metrics.Append(string.Join(",", RunFiles.MetricColumns(m.Regularizers))).Append('\n');
        metrics.Append(Csv.Line(new object?[] { m.Epoch, m.LearningRate, m.TrainLoss, m.TrainTaskLoss }
            .Concat(m.Regularizers.SelectMany(r => new object?[] { r.Lambda, r.Value }))
            .Concat([m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.MeanQuantizationError, m.MeanFiringRate,
                     m.Energy?.SynapticOps, m.Energy?.EnergyMicrojoules, m.Energy?.AnnEnergyMicrojoules]))).Append('\n');
        var layers = new System.Text.StringBuilder();
        var hist = new System.Text.StringBuilder();
        for (int i = 0; i < m.Layers.Count; i++)
        {
            var l = m.Layers[i];
            layers.Append(Csv.Line([m.Epoch, i, l.Layer, l.FiringRate, l.QuantizationError, l.QuantizationErrorSquared,
                l.NearSpikeShare, l.MeanPotential, l.Count, l.Underflow, l.Overflow,
                m.Energy?.Layers.FirstOrDefault(o => o.Layer == l.Layer)?.SynapticOps])).Append('\n');
            double width = (l.HistogramMax - l.HistogramMin) / l.Histogram.Count;
            for (int b = 0; b < l.Histogram.Count; b++)
                hist.Append(Csv.Line([m.Epoch, i, l.Layer, b, l.BinLeft(b), l.BinLeft(b) + width, l.Histogram[b]])).Append('\n');
        }
        var timing = Csv.Line([m.Epoch, Math.Round(m.TrainSeconds, 3), Math.Round(m.EvalSeconds, 3)]) + "\n";
        Write([metrics.ToString(), layers.ToString(), hist.ToString(), timing]);
        _headerWritten = true;
    }

    /// <summary>Writes one piece per file (null: nothing); on a failure cuts every file back to where this call began.</summary>
    void Write(IReadOnlyList<string?> pieces)
    {
        var starts = _files.Select(f => f.Stream.CanSeek ? f.Stream.Position : -1).ToArray();
        for (int i = 0; i < _files.Length; i++)
        {
            if (pieces[i] is not { Length: > 0 } text) continue;
            try
            {
                _files[i].Stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
                _files[i].Stream.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                for (int j = 0; j <= i; j++)
                {
                    if (starts[j] < 0) continue;
                    try { _files[j].Stream.SetLength(starts[j]); _files[j].Stream.Position = starts[j]; }
                    catch (Exception cut) when (cut is IOException or NotSupportedException) { }
                }
                throw AtomicFile.Naming(e, _files[i].Path);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, stream) in _files)
        {
            try { stream?.Dispose(); }
            catch (IOException) { } // a failed write was already reported and cut back
        }
    }
}
