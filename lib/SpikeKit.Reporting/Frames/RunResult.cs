using System.Globalization;
using System.Text.RegularExpressions;
using Deedle;
using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;
using Col = SpikeKit.Runs.RunFiles.Column;

namespace SpikeKit.Reporting.Frames;

/// <summary>One row of a run's <c>layers.csv</c>: a spiking layer's test-set statistics after one epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="LayerIndex">0-based position of the layer in the network.</param>
/// <param name="Layer">Module path of the layer.</param>
/// <param name="FiringRate">Mean spike rate.</param>
/// <param name="QuantizationError">Mean |clip(u,0,1) − o|.</param>
/// <param name="QuantizationErrorSquared">Mean of its square.</param>
/// <param name="NearSpikeShare">Share of potentials within 0.1 of 0 or 1.</param>
/// <param name="MeanPotential">Mean pre-firing potential.</param>
/// <param name="Count">Potentials seen.</param>
/// <param name="Underflow">Potentials below the histogram range.</param>
/// <param name="Overflow">Potentials above the histogram range.</param>
/// <param name="SynapticOps">Synaptic operations its spikes cause per test sample (NaN in runs written before SpikeKit counted them,
/// or for a network without a layer graph).</param>
public sealed record LayerRow(int Epoch, int LayerIndex, string Layer, double FiringRate, double QuantizationError,
    double QuantizationErrorSquared, double NearSpikeShare, double MeanPotential, long Count, long Underflow, long Overflow,
    double SynapticOps = double.NaN);

/// <summary>One row of a run's <c>histograms.csv</c>: one bin of a layer's membrane-potential histogram after one epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="LayerIndex">0-based position of the layer.</param>
/// <param name="Layer">Module path of the layer.</param>
/// <param name="Bin">0-based bin.</param>
/// <param name="Left">Left edge.</param>
/// <param name="Right">Right edge.</param>
/// <param name="Count">Potentials in the bin.</param>
public sealed record HistogramRow(int Epoch, int LayerIndex, string Layer, int Bin, double Left, double Right, long Count);

/// <summary>
/// One run folder as written by <see cref="RunExecutor"/> (<c>metrics.csv</c>, <c>layers.csv</c>,
/// <c>histograms.csv</c>, <c>timing.csv</c>, <c>summary.json</c>), parsed. Missing files give empty tables; the files of a finished run (one with a summary) must be whole, while those
/// of a run still being written may end in one row cut short; a run still
/// in progress has no summary.
/// </summary>
public sealed partial class RunResult
{
    RunResult(string directory, string variant, long seed, RunSummary? summary,
        IReadOnlyList<IReadOnlyDictionary<string, double>> metrics, IReadOnlyList<string> metricColumns,
        IReadOnlyList<LayerRow> layers, IReadOnlyList<HistogramRow> histograms, IReadOnlyList<(int Epoch, double Train, double Eval)> timing)
    {
        Directory = directory; Variant = variant; Seed = seed; Summary = summary;
        MetricRows = metrics; MetricColumns = metricColumns; LayerRows = layers; HistogramRows = histograms; TimingRows = timing;
    }

    /// <summary>The run folder.</summary>
    public string Directory { get; }

    /// <summary>The arm this run belongs to: the loss variant in an ablation (its folder name), the arm name in a sweep.</summary>
    public string Variant { get; }

    /// <summary>The run's seed.</summary>
    public long Seed { get; }

    /// <summary>Its <c>summary.json</c>, or null while the run has none.</summary>
    public RunSummary? Summary { get; }

    /// <summary>The run's configuration, when it has a summary.</summary>
    public RunConfig? Config => Summary?.Config;

    /// <summary>The summary's status in lower case (<c>completed</c>, <c>failed</c>), or <c>running</c> while the run has no summary.</summary>
    public string StatusText => Summary?.Status.ToString().ToLowerInvariant() ?? "running";

    /// <summary>True when the summary says <c>completed</c>.</summary>
    public bool Completed => Summary?.IsCompleted == true;

    /// <summary>Rows of <c>metrics.csv</c>, column name to value (epoch included).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> MetricRows { get; }

    /// <summary>Columns of <c>metrics.csv</c> in file order.</summary>
    public IReadOnlyList<string> MetricColumns { get; }

    /// <summary>Rows of <c>layers.csv</c>.</summary>
    public IReadOnlyList<LayerRow> LayerRows { get; }

    /// <summary>Rows of <c>histograms.csv</c>.</summary>
    public IReadOnlyList<HistogramRow> HistogramRows { get; }

    /// <summary>Rows of <c>timing.csv</c>.</summary>
    public IReadOnlyList<(int Epoch, double Train, double Eval)> TimingRows { get; }

    /// <summary>The last epoch with metrics (0 when none).</summary>
    public int LastEpoch => MetricRows.Count == 0 ? 0 : MetricRows.Max(r => (int)r[Col.Epoch]);

