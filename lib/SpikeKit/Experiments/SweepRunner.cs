using System.Diagnostics;
using System.Globalization;
using SpikeKit.Data;
using SpikeKit.Runs;
using SpikeKit.Training;

namespace SpikeKit.Experiments;

/// <summary>Where one run of a sweep stands.</summary>
/// <param name="Run">The run.</param>
/// <param name="Status">Pending (nothing yet), partial (a checkpoint after <see cref="EpochsDone"/> epochs), completed or failed.</param>
/// <param name="EpochsDone">Finished epochs (from the summary or the checkpoint).</param>
/// <param name="Summary">The summary when completed or failed.</param>
public sealed record SweepRunStatus(PlannedRun Run, RunStatus Status, int EpochsDone, RunSummary? Summary);

/// <summary>A run that failed in this invocation.</summary>
/// <param name="Run">The run.</param>
/// <param name="Error">One-line error.</param>
/// <param name="Diverged">True when the loss became NaN (the CLI's exit code 3).</param>
public sealed record SweepFailure(PlannedRun Run, string Error, bool Diverged);

/// <summary>How <see cref="SweepRunner.RunAll"/> runs a sweep.</summary>
/// <param name="Jobs">Runs trained at a time, at most the machine's logical cores. 1: one after another in this process; more: each in a child process
/// (<see cref="SweepWorker"/>) with <see cref="Threads"/> threads, output in <c>SWEEP/logs/RUN-ID.log</c>.</param>
/// <param name="Threads">Intra-op threads per run; 0 = the config's (all cores) in this process, cores/jobs in child processes.
/// Never part of a run's id.</param>
/// <param name="Worker">The child-process program; null = <see cref="SweepWorker.Find"/>.</param>
/// <param name="RunProgress">Per-batch progress of a run trained in this process (jobs = 1).</param>
public sealed record SweepOptions(int Jobs = 1, int Threads = 0, SweepWorker? Worker = null, Func<PlannedRun, ITrainingProgress?>? RunProgress = null)
{
    /// <summary>Checks the values; throws <see cref="Config.ConfigException"/> naming the option.</summary>
    public SweepOptions Validate()
    {
        int cores = Environment.ProcessorCount;
        if (Jobs < 1 || Jobs > cores) throw new Config.ConfigException("jobs", $"must be in 1..{cores} (the logical cores of this machine), got {Jobs}");
        if (Threads < 0 || Threads > cores) throw new Config.ConfigException("threads", $"must be in 0..{cores} (the logical cores of this machine), got {Threads}");
        return this;
    }
}

/// <summary>What <see cref="SweepRunner.RunAll"/> left: every run's status afterwards and the failures of this invocation.</summary>
/// <param name="Runs">Each planned run's status, in plan order.</param>
/// <param name="Failures">Runs that failed now.</param>
public sealed record SweepOutcome(IReadOnlyList<SweepRunStatus> Runs, IReadOnlyList<SweepFailure> Failures)
{
    /// <summary>Runs not completed.</summary>
    public IReadOnlyList<SweepRunStatus> Incomplete => Runs.Where(r => r.Status != RunStatus.Completed).ToList();

    /// <summary>True when every run is complete.</summary>
    public bool AllComplete => Runs.All(r => r.Status == RunStatus.Completed);
}

/// <summary>
/// The one experiment engine: runs the runs of a <see cref="SweepPlan"/> (from a JSON spec, <see cref="SweepSpec.Ablation"/> or
/// <see cref="SweepSpec.Vary"/>) into <c>SWEEP/&lt;run-id&gt;/</c>, crash-safe. A run is complete only when its
/// <c>summary.json</c> (written to a temp file, then renamed) says so for a config of the same content hash (what it computes:
/// threads and device do not count), and complete runs are never trained again; every run checkpoints after each epoch and a
/// killed run resumes from its last epoch with the metrics an uninterrupted run produces. A run holds an exclusive lock on
/// <c>&lt;run&gt;/.lock</c> while it trains, so two processes (a local sweep and a Slurm array task, say) never train the same run
/// at once: the second waits, then finds it complete. Every start, resume, completion and failure is appended to
/// <c>SWEEP/sweep.log</c>. <see cref="RunAll"/> trains N runs at a time in child processes, from C#, F#, notebooks and the CLI alike.
/// </summary>
public static class SweepRunner
{
    /// <summary>The log file inside the sweep folder.</summary>
    public const string LogFile = "sweep.log";

    /// <summary>The folder of child-process logs inside the sweep folder.</summary>
    public const string LogsFolder = "logs";

    /// <summary>The sweep's folder under <paramref name="resultsRoot"/>.</summary>
    public static string Folder(string resultsRoot, SweepPlan plan) => Path.Combine(resultsRoot, plan.Name);

    /// <summary>A run's folder inside the sweep folder.</summary>
    public static string RunFolder(string sweepDir, PlannedRun run) => Path.Combine(sweepDir, run.Id);

