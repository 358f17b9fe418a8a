namespace SpikeKit.Experiments;

/// <summary>
/// Receives the progress of a sweep from <see cref="SweepRunner.RunAll"/> (a live table in a terminal, plain lines in a log,
/// a notebook display). Calls come from one thread, in order; runs trained by child processes report an epoch when their
/// checkpoint changes.
/// </summary>
public interface ISweepProgress
{
    /// <summary>Before the first run: the plan, how many runs are still to train, and how many train at a time.</summary>
    void SweepStarted(SweepPlan plan, int toRun, int jobs);

    /// <summary>A run began (<paramref name="epochsDone"/> = 0) or resumed after <paramref name="epochsDone"/> epochs.</summary>
    void RunStarted(PlannedRun run, int epochsDone);

    /// <summary>A run finished epoch <paramref name="epochsDone"/> of <paramref name="epochs"/>; its test accuracy then (fraction), when known.</summary>
    void RunProgress(PlannedRun run, int epochsDone, int epochs, double? testAccuracy);

    /// <summary>A run completed: final test accuracy (fraction), mean quantization error, wall time of this attempt.</summary>
    void RunCompleted(PlannedRun run, double finalTestAccuracy, double quantizationError, TimeSpan wall);

    /// <summary>A run failed with a one-line <paramref name="error"/>; <paramref name="logFile"/> is its child's log, when it ran in one.</summary>
    void RunFailed(PlannedRun run, string error, string? logFile);

    /// <summary>After the last run: how many runs of the plan are complete and how many are not.</summary>
    void SweepFinished(int complete, int incomplete);
}
