using System.CommandLine;
using System.Globalization;
using SpikeKit.Cli.Displays;
using SpikeKit.Config;
using SpikeKit.Experiments;
using SpikeKit.Runs;

namespace SpikeKit.Cli;

/// <summary>
/// How <c>ablate</c>, <c>sweep --vary</c> and <c>sweep SPEC</c> run their plan, with the same options for all three:
/// <c>--jobs N</c>, <c>--run-index I</c> (one run, for array tasks and child processes), <c>--dry-run</c>,
/// <c>--emit slurm</c> with <c>--slurm-*</c> resources, <c>--quiet</c>. All of it is <see cref="SweepRunner"/> and
/// <see cref="SlurmScript"/>; this class only reads the options and prints.
/// </summary>
sealed class SweepExecution
{
    readonly Option<int?> _jobs = new("--jobs") { Description = "runs at a time (at most the logical cores), each in its own process with cores/N threads [1]", HelpName = "N" };
    readonly Option<int?> _runIndex = new("--run-index") { Description = "train only run I (0-based; for array jobs) and exit", HelpName = "I" };
    readonly Option<bool> _dryRun = SpikeKitCommand.Flag("--dry-run", "list the runs and their state; train nothing");
    readonly Option<string> _emit = new("--emit") { Description = "slurm: write SWEEP/sweep.sbatch, a Slurm array with one task per unfinished run, and exit", HelpName = "slurm" };
    readonly Option<int?> _slurmCpus = new("--slurm-cpus") { Description = "cores (and threads) per task [2]", HelpName = "N" };
    readonly Option<int?> _slurmMem = new("--slurm-mem") { Description = "memory per task in MiB [4096]", HelpName = "MB" };
    readonly Option<string> _slurmTime = new("--slurm-time") { Description = "time limit per task [24:00:00]", HelpName = "T" };
    readonly Option<int?> _slurmMaxParallel = new("--slurm-max-parallel") { Description = "most tasks at once (0 = no cap) [8]", HelpName = "K" };
    readonly Option<string> _slurmPartition = new("--slurm-partition") { Description = "partition [cluster default]", HelpName = "P" };
    readonly Option<int?> _slurmGpus = new("--slurm-gpus") { Description = "GPUs per task (use with --device cuda or auto) [0]", HelpName = "N" };
    readonly Option<bool> _quiet = SpikeKitCommand.Flag("--quiet", "no progress display (completion lines only)");

    public SweepExecution(Command command)
    {
        _emit.CompletionSources.Add("slurm");
        foreach (var o in new Option[] { _jobs, _runIndex, _dryRun, _emit, _slurmCpus, _slurmMem, _slurmTime, _slurmMaxParallel, _slurmPartition, _slurmGpus, _quiet })
            command.Options.Add(o);
    }

    int Threads(ParseResult r) => r.GetValue<string>("--threads") is { } t ? (int)RunOptions.Get("threads").Parse(t)! : 0;

