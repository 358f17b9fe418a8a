using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Frames;

/// <summary>
/// One cell of a sweep's <see cref="PaperTable"/>: the planned runs of one row × column, aggregated over the remaining
/// axes (normally the seeds); only completed runs count.
/// </summary>
/// <param name="Row">The row.</param>
/// <param name="Column">The column.</param>
/// <param name="Runs">The planned runs of the cell, in plan order.</param>
/// <param name="Completed">How many of them completed.</param>
/// <param name="Accuracy">Final test accuracy (%) of the completed runs, mean and sample std; N = 0 and NaN when none completed.</param>
/// <param name="QuantizationError">Final mean-over-layers quantization error of the completed runs.</param>
/// <param name="DeltaAccuracy">Mean accuracy minus the baseline column's in the same row (percentage points); NaN in the
/// baseline column, without a baseline, or when either side has no completed run.</param>
/// <param name="DeltaQuantizationError">Mean quantization error minus the baseline column's; NaN as for <paramref name="DeltaAccuracy"/>.</param>
/// <param name="Reference">The published number for this cell (all its <see cref="ReferenceResult.Where"/> entries equal the
/// cell's labels; the one with the most entries when several match), or null.</param>
public sealed record PaperCell(PaperHeading Row, PaperHeading Column, IReadOnlyList<PlannedRun> Runs, int Completed, Stat Accuracy,
    Stat QuantizationError, double DeltaAccuracy, double DeltaQuantizationError, ReferenceResult? Reference)
{
    /// <summary>Estimated SNN energy per test sample (µJ, last epoch; <see cref="Probes.SynapticOperations"/>) of the completed
    /// runs that counted it.</summary>
    public Stat Energy { get; init; } = Stat.Of([]);
    /// <summary>Energy minus the baseline column's (µJ); NaN without one.</summary>
    public double DeltaEnergy { get; init; } = double.NaN;

    /// <summary>The final test accuracies (%) of the completed runs, with their seeds.</summary>
    public IReadOnlyList<(long Seed, double Value)> Accuracies { get; init; } = [];
    /// <summary>The final mean quantization errors of the completed runs, with their seeds.</summary>
    public IReadOnlyList<(long Seed, double Value)> QuantizationErrors { get; init; } = [];
    /// <summary>The energies (µJ) of the completed runs that counted them, with their seeds.</summary>
    public IReadOnlyList<(long Seed, double Value)> Energies { get; init; } = [];

    /// <summary><see cref="DeltaAccuracy"/> with its 95 % interval and test (<see cref="Statistics.Difference.Of"/>); null in
    /// the baseline column, without a baseline, or with fewer than two runs on a side.</summary>
    public Statistics.Difference? AccuracyDifference { get; init; }
    /// <summary><see cref="DeltaQuantizationError"/> with its interval and test.</summary>
    public Statistics.Difference? QuantizationErrorDifference { get; init; }
    /// <summary><see cref="DeltaEnergy"/> with its interval and test.</summary>
    public Statistics.Difference? EnergyDifference { get; init; }

    /// <summary>How many runs the plan has for this cell.</summary>
    public int Planned => Runs.Count;
}

/// <summary>A planned run of a sweep that has not completed.</summary>
/// <param name="Run">The planned run.</param>
/// <param name="State">Pending (nothing of the run yet), partial (a checkpoint: running or killed) or failed.</param>
/// <param name="Error">The summary's one-line error, when it has one.</param>
public sealed record IncompleteRun(PlannedRun Run, RunStatus State, string? Error)
{
    /// <summary>"id (state: error)".</summary>
    public override string ToString() => $"{Run.Id} ({State.ToString().ToLowerInvariant()}{(string.IsNullOrEmpty(Error) ? "" : $": {Error}")})";
}
