using System.Globalization;
using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Frames;

/// <summary>A row or a column of a sweep's paper table: its labels on the table's row (or column) axes and the name they make.</summary>
/// <param name="Name">The labels joined by " · ", a number or true/false prefixed by its axis (e.g. <c>CNN · T=4</c>, <c>rmp</c>); "all" without axes.</param>
/// <param name="Labels">Axis name → label, for the row (or column) axes only.</param>
public sealed record PaperHeading(string Name, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// A <see cref="SweepPlan"/> laid out as its paper table: the distinct row and column headings in plan order of first
/// appearance, each planned run's heading, and the name of its cell (row and column labels), which is also what
/// <see cref="ResultSet"/> calls the variant of a sweep run.
/// </summary>
internal sealed class SweepGrid
{
    readonly Dictionary<string, (PaperHeading Row, PaperHeading Column)> _byId = new(StringComparer.Ordinal);

    public SweepGrid(SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
        RowAxes = plan.Table?.Rows ?? [];
        ColumnAxes = plan.Table?.Columns ?? [];
        Axes = plan.Runs.SelectMany(r => r.Labels.Keys).Distinct().ToList();
        OtherAxes = Axes.Where(a => !RowAxes.Contains(a) && !ColumnAxes.Contains(a)).ToList();
        var rows = new List<PaperHeading>();
        var columns = new List<PaperHeading>();
        foreach (var run in plan.Runs)
        {
            var row = Intern(rows, Heading(run, RowAxes));
            var column = Intern(columns, Heading(run, ColumnAxes));
            _byId[run.Id] = (row, column);
        }
        Rows = rows;
        Columns = columns;
        Baseline = plan.Table?.Baseline is { } b
            ? columns.FirstOrDefault(c => c.Name == b) ?? columns.FirstOrDefault(c => c.Labels.Values.Contains(b, StringComparer.Ordinal))
            : null;
    }

    /// <summary>The grid of the folder's <c>sweep.json</c>, or null when it has none.</summary>
    /// <exception cref="InvalidDataException">When the file is not a valid plan.</exception>
    public static SweepGrid? TryLoad(string directory)
    {
        var path = Path.Combine(directory, SweepPlan.FileName);
        return File.Exists(path) ? new SweepGrid(SweepPlan.Load(path)) : null;
    }

    public SweepPlan Plan { get; }

    /// <summary>Every axis of the plan, in order of first appearance.</summary>
    public IReadOnlyList<string> Axes { get; }

    public IReadOnlyList<string> RowAxes { get; }

    public IReadOnlyList<string> ColumnAxes { get; }

    /// <summary>The axes a cell aggregates over (normally the seed).</summary>
    public IReadOnlyList<string> OtherAxes { get; }

    public IReadOnlyList<PaperHeading> Rows { get; }

    public IReadOnlyList<PaperHeading> Columns { get; }

    /// <summary>The column the differences are taken against: the one named <see cref="SweepTable.Baseline"/>, else the first
    /// with that label on one of its axes; null when the plan names none or no column matches.</summary>
    public PaperHeading? Baseline { get; }

    public PaperHeading RowOf(PlannedRun run) => _byId[run.Id].Row;

    public PaperHeading ColumnOf(PlannedRun run) => _byId[run.Id].Column;

    /// <summary>The seed of planned run <paramref name="runId"/>; null for an unknown run id.</summary>
    public long? SeedOf(string runId) => Plan.Runs.FirstOrDefault(r => r.Id == runId)?.Config.Seed;

    /// <summary>The cell's name: its row and column names joined by " · " (e.g. <c>CNN · T=4 · rmp</c>); null for an unknown run id.</summary>
    public string? CellName(string runId)
    {
        if (!_byId.TryGetValue(runId, out var h)) return null;
        var name = Join([h.Row.Labels.Count == 0 ? "" : h.Row.Name, h.Column.Labels.Count == 0 ? "" : h.Column.Name]);
        return name.Length == 0 ? "all" : name;
    }

    /// <summary>The cell names in plan order (each once).</summary>
    public IReadOnlyList<string> CellNames => Plan.Runs.Select(r => CellName(r.Id)!).Distinct().ToList();

    /// <summary>How an axis is headed in a table: <c>timeSteps</c> → <c>T</c>, <c>rmpLambda</c> → <c>λ</c>, anything else as is.</summary>
    public static string Title(string axis) => axis switch
    {
        "timeSteps" or "timesteps" or "T" => "T",
        "rmpLambda" or "rmp-lambda" or "lambda" => "λ",
        _ => axis,
    };

    static PaperHeading Heading(PlannedRun run, IReadOnlyList<string> axes)
    {
        var labels = axes.ToDictionary(a => a, a => run.Labels.TryGetValue(a, out var l) ? l : "", StringComparer.Ordinal);
        // A bare number or true/false says little on its own: it is headed with its axis (T=4, λ=0.5, rmpClip=false).
        var name = Join(axes.Select(a => double.TryParse(labels[a], NumberStyles.Float, CultureInfo.InvariantCulture, out _) || labels[a] is "true" or "false"
            ? $"{Title(a)}={labels[a]}" : labels[a]));
        return new PaperHeading(name.Length == 0 ? "all" : name, labels);
    }

    static string Join(IEnumerable<string> parts) => string.Join(" · ", parts.Where(p => p.Length > 0));

    static PaperHeading Intern(List<PaperHeading> seen, PaperHeading h)
    {
        var same = seen.FirstOrDefault(s => s.Labels.Count == h.Labels.Count && s.Labels.All(p => h.Labels.TryGetValue(p.Key, out var v) && v == p.Value));
        if (same is not null) return same;
        seen.Add(h);
        return h;
    }
}
