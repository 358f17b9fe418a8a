using System.Text.Json;
using SpikeKit.Config;

namespace SpikeKit.Experiments;

/// <summary>
/// A sweep expanded into its runs: what <c>spikekit sweep SPEC</c>, <c>spikekit ablate</c> and <c>spikekit sweep --vary</c> write as <c>RESULTS/&lt;name&gt;/sweep.json</c> before it
/// runs anything, and what <c>spikekit report</c> reads to lay out the paper tables. Run <see cref="PlannedRun.Index"/> is the
/// array-task index (<c>--run-index</c>); every run's results go to <c>RESULTS/&lt;name&gt;/&lt;id&gt;/</c>.
/// </summary>
/// <param name="Name">Sweep name (folder under the results root).</param>
/// <param name="Description">Free text from the spec.</param>
/// <param name="Table">How the paper table is laid out.</param>
/// <param name="Reference">Published numbers to print beside ours.</param>
/// <param name="Runs">The runs, in spec order.</param>
public sealed record SweepPlan(string Name, string? Description, SweepTable Table, IReadOnlyList<ReferenceResult> Reference,
    IReadOnlyList<PlannedRun> Runs)
{
    /// <summary>File name of the plan inside the sweep folder.</summary>
    public const string FileName = "sweep.json";

    /// <summary>Writes the plan atomically (temp file, then rename); a file that already holds the same plan is left as it is
    /// (every array task of a sweep writes the plan it runs).</summary>
    public void Save(string path)
    {
        var text = JsonSerializer.Serialize(this, JsonSettings.Options);
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        SpikeKit.Runs.AtomicFile.WriteText(path, text);
    }

    /// <summary>Reads a plan written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">Naming the file when it is not a valid plan.</exception>
    public static SweepPlan Load(string path)
    {
        try { return JsonSerializer.Deserialize<SweepPlan>(File.ReadAllText(path), JsonSettings.Options) ?? throw new InvalidDataException($"{path}: empty sweep plan"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid sweep.json ({e.Message.Split('\n')[0]})"); }
    }
}

/// <summary>One run of a sweep.</summary>
/// <param name="Index">0-based position in the sweep (the Slurm array task id).</param>
/// <param name="Id">Stable id: readable axis labels plus a hash of the full config (threads and device excluded); the run's folder name.</param>
/// <param name="Labels">Axis name → the label of this run's value on that axis (e.g. <c>model → ResNet-20 ×0.25</c>, <c>timeSteps → 4</c>, <c>seed → 0</c>).</param>
/// <param name="Config">The full configuration of the run.</param>
public sealed record PlannedRun(int Index, string Id, IReadOnlyDictionary<string, string> Labels, RunConfig Config);

/// <summary>Layout of a sweep's paper table: one row per combination of the row axes' labels, one column group per
/// combination of the column axes' labels; cells are mean ± std over the remaining axes (normally the seeds).</summary>
/// <param name="Rows">Axis names whose labels make the rows (e.g. <c>model</c>, <c>timeSteps</c>).</param>
/// <param name="Columns">Axis names whose labels make the columns (e.g. <c>variant</c>).</param>
/// <param name="Baseline">Column label the differences are taken against (e.g. <c>baseline</c>); null = no differences.</param>
public sealed record SweepTable(IReadOnlyList<string> Rows, IReadOnlyList<string> Columns, string? Baseline);

/// <summary>A published result to print beside ours.</summary>
/// <param name="Where">Axis name → label the result belongs to (all must match a cell's row and column labels).</param>
/// <param name="Accuracy">Top-1 test accuracy in percent.</param>
/// <param name="Source">Where the number comes from (e.g. "RMP-Loss, ICCV 2023, as cited by LM-HT SNN, NeurIPS 2024").</param>
public sealed record ReferenceResult(IReadOnlyDictionary<string, string> Where, double Accuracy, string Source);

/// <summary>One named configuration of <see cref="SweepSpec.FromArms"/>.</summary>
/// <param name="Label">The arm's label (its row in the table and part of its run ids).</param>
/// <param name="Config">Its configuration (the seed is replaced by each sweep seed).</param>
public sealed record SweepArm(string Label, RunConfig Config);