    public int Run(ParseResult r, SweepPlan plan, string sweepDir)
    {
        int threads = Threads(r), jobs = r.GetValue(_jobs) ?? 1;
        new SweepOptions(jobs, threads).Validate();
        bool quiet = r.GetValue(_quiet);
        if (r.GetValue(_dryRun)) return DryRun(plan, sweepDir);
        if (r.GetValue(_emit) is { } emit)
        {
            if (emit != "slurm") throw new ConfigException("emit", $"unknown '{emit}' (known: slurm)");
            return EmitSlurm(r, plan, sweepDir);
        }
        if (r.GetValue(_runIndex) is { } index)
        {
            if (index < 0 || index >= plan.Runs.Count) throw new ConfigException("run-index", $"must be in 0..{plan.Runs.Count - 1} (the sweep has {plan.Runs.Count} runs), got {index}");
            SweepRunner.WritePlan(sweepDir, plan);
            var run = plan.Runs[index];
            RunSummary s;
            using (var display = ConsoleDisplays.ForRun($"[{run.Id}] ", quiet))
                s = SweepRunner.RunOne(sweepDir, run, display, threads);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Id}: final test accuracy {100 * s.FinalTestAccuracy:F2}%, QE {s.FinalMeanQuantizationError:F4}; results in {SweepRunner.RunFolder(sweepDir, run)}"));
            return ExitCodes.Ok;
        }
        int done = plan.Runs.Count(run => SweepRunner.IsComplete(sweepDir, run));
        Console.Error.WriteLine($"sweep {plan.Name}: {plan.Runs.Count} runs, {done} already complete; " +
                                (jobs > 1 ? $"{jobs} at a time with {(threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount / jobs))} thread(s) each; " : "") +
                                $"results in {sweepDir}");
        SweepOutcome outcome;
        using (var display = ConsoleDisplays.ForSweep(quiet))
            outcome = SweepRunner.RunAll(sweepDir, plan, new SweepOptions(jobs, threads, RunProgress: display.ForRun), display);
        return Finish(plan, sweepDir, outcome);
    }

    static int DryRun(SweepPlan plan, string sweepDir)
    {
        var statuses = plan.Runs.Select(r => SweepRunner.Status(sweepDir, r)).ToList();
        static string Name(RunStatus s) => s == RunStatus.Completed ? "complete" : s.ToString().ToLowerInvariant();
        Console.WriteLine($"sweep {plan.Name}: {plan.Runs.Count} runs into {sweepDir} — " +
                          string.Join(", ", statuses.GroupBy(s => Name(s.Status)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")));
        Console.WriteLine($"table: rows {string.Join(" × ", plan.Table.Rows)}; columns {string.Join(" × ", plan.Table.Columns)}" +
                          (plan.Table.Baseline is { } b ? $"; Δ against {b}" : ""));
        foreach (var s in statuses)
        {
            var state = s.Status == RunStatus.Partial ? $"partial e{s.EpochsDone}" : Name(s.Status);
            var c = s.Run.Config;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Run.Index,4}  {state,-11} {s.Run.Id}  ({c.Dataset}, {c.Model} ×{c.Width}, T={c.TimeSteps}, {c.Variant}, {c.Epochs} ep, seed {c.Seed})"));
        }
        return ExitCodes.Ok;
    }

    int EmitSlurm(ParseResult r, SweepPlan plan, string sweepDir)
    {
        var d = new SlurmOptions();
        var options = new SlurmOptions(r.GetValue(_slurmCpus) ?? d.CpusPerTask, r.GetValue(_slurmMem) ?? d.MemoryMb, r.GetValue(_slurmTime) ?? d.Time,
            r.GetValue(_slurmMaxParallel) ?? d.MaxParallel, r.GetValue(_slurmPartition) ?? d.Partition, r.GetValue(_slurmGpus) ?? d.Gpus).Validate();
        if (SlurmScript.Write(sweepDir, plan, options) is not { } job)
        {
            Console.WriteLine($"sweep {plan.Name}: all {plan.Runs.Count} runs are complete in {sweepDir}; nothing to submit (spikekit report {sweepDir})");
            return ExitCodes.Ok;
        }
        Console.WriteLine($"Wrote {job.Script}: a Slurm array of {job.Indices.Count} tasks ({SlurmScript.Ranges(job.Indices)}) of sweep {plan.Name}.");
        Console.WriteLine($"Submit: sbatch {job.Script}    Then: spikekit report {sweepDir}");
        return ExitCodes.Ok;
    }

    static int Finish(SweepPlan plan, string sweepDir, SweepOutcome outcome)
    {
        var files = Reporting.ReportWriter.Write(sweepDir);
        var tables = Path.Combine(sweepDir, "tables.md");
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(File.Exists(tables) ? tables : files.Markdown));
        var incomplete = outcome.Incomplete;
        Console.WriteLine($"Results: {sweepDir} ({outcome.Runs.Count - incomplete.Count}/{outcome.Runs.Count} runs complete); report: {files.Markdown}");
        if (incomplete.Count == 0) return ExitCodes.Ok;
        Console.Error.WriteLine($"spikekit: {incomplete.Count} run(s) of sweep {plan.Name} did not complete: " +
                                string.Join(", ", incomplete.Select(s => $"[{s.Run.Index}] {s.Run.Id} ({s.Status.ToString().ToLowerInvariant()})")) +
                                $"; see {Path.Combine(sweepDir, SweepRunner.LogFile)}");
        return outcome.Failures.Any(f => f.Diverged) ? ExitCodes.Diverged : ExitCodes.Failed;
    }
}
