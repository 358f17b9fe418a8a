using System.Globalization;
using Deedle;
using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Frames;

/// <summary>
/// The paper table of a sweep folder (one holding <c>sweep.json</c>): one row per combination of the plan's row-axis labels,
/// one column per combination of its column-axis labels (both in plan order of first appearance), each cell the final
/// test accuracy and quantization error of its completed runs, mean ± sample std over the remaining axes (normally the
/// seeds), with the difference to the baseline column and the published number where the plan has one.
/// <see cref="Cells"/> holds the numbers; <see cref="AccuracyTable"/> and <see cref="QuantizationErrorTable"/> the text
/// that <see cref="PaperTableWriter"/> prints as markdown, LaTeX and HTML.
/// </summary>
public sealed class PaperTable
{
    readonly SweepGrid _grid;
    readonly Dictionary<(PaperHeading, PaperHeading), PaperCell> _cells;

    PaperTable(string directory, SweepGrid grid, IReadOnlyDictionary<string, RunSummary?> summaries, IReadOnlyList<IncompleteRun> incomplete)
    {
        Directory = directory;
        _grid = grid;
        Incomplete = incomplete;
        var cells = new List<PaperCell>();
        foreach (var row in grid.Rows)
            foreach (var column in grid.Columns)
            {
                var runs = grid.Plan.Runs.Where(r => grid.RowOf(r) == row && grid.ColumnOf(r) == column).ToList();
                if (runs.Count == 0) continue;
                var done = runs.Select(r => summaries[r.Id]).OfType<RunSummary>().Where(s => s.IsCompleted).ToList();
                cells.Add(new PaperCell(row, column, runs, done.Count, Stat.Of(done.Select(s => 100 * s.FinalTestAccuracy)),
                    Stat.Of(done.Select(s => s.FinalMeanQuantizationError)), double.NaN, double.NaN, Match(row, column))
                {
                    Energy = Stat.Of(done.Select(s => s.FinalEnergyMicrojoules).Where(double.IsFinite)),
                    Accuracies = done.Select(s => (s.Config.Seed, 100 * s.FinalTestAccuracy)).ToList(),
                    QuantizationErrors = done.Select(s => (s.Config.Seed, s.FinalMeanQuantizationError)).ToList(),
                    Energies = done.Where(s => double.IsFinite(s.FinalEnergyMicrojoules)).Select(s => (s.Config.Seed, s.FinalEnergyMicrojoules)).ToList(),
                });
            }
        _cells = cells.ToDictionary(c => (c.Row, c.Column));
        Cells = cells.Select(c => grid.Baseline is { } b && c.Column != b && _cells.TryGetValue((c.Row, b), out var bc)
            ? c with
            {
                DeltaAccuracy = c.Accuracy.Mean - bc.Accuracy.Mean, DeltaQuantizationError = c.QuantizationError.Mean - bc.QuantizationError.Mean,
                DeltaEnergy = c.Energy.Mean - bc.Energy.Mean,
                AccuracyDifference = Statistics.Difference.Of(c.Accuracies, bc.Accuracies),
                QuantizationErrorDifference = Statistics.Difference.Of(c.QuantizationErrors, bc.QuantizationErrors),
                EnergyDifference = Statistics.Difference.Of(c.Energies, bc.Energies),
            }
            : c).ToList();
        _cells = Cells.ToDictionary(c => (c.Row, c.Column));
    }

    /// <summary>Reads <c>sweep.json</c> and the <c>summary.json</c> of every planned run (<c>&lt;run id&gt;/summary.json</c>).</summary>
    /// <param name="sweepDirectory">The sweep folder.</param>
    /// <exception cref="DirectoryNotFoundException">When the folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">When it holds no <c>sweep.json</c>.</exception>
    /// <exception cref="InvalidDataException">When <c>sweep.json</c> or a summary is malformed (the message names the file).</exception>
    public static PaperTable Load(string sweepDirectory)
    {
        if (!System.IO.Directory.Exists(sweepDirectory)) throw new DirectoryNotFoundException($"{sweepDirectory}: no such folder");
        var root = Path.GetFullPath(sweepDirectory);
        var planPath = Path.Combine(root, SweepPlan.FileName);
        if (!File.Exists(planPath)) throw new FileNotFoundException($"{sweepDirectory}: no {SweepPlan.FileName} (not a sweep folder)", planPath);
        var grid = new SweepGrid(SweepPlan.Load(planPath));
        var summaries = new Dictionary<string, RunSummary?>(StringComparer.Ordinal);
        var incomplete = new List<IncompleteRun>();
        foreach (var run in grid.Plan.Runs)
        {
            var status = SweepRunner.Status(root, run);
            summaries[run.Id] = status.Summary;
            if (status.Status == RunStatus.Completed) continue;
            incomplete.Add(new IncompleteRun(run, status.Status, status.Summary?.Error));
        }
        return new PaperTable(root, grid, summaries, incomplete);
    }

