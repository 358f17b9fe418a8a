using SpikeKit.Config;

namespace SpikeKit.Runs;

/// <summary>Where a run folder stands for one config.</summary>
/// <param name="Status">Completed or failed (a summary of this config), partial (a checkpoint of this config), or pending
/// (nothing of this config: an empty or missing folder, or files of another config).</param>
/// <param name="EpochsDone">Finished epochs (from the summary or the checkpoint).</param>
/// <param name="Summary">The summary when completed or failed.</param>
/// <param name="HoldsOtherRun">True when the folder holds run files (metrics, summary or checkpoint) that are not of this config.</param>
public sealed record RunState(RunStatus Status, int EpochsDone, RunSummary? Summary, bool HoldsOtherRun);

/// <summary>
/// The one completion rule, for a single run folder: a run is complete when its <c>summary.json</c> says completed for a
/// config of the same <see cref="RunConfig.ContentHash()"/> (what it computes; threads and device do not count). Sweeps use it
/// for each of their runs; <c>spikekit train</c> uses it for its <c>--out</c> folder.
/// </summary>
public static class RunFolder
{
    /// <summary>Where <paramref name="directory"/> stands for <paramref name="config"/>.</summary>
    public static RunState State(string directory, RunConfig config)
    {
        var key = config.ContentHash();
        var summaryPath = Path.Combine(directory, RunFiles.Summary);
        bool other = false;
        if (File.Exists(summaryPath))
        {
            RunSummary? s = null;
            try { s = RunSummary.Load(summaryPath); } catch (InvalidDataException) { }
            if (s is not null && s.Config.ContentHash() == key) return new RunState(s.Status, s.EpochsCompleted, s, false);
            other = true;
        }
        var ckpt = Path.Combine(directory, RunFiles.Checkpoint);
        if (File.Exists(ckpt))
        {
            try
            {
                var state = Checkpoint.ReadState(ckpt);
                if (state.IsOf(config)) return new RunState(RunStatus.Partial, state.EpochsDone, null, false);
            }
            catch (InvalidDataException)
            {
                // A corrupt checkpoint is never read; the run it belonged to starts over (RunExecutor says so).
                return new RunState(RunStatus.Pending, 0, null, other);
            }
            other = true;
        }
        return new RunState(RunStatus.Pending, 0, null, other || File.Exists(Path.Combine(directory, RunFiles.Metrics)));
    }

    /// <summary>Deletes the run files of <paramref name="directory"/> (every name of <see cref="RunFiles"/> and their temp
    /// files); other files stay.</summary>
    public static void Clear(string directory)
    {
        if (!Directory.Exists(directory)) return;
        string[] names = [RunFiles.Metrics, RunFiles.Layers, RunFiles.Histograms, RunFiles.Timing, RunFiles.Summary, RunFiles.Checkpoint, RunFiles.Model, RunFiles.ModelSpec];
        foreach (var f in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(f);
            if (names.Any(n => name == n || name.StartsWith(n + ".", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal)))
                File.Delete(f);
        }
    }
}