    /// <summary>Creates the sweep folder and writes <c>sweep.json</c> (the expanded plan).</summary>
    public static void WritePlan(string sweepDir, SweepPlan plan)
    {
        if (File.Exists(sweepDir)) throw new Config.ConfigException("out", $"{sweepDir} is a file, not a folder");
        Directory.CreateDirectory(sweepDir);
        plan.Save(Path.Combine(sweepDir, SweepPlan.FileName));
    }

    /// <summary>The plan saved in a sweep folder.</summary>
    /// <exception cref="FileNotFoundException">When the folder has no sweep.json.</exception>
    public static SweepPlan LoadPlan(string sweepDir)
    {
        var path = Path.Combine(sweepDir, SweepPlan.FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found (not a sweep folder; spikekit migrate converts older result folders)", path);
        return SweepPlan.Load(path);
    }

    /// <summary>Where <paramref name="run"/> stands in <paramref name="sweepDir"/>.</summary>
    public static SweepRunStatus Status(string sweepDir, PlannedRun run)
    {
        var state = Runs.RunFolder.State(RunFolder(sweepDir, run), run.Config);
        return new SweepRunStatus(run, state.Status, state.EpochsDone, state.Summary);
    }

    /// <summary>True when the run's folder holds a completed summary of the same config.</summary>
    public static bool IsComplete(string sweepDir, PlannedRun run) => Status(sweepDir, run).Status == RunStatus.Completed;

    /// <summary>
    /// Trains one run in this process unless it is complete (then returns its summary). Takes the run's lock first, waiting
    /// while another process holds it; resumes from a checkpoint when there is one. <paramref name="threads"/> &gt; 0 overrides
    /// the config's thread count (it does not change the run's id).
    /// </summary>
    /// <exception cref="TrainingDivergedException">When the loss becomes NaN (the run's summary says failed).</exception>
    public static RunSummary RunOne(string sweepDir, PlannedRun run, ITrainingProgress? progress = null, int threads = 0)
    {
        var dir = RunFolder(sweepDir, run);
        Directory.CreateDirectory(dir);
        using var runLock = AcquireLock(sweepDir, run);
        var status = Status(sweepDir, run);
        if (status.Status == RunStatus.Completed)
        {
            Log(sweepDir, "skipped", run, "already complete");
            return status.Summary!;
        }
        var config = threads > 0 ? run.Config with { Threads = threads } : run.Config;
        bool partial = status.Status == RunStatus.Partial;
        Log(sweepDir, partial ? "resumed" : "started", run,
            (partial ? $"after epoch {status.EpochsDone}, " : "") + $"pid {Environment.ProcessId} on {Environment.MachineName}");
        try
        {
            var summary = RunExecutor.Run(config, dir, progress, checkpoints: true, notice: (evt, line) =>
            {
                Console.Error.WriteLine(line);
                if (evt == RunExecutor.CheckpointEvent.Restarted) Log(sweepDir, "restarted", run, line);
            });
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
    /// Writes the plan to <paramref name="sweepDir"/> and trains every run that is not complete: one after another in this
    /// process (<see cref="SweepOptions.Jobs"/> = 1), or that many at a time in child processes. A failing run is logged and
    /// the sweep goes on, except that missing or malformed data (which fails every run alike) stops a sweep in this process at
    /// the first run by rethrowing its exception. Returns every run's status afterwards and this invocation's failures.
    /// </summary>
    public static SweepOutcome RunAll(string sweepDir, SweepPlan plan, SweepOptions? options = null, ISweepProgress? progress = null)
    {
        options = (options ?? new SweepOptions()).Validate();
        WritePlan(sweepDir, plan);
        var todo = plan.Runs.Where(r => !IsComplete(sweepDir, r)).ToList();
        progress?.SweepStarted(plan, todo.Count, options.Jobs);
        var failures = options.Jobs == 1 || todo.Count == 0
            ? RunInProcess(sweepDir, todo, options, progress)
            : RunInChildren(sweepDir, todo, options, progress);
        var statuses = plan.Runs.Select(r => Status(sweepDir, r)).ToList();
        progress?.SweepFinished(statuses.Count(s => s.Status == RunStatus.Completed), statuses.Count(s => s.Status != RunStatus.Completed));
        return new SweepOutcome(statuses, failures);
    }

    static List<SweepFailure> RunInProcess(string sweepDir, List<PlannedRun> todo, SweepOptions options, ISweepProgress? progress)
    {
        var failures = new List<SweepFailure>();
        foreach (var run in todo)
        {
            var clock = Stopwatch.StartNew();
            progress?.RunStarted(run, Status(sweepDir, run).EpochsDone);
            var perRun = new EpochReporter(run, options.RunProgress?.Invoke(run), progress);
            try
            {
                var s = RunOne(sweepDir, run, perRun, options.Threads);
                progress?.RunCompleted(run, s.FinalTestAccuracy, s.FinalMeanQuantizationError, clock.Elapsed);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                progress?.RunFailed(run, e.Message.Split('\n')[0], null);
                if (e is FileNotFoundException or DirectoryNotFoundException or DataFormatException) throw;
                failures.Add(new SweepFailure(run, e.Message.Split('\n')[0], e is TrainingDivergedException));
            }
        }
        return failures;
    }

    /// <summary>Passes batches to the run's own progress and epochs to both it and the sweep's.</summary>
    sealed class EpochReporter(PlannedRun run, ITrainingProgress? inner, ISweepProgress? sweep) : ITrainingProgress
    {
        public void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy) =>
            inner?.OnBatch(epoch, epochs, batch, batches, meanLoss, accuracy);

        public void OnEpoch(EpochMetrics metrics, int epochs)
        {
            inner?.OnEpoch(metrics, epochs);
            sweep?.RunProgress(run, metrics.Epoch, epochs, metrics.TestAccuracy);
        }
    }

    /// <summary>A run being trained by a child process, with its log and the last seen write time of its checkpoint.</summary>
    sealed record Child(PlannedRun Run, Process Process, StreamWriter Log, string LogPath, Stopwatch Clock)
    {
        public DateTime CheckpointWritten { get; set; }
    }

    static List<SweepFailure> RunInChildren(string sweepDir, List<PlannedRun> todo, SweepOptions options, ISweepProgress? progress)
    {
        var worker = options.Worker ?? SweepWorker.Find();
        var logs = Path.Combine(sweepDir, LogsFolder);
        Directory.CreateDirectory(logs);
        int threads = options.Threads > 0 ? options.Threads : Math.Max(1, Environment.ProcessorCount / options.Jobs);
        var queue = new Queue<PlannedRun>(todo);
        var running = new List<Child>();
        var failures = new List<SweepFailure>();
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                while (running.Count < options.Jobs && queue.Count > 0)
                {
                    var run = queue.Dequeue();
                    int done = Status(sweepDir, run).EpochsDone;
                    var p = Process.Start(worker.StartInfo(sweepDir, run, threads))!;
                    var logPath = Path.Combine(logs, run.Id + ".log");
                    var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
                    p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
                    p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
                    p.BeginOutputReadLine();
                    p.BeginErrorReadLine();
                    running.Add(new Child(run, p, log, logPath, Stopwatch.StartNew()));
                    progress?.RunStarted(run, done);
                }
                Thread.Sleep(500);
                foreach (var child in running.ToList())
                {
                    var run = child.Run;
                    if (!child.Process.HasExited)
                    {
                        // Read the checkpoint's state only when the file changed: it holds every finished epoch's metrics.
                        var ckpt = Path.Combine(RunFolder(sweepDir, run), RunFiles.Checkpoint);
                        var written = File.GetLastWriteTimeUtc(ckpt);
                        if (written == child.CheckpointWritten) continue;
                        child.CheckpointWritten = written;
                        if (progress is not null && ReadCheckpoint(ckpt) is { } state && state.IsOf(run.Config))
                            progress.RunProgress(run, state.EpochsDone, run.Config.Epochs, state.History.LastOrDefault()?.TestAccuracy);
                        continue;
                    }
                    child.Process.WaitForExit();
                    lock (child.Log) child.Log.Dispose();
                    running.Remove(child);
                    var status = Status(sweepDir, run);
                    if (child.Process.ExitCode == 0 && status.Status == RunStatus.Completed)
                        progress?.RunCompleted(run, status.Summary!.FinalTestAccuracy, status.Summary.FinalMeanQuantizationError, child.Clock.Elapsed);
                    else
                    {
                        var error = File.ReadLines(child.LogPath).LastOrDefault(l => l.StartsWith("spikekit:", StringComparison.Ordinal)) ?? $"exit code {child.Process.ExitCode}";
                        failures.Add(new SweepFailure(run, error, child.Process.ExitCode == 3));
                        progress?.RunFailed(run, error, child.LogPath);
                    }
                    child.Process.Dispose();
                }
            }
        }
        finally
        {
            foreach (var child in running)
            {
                try { child.Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                lock (child.Log) child.Log.Dispose();
            }
        }
        return failures;
    }

    /// <summary>The state of a checkpoint a child is writing, or null while it cannot be read (not there yet, being replaced).</summary>
    static CheckpointState? ReadCheckpoint(string checkpoint)
    {
        try { return Checkpoint.ReadState(checkpoint); }
        catch (Exception e) when (e is InvalidDataException or IOException) { return null; }
    }

    /// <summary>Appends one line to the sweep log: UTC time, event, run id, details.</summary>
    public static void Log(string sweepDir, string evt, PlannedRun run, string details)
    {
        var line = System.Text.Encoding.UTF8.GetBytes($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {evt} {run.Id} [{run.Index}] {details}\n");
        // Several processes append to one log (child processes, array tasks). FileMode.Append only seeks to the end when the
        // file is opened, so two writers could overwrite each other's line: each appends while holding the file alone.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using var f = new FileStream(Path.Combine(sweepDir, LogFile), FileMode.Append, FileAccess.Write, FileShare.None);
                f.Write(line);
                return;
            }
            catch (IOException) when (attempt < 200) { Thread.Sleep(10); }
        }
    }

    static FileStream AcquireLock(string sweepDir, PlannedRun run)
    {
        var path = Path.Combine(RunFolder(sweepDir, run), RunFiles.Lock);
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