    /// <summary>The sweep folder.</summary>
    public string Directory { get; }

    /// <summary>The sweep plan.</summary>
    public SweepPlan Plan => _grid.Plan;

    /// <summary>The axes whose labels make the rows (<see cref="SweepTable.Rows"/>).</summary>
    public IReadOnlyList<string> RowAxes => _grid.RowAxes;

    /// <summary>The axes each cell aggregates over: those neither in the rows nor in the columns (normally <c>seed</c>).</summary>
    public IReadOnlyList<string> AggregatedAxes => _grid.OtherAxes;

    /// <summary>The rows, in plan order of first appearance.</summary>
    public IReadOnlyList<PaperHeading> Rows => _grid.Rows;

    /// <summary>The columns, in plan order of first appearance.</summary>
    public IReadOnlyList<PaperHeading> Columns => _grid.Columns;

    /// <summary>The column the differences are taken against, or null (see <see cref="SweepTable.Baseline"/>).</summary>
    public PaperHeading? Baseline => _grid.Baseline;

    /// <summary>Every planned row × column, row by row.</summary>
    public IReadOnlyList<PaperCell> Cells { get; }

    /// <summary>The planned runs that have not completed, in plan order.</summary>
    public IReadOnlyList<IncompleteRun> Incomplete { get; }

    /// <summary>The cell of a row and a column, given by name; null when the plan has no run there.</summary>
    public PaperCell? Cell(string row, string column) =>
        Cells.FirstOrDefault(c => c.Row.Name == row && c.Column.Name == column);

    /// <summary>How a table heads an axis: <c>timeSteps</c> → <c>T</c>, <c>rmpLambda</c> → <c>λ</c>, anything else as is.</summary>
    public static string AxisTitle(string axis) => SweepGrid.Title(axis);

    /// <summary>
    /// The accuracy table as text, row key = row name: one column per row axis (its label), then per column of the sweep its
    /// cell (<see cref="FormatStat"/> with 2 decimals), <c>Δ &lt;column&gt;</c> for every column but the baseline
    /// (<see cref="FormatDelta"/>), and <c>&lt;column&gt; (paper)</c> where some row has a published number for that column.
    /// Cells the plan does not have are empty.
    /// </summary>
    public Frame<string, string> AccuracyTable => Text(c => c.Accuracy, c => (c.DeltaAccuracy, c.AccuracyDifference), "F2", withReference: true);

    /// <summary>The quantization-error table as text, laid out as <see cref="AccuracyTable"/> (4 decimals, no published numbers).</summary>
    public Frame<string, string> QuantizationErrorTable =>
        Text(c => c.QuantizationError, c => (c.DeltaQuantizationError, c.QuantizationErrorDifference), "F4", withReference: false);

    /// <summary>The energy table as text, laid out as <see cref="AccuracyTable"/> (µJ per test sample, 4 significant decimals), or
    /// null when no completed run counted its energy (runs of SpikeKit before 0.3, hand-built networks).</summary>
    public Frame<string, string>? EnergyTable =>
        Cells.Any(c => c.Energy.N > 0) ? Text(c => c.Energy, c => (c.DeltaEnergy, c.EnergyDifference), "F4", withReference: false) : null;

    /// <summary>Caption of <see cref="EnergyTable"/>.</summary>
    public string EnergyCaption =>
        $"{Plan.Name}: estimated energy per test sample (µJ, last epoch; 4.6 pJ per MAC of the first layer, 0.9 pJ per synaptic operation), " +
        $"{Over()}{DeltaText(" (µJ)")}";

    /// <summary>Caption of <see cref="AccuracyTable"/>.</summary>
    public string AccuracyCaption =>
        $"{Plan.Name}: final acc (%), {Over()}{DeltaText(" (pp)")}" +
        (Cells.Any(c => c.Reference is not null) ? " (paper): the published number." : "");

