using System.Globalization;
using SpikeKit.Reporting;
using SpikeKit.Training;

namespace SpikeKit.Experiments;

/// <summary>Where one run of a sweep stands.</summary>
/// <param name="Run">The run.</param>
/// <param name="State">pending (nothing yet), partial (a checkpoint after <see cref="EpochsDone"/> epochs), complete, or failed.</param>
/// <param name="EpochsDone">Finished epochs (from the summary or the checkpoint).</param>
/// <param name="Summary">The summary when complete or failed.</param>
public sealed record SweepRunStatus(PlannedRun Run, string State, int EpochsDone, RunSummary? Summary);

/// <summary>
/// Runs the runs of a <see cref="SweepPlan"/> into <c>RESULTS/&lt;sweep&gt;/&lt;run-id&gt;/</c>, crash-safe: a run is complete
/// only when its <c>summary.json</c> (written to a temp file, then renamed) says so for the same config, and complete runs are
/// never run again; every run checkpoints after each epoch and a killed run resumes from its last epoch with the metrics an
/// uninterrupted run produces. A run holds an exclusive lock on <c>&lt;run&gt;/.lock</c> while it trains, so two processes
/// (say a local sweep and a Slurm array task) never train the same run at once: the second waits, then finds it complete.
/// Every start, resume, completion and failure is appended to <c>RESULTS/&lt;sweep&gt;/sweep.log</c>.
/// </summary>
public static class SweepRunner
{
    /// <summary>The log file inside the sweep folder.</summary>
    public const string LogFile = "sweep.log";

    /// <summary>The sweep's folder under <paramref name="resultsRoot"/>.</summary>
    public static string Folder(string resultsRoot, SweepPlan plan) => Path.Combine(resultsRoot, plan.Name);

    /// <summary>A run's folder inside the sweep folder.</summary>
    public static string RunFolder(string sweepDir, PlannedRun run) => Path.Combine(sweepDir, run.Id);

    /// <summary>Creates the sweep folder and writes <c>sweep.json</c> (the expanded plan).</summary>
    public static void WritePlan(string sweepDir, SweepPlan plan)
    {
        Directory.CreateDirectory(sweepDir);
        plan.Save(Path.Combine(sweepDir, SweepPlan.FileName));
    }

    /// <summary>Where <paramref name="run"/> stands in <paramref name="sweepDir"/>.</summary>
    public static SweepRunStatus Status(string sweepDir, PlannedRun run)
    {
        var dir = RunFolder(sweepDir, run);
        var summaryPath = Path.Combine(dir, "summary.json");
        if (File.Exists(summaryPath))
        {
            RunSummary? s = null;
            try { s = RunSummary.Load(summaryPath); } catch (InvalidDataException) { }
            if (s is not null && s.Config.ContentHash() == run.Config.ContentHash())
                return new SweepRunStatus(run, s.Status == "completed" ? "complete" : "failed", s.EpochsCompleted, s);
        }
        var ckpt = Path.Combine(dir, Checkpoint.FileName);
        if (File.Exists(ckpt))
        {
            try
            {
                var state = Checkpoint.ReadState(ckpt);
                if (state.Key == run.Config.ContentHash()) return new SweepRunStatus(run, "partial", state.EpochsDone, null);
            }
            catch (InvalidDataException) { }
        }
        return new SweepRunStatus(run, "pending", 0, null);
    }

    /// <summary>True when the run's folder holds a completed summary of the same config.</summary>
    public static bool IsComplete(string sweepDir, PlannedRun run) => Status(sweepDir, run).State == "complete";

    /// <summary>
    /// Runs one run unless it is complete (then returns its summary). Takes the run's lock first, waiting while another process
    /// holds it; resumes from a checkpoint when there is one. <paramref name="threads"/> &gt; 0 overrides the config's thread count
    /// (it does not change the run's id).
    /// </summary>
    /// <exception cref="TrainingDivergedException">When the loss becomes NaN (the run's summary says failed).</exception>
    public static RunSummary RunOne(string sweepDir, PlannedRun run, ITrainingProgress? progress = null, int threads = 0)
    {
        var dir = RunFolder(sweepDir, run);
        Directory.CreateDirectory(dir);
        using var runLock = AcquireLock(sweepDir, run);
        var status = Status(sweepDir, run);
        if (status.State == "complete")
        {
            Log(sweepDir, "skipped", run, "already complete");
            return status.Summary!;
        }
        var config = threads > 0 ? run.Config with { Threads = threads } : run.Config;
        Log(sweepDir, status.State == "partial" ? "resumed" : "started", run,
            (status.State == "partial" ? $"after epoch {status.EpochsDone}, " : "") + $"pid {Environment.ProcessId} on {Environment.MachineName}");
        try
        {
            var summary = ExperimentRunner.Run(config, dir, progress, checkpoints: true);
            Log(sweepDir, "completed", run, string.Create(CultureInfo.InvariantCulture,
                $"final test accuracy {100 * summary.FinalTestAccuracy:F2}%, QE {summary.FinalMeanQuantizationError:F4}, {summary.WallSeconds:F0} s"));
            return summary;
        }
        catch (Exception e)
        {
            Log(sweepDir, "failed", run, e.Message.Split('\n')[0]);
            throw;
        }
    }

    /// <summary>
    /// Runs every run of <paramref name="plan"/> that is not complete, one after another in this process, and returns the
    /// status of every run afterwards. A failing run is logged and the sweep goes on; the caller decides what failures mean.
    /// </summary>
    public static IReadOnlyList<SweepRunStatus> RunAll(string sweepDir, SweepPlan plan, Func<PlannedRun, ITrainingProgress?>? progress = null,
        int threads = 0, Action<PlannedRun, Exception>? onFailure = null)
    {
        WritePlan(sweepDir, plan);
        foreach (var run in plan.Runs)
        {
            if (IsComplete(sweepDir, run)) continue;
            try { RunOne(sweepDir, run, progress?.Invoke(run), threads); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                onFailure?.Invoke(run, e);
            }
        }
        return plan.Runs.Select(r => Status(sweepDir, r)).ToList();
    }

    /// <summary>Appends one line to the sweep log: UTC time, event, run id, details.</summary>
    public static void Log(string sweepDir, string evt, PlannedRun run, string details)
    {
        var line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {evt} {run.Id} [{run.Index}] {details}\n";
        using var f = new FileStream(Path.Combine(sweepDir, LogFile), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var bytes = System.Text.Encoding.UTF8.GetBytes(line);
        f.Write(bytes);
    }

    static FileStream AcquireLock(string sweepDir, PlannedRun run)
    {
        var path = Path.Combine(RunFolder(sweepDir, run), ".lock");
        bool told = false;
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException)
            {
                if (!told) Console.Error.WriteLine($"{run.Id}: running in another process; waiting for it");
                told = true;
                Thread.Sleep(2000);
            }
        }
    }
}