    /// <summary>Reads a run folder.</summary>
    /// <param name="directory">Folder with the run's files.</param>
    /// <param name="variant">The arm label; null takes the config's variant, else the folder name.</param>
    /// <param name="seed">The seed when the run has no summary yet (a sweep's plan knows it); null: from a <c>seed&lt;s&gt;</c>
    /// folder name, else 0.</param>
    /// <exception cref="DirectoryNotFoundException">When the folder does not exist.</exception>
    /// <exception cref="InvalidDataException">When a file is malformed (the message names it and the line).</exception>
    public static RunResult Load(string directory, string? variant = null, long? seed = null)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such run folder");
        var summaryPath = Path.Combine(directory, RunFiles.Summary);
        var summary = File.Exists(summaryPath) ? RunSummary.Load(summaryPath) : null;
        long runSeed = summary?.Config.Seed ?? seed ?? (SeedFolder().Match(Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))) is { Success: true } m
            ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
        variant ??= summary?.Config.Variant ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));

        bool finished = summary is not null;
        var (metricColumns, metricRows) = ReadNumeric(Path.Combine(directory, RunFiles.Metrics), finished);
        var metrics = metricRows.Select(r => (IReadOnlyDictionary<string, double>)metricColumns.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();

        var layers = ReadRows(Path.Combine(directory, RunFiles.Layers), finished, (f, c) => new LayerRow(
            Int(f, c, Col.Epoch), Int(f, c, Col.LayerIndex), f[c[Col.Layer]], Num(f, c, Col.FiringRate), Num(f, c, Col.QuantizationError),
            Num(f, c, Col.QuantizationErrorSquared), Num(f, c, Col.NearSpikeShare), Num(f, c, Col.MeanPotential),
            (long)Num(f, c, Col.Count), (long)Num(f, c, Col.Underflow), (long)Num(f, c, Col.Overflow),
            c.ContainsKey(Col.SynapticOps) ? Num(f, c, Col.SynapticOps) : double.NaN));
        var hist = ReadRows(Path.Combine(directory, RunFiles.Histograms), finished, (f, c) => new HistogramRow(
            Int(f, c, Col.Epoch), Int(f, c, Col.LayerIndex), f[c[Col.Layer]], Int(f, c, Col.Bin), Num(f, c, Col.Left), Num(f, c, Col.Right), (long)Num(f, c, Col.Count)));
        var timing = ReadRows(Path.Combine(directory, RunFiles.Timing), finished, (f, c) => (Int(f, c, Col.Epoch), Num(f, c, Col.TrainSeconds), Num(f, c, Col.EvalSeconds)));
        return new RunResult(Path.GetFullPath(directory), variant, runSeed, summary, metrics, metricColumns, layers, hist, timing);
    }

    [GeneratedRegex(@"^seed(-?\d+)$")]
    private static partial Regex SeedFolder();

    static int Int(string[] f, Dictionary<string, int> c, string name) => (int)Num(f, c, name);

    static double Num(string[] f, Dictionary<string, int> c, string name)
    {
        if (!c.TryGetValue(name, out int i)) throw new FormatException($"no column '{name}'");
        return Parse(f[i]);
    }

    static double Parse(string s) =>
        s.Length == 0 ? double.NaN
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
        : throw new FormatException($"'{s}' is not a number");

    /// <summary>
    /// The header and rows of a CSV file of a run. A file of a finished run (one with a summary) must be whole: a header, and
    /// every row with as many fields as the header. A run still being written may end in one row cut short (it is skipped).
    /// A missing file gives no rows.
    /// </summary>
    /// <exception cref="InvalidDataException">Naming the file (and line) that breaks these rules.</exception>
    static (List<string> Columns, List<(int Line, string[] Fields)> Rows) ReadCsv(string path, bool finished)
    {
        var rows = new List<(int, string[])>();
        if (!File.Exists(path)) return ([], rows);
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        int count = lines.Length - (text.EndsWith('\n') ? 1 : 0);
        if (count == 0 || lines[0].Length == 0)
        {
            if (finished) throw new InvalidDataException($"{path}: empty (no header line) in a finished run");
            return ([], rows);
        }
        var cols = Csv.Split(lines[0]).ToList();
        for (int i = 1; i < count; i++)
        {
            if (lines[i].Length == 0) continue;
            var fields = Csv.Split(lines[i]);
            if (fields.Length != cols.Count)
            {
                bool cutShort = i == count - 1 && !text.EndsWith('\n') && fields.Length < cols.Count;
                if (cutShort && !finished) continue; // the row a running run is writing
                throw new InvalidDataException($"{path}:{i + 1}: {fields.Length} fields, expected {cols.Count}" +
                                               (cutShort ? " (cut short in a finished run)" : ""));
            }
            rows.Add((i + 1, fields));
        }
        return (cols, rows);
    }

    static List<T> ReadRows<T>(string path, bool finished, Func<string[], Dictionary<string, int>, T> row)
    {
        var (columns, rows) = ReadCsv(path, finished);
        var cols = columns.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var list = new List<T>(rows.Count);
        foreach (var (line, fields) in rows)
        {
            try { list.Add(row(fields, cols)); }
            catch (FormatException e) { throw new InvalidDataException($"{path}:{line}: {e.Message}"); }
        }
        return list;
    }

    static (List<string> Columns, List<double[]> Rows) ReadNumeric(string path, bool finished)
    {
        var (columns, rows) = ReadCsv(path, finished);
        var list = new List<double[]>(rows.Count);
        foreach (var (line, fields) in rows)
        {
            try { list.Add(fields.Select(Parse).ToArray()); }
            catch (FormatException e) { throw new InvalidDataException($"{path}:{line}: {e.Message}"); }
        }
        return (columns, list);
    }

    /// <summary><c>metrics.csv</c> as a frame: columns <c>variant</c>, <c>seed</c>, then the file's columns (<c>epoch</c> as int).</summary>
    public Frame<int, string> Metrics => ResultSet.FromRuns([this]).Metrics;

    /// <summary><c>layers.csv</c> as a frame (see <see cref="ResultSet.Layers"/>).</summary>
    public Frame<int, string> Layers => ResultSet.FromRuns([this]).Layers;

    /// <summary><c>histograms.csv</c> as a frame (see <see cref="ResultSet.Histograms"/>).</summary>
    public Frame<int, string> Histograms => ResultSet.FromRuns([this]).Histograms;

    /// <inheritdoc />
    public override string ToString() => $"{Variant} seed {Seed}: {LastEpoch} epochs, {(Summary?.Status.ToString().ToLowerInvariant() ?? "no summary")} ({Directory})";
}