    /// <summary>Caption of <see cref="QuantizationErrorTable"/>.</summary>
    public string QuantizationErrorCaption =>
        $"{Plan.Name}: mean quantization error (last epoch, mean over spiking layers), {Over()}{DeltaText("")}";

    /// <summary>The footnote listing the planned runs that have not completed ("Not complete: k of m planned runs — id
    /// (failed: error); id (missing)."), or null when all have.</summary>
    public string? IncompleteNote => Incomplete.Count == 0 ? null
        : $"Not complete: {Incomplete.Count} of {Plan.Runs.Count} planned runs — {string.Join("; ", Incomplete)}.";

    /// <summary>The sources of the published numbers shown ("Published numbers: …."), or null when none is shown.</summary>
    public string? SourcesNote =>
        Cells.Select(c => c.Reference?.Source).OfType<string>().Distinct().ToList() is { Count: > 0 } sources
            ? $"Published numbers: {string.Join("; ", sources)}." : null;

    /// <summary>"mean ± std" (invariant culture), followed by " (n=k/m)" when fewer than the <paramref name="planned"/> runs
    /// count; "—" for the mean and std when none does.</summary>
    public static string FormatStat(Stat stat, int planned, string format)
    {
        var text = stat.N == 0 || double.IsNaN(stat.Mean) ? "—" : ResultSet.PlusMinus(stat, format);
        return stat.N < planned ? $"{text} (n={stat.N}/{planned})" : text;
    }

    /// <summary>A signed difference ("+0.52", "-0.30"; invariant culture), "—" for NaN.</summary>
    public static string FormatDelta(double delta, string format) =>
        double.IsNaN(delta) ? "—" : (delta >= 0 ? "+" : "") + delta.ToString(format, CultureInfo.InvariantCulture);

    string Over()
    {
        var over = AggregatedAxes.Count == 0 ? "one run per cell"
            : $"mean ± std over the {string.Join(" × ", AggregatedAxes.Select(AxisTitle))} {(AggregatedAxes.Count == 1 ? "axis" : "axes")}";
        return $"{over} of completed runs; (n=k/m): only k of m planned runs completed; —: none completed.";
    }

    string DeltaText(string unit) => Baseline is null ? "" : $" Δ: difference of means against {Baseline.Name}{unit}; {Statistics.Difference.Method()}.";

    Frame<string, string> Text(Func<PaperCell, Stat> stat, Func<PaperCell, (double Delta, Statistics.Difference? Test)> delta, string format, bool withReference)
    {
        var referenced = withReference ? Cells.Where(c => c.Reference is not null).Select(c => c.Column).ToHashSet() : [];
        var t = new TableBuilder();
        const string key = "\u0001row";
        foreach (var row in Rows)
        {
            var cells = new List<(string, object?)> { (key, row.Name) };
            cells.AddRange(RowAxes.Select(a => (AxisTitle(a), (object?)row.Labels[a])));
            foreach (var column in Columns)
            {
                var c = _cells.GetValueOrDefault((row, column));
                cells.Add((column.Name, c is null ? "" : FormatStat(stat(c), c.Planned, format)));
                if (Baseline is not null && column != Baseline)
                    cells.Add(($"Δ {column.Name}", c is null ? "" : delta(c) is { Test: { } d } ? d.Format(format) : FormatDelta(delta(c).Delta, format)));
                if (referenced.Contains(column))
                    cells.Add(($"{column.Name} (paper)", c?.Reference is { } r ? r.Accuracy.ToString("F2", CultureInfo.InvariantCulture) : ""));
            }
            t.Add(cells.ToArray());
        }
        var f = t.ToFrame();
        return f.ColumnCount == 0 ? new FrameBuilder.Columns<string, string>().Frame : f.IndexRows<string>(key);
    }

    ReferenceResult? Match(PaperHeading row, PaperHeading column) =>
        (Plan.Reference ?? [])
            .Where(r => r.Where.Count > 0 && r.Where.All(w => Label(row, column, w.Key) == w.Value))
            .OrderByDescending(r => r.Where.Count).FirstOrDefault();

    static string? Label(PaperHeading row, PaperHeading column, string axis) =>
        row.Labels.TryGetValue(axis, out var l) || column.Labels.TryGetValue(axis, out l) ? l : null;

    /// <inheritdoc />
    public override string ToString() =>
        $"Paper table of {Plan.Name}: {Rows.Count} row(s) × {Columns.Count} column(s), {Plan.Runs.Count - Incomplete.Count}/{Plan.Runs.Count} runs complete";
}
