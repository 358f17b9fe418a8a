using System.Diagnostics;
using System.Globalization;
using SpikeKit.Experiments;
using SpikeKit.Reporting;
using SpikeKit.Training;

namespace SpikeKit.Cli;

/// <summary><c>spikekit sweep SPEC</c>: runs a sweep spec (a JSON file or a shipped preset) crash-safely, in parallel, or emits it to Slurm.</summary>
static class SweepCommand
{
    public const string Help = """
        spikekit sweep SPEC [options] — run every run of a sweep spec that is not complete yet, then write the paper tables

        SPEC is a sweep spec (JSON file: base config, grid axes, include/exclude, table layout, reference numbers; see
        docs/SWEEPS.md) or a preset name: {0}.
        Each run goes to OUT/<sweep>/<run-id>/ (the id is the run's axis labels plus a hash of its full config). A run is
        complete once its summary.json is in place; complete runs are never run again; every run checkpoints after each
        epoch, so a killed sweep, run again, resumes each unfinished run from its last epoch with identical results.

        Options:
          --out DIR              results root [results]
          --jobs N               runs at a time, each in its own process with cores/N threads [1]
          --run-index I          run only run I (0-based; for array jobs) and exit
          --dry-run              list the runs and their state; train nothing
          --limit N              smoke form: at most N train and N test samples, 1 epoch, sweep name + "-limitN"
          --emit slurm           write OUT/<sweep>/sweep.sbatch, a Slurm array with one task per unfinished run, and exit
          --slurm-cpus N         cores (and threads) per task [2]
          --slurm-mem MB         memory per task in MiB [4096]
          --slurm-time T         time limit per task [24:00:00]
          --slurm-max-parallel K most tasks at once (0 = no cap) [8]
          --slurm-partition P    partition [cluster default]
          --slurm-gpus N         GPUs per task (use with --device cuda or auto) [0]
          --threads N            intra-op threads per run (0 = all cores, or cores/jobs with --jobs) [0]
          --device D             cpu, cuda or auto for every run (not part of the run id) [the spec's, else cpu]
          --quiet BOOL           no per-batch progress [false]
        """;

    sealed class Options
    {
        public string Out = "results";
        public int Jobs = 1;
        public int? RunIndex;
        public bool DryRun;
        public int? Limit;
        public string? Emit;
        public int Threads;
        public string? Device;
        public bool Quiet;
        public SlurmOptions Slurm = new();
    }

    public static int Run(string[] args)
    {
        var spec = args[0];
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, Help, string.Join(", ", SweepSpec.PresetNames)));
            return 0;
        }
        var o = ParseOptions(args[1..]);
        var sweep = SweepSpec.Load(spec);
        if (o.Limit is { } limit) sweep = sweep.WithLimit(limit);
        var plan = sweep.Expand();
        if (o.Device is { } device)
        {
            if (device is not ("cpu" or "cuda" or "auto")) throw new ConfigException("device", $"unknown '{device}' (use cpu, cuda or auto)");
            plan = plan with { Runs = plan.Runs.Select(r => r with { Config = r.Config with { Device = device } }).ToList() };
        }
        var sweepDir = Path.GetFullPath(SweepRunner.Folder(o.Out, plan));

        if (o.DryRun) return DryRun(plan, sweepDir);
        if (o.Emit is not null) return EmitSlurm(plan, sweepDir, spec, o);
        if (o.RunIndex is { } index)
        {
            if (index < 0 || index >= plan.Runs.Count) throw new ConfigException("run-index", $"must be in 0..{plan.Runs.Count - 1} (the sweep has {plan.Runs.Count} runs), got {index}");
            SweepRunner.WritePlan(sweepDir, plan);
            var run = plan.Runs[index];
            var s = SweepRunner.RunOne(sweepDir, run, o.Quiet ? null : new ConsoleProgress($"[{run.Id}] "), o.Threads);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Id}: final test accuracy {100 * s.FinalTestAccuracy:F2}%, QE {s.FinalMeanQuantizationError:F4}; results in {SweepRunner.RunFolder(sweepDir, run)}"));
            return 0;
        }
        return o.Jobs > 1 ? RunParallel(plan, sweepDir, spec, o) : RunSequential(plan, sweepDir, o);
    }

    static Options ParseOptions(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--dry-run") { o.DryRun = true; continue; }
            string key = a, value;
            int eq = a.IndexOf('=');
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{a}' (one SPEC per sweep)");
            if (eq > 0) { key = a[..eq]; value = a[(eq + 1)..]; }
            else if (i + 1 < args.Length) value = args[++i];
            else throw new UsageException($"{a} needs a value");
            switch (key)
            {
                case "--out": o.Out = value; break;
                case "--jobs": o.Jobs = Positive("--jobs", value); break;
                case "--run-index": o.RunIndex = CliOption.Int("--run-index", value); break;
                case "--limit": o.Limit = Positive("--limit", value); break;
                case "--emit":
                    if (value != "slurm") throw new ConfigException("emit", $"unknown '{value}' (known: slurm)");
                    o.Emit = value; break;
                case "--threads": o.Threads = CliOption.Int("--threads", value); if (o.Threads < 0) throw new ConfigException("threads", "must be >= 0"); break;
                case "--device": o.Device = value; break;
                case "--quiet": o.Quiet = CliOption.Bool("--quiet", value); break;
                case "--slurm-cpus": o.Slurm = o.Slurm with { CpusPerTask = CliOption.Int(key, value) }; break;
                case "--slurm-mem": o.Slurm = o.Slurm with { MemoryMb = CliOption.Int(key, value) }; break;
                case "--slurm-time": o.Slurm = o.Slurm with { Time = value }; break;
                case "--slurm-max-parallel": o.Slurm = o.Slurm with { MaxParallel = CliOption.Int(key, value) }; break;
                case "--slurm-partition": o.Slurm = o.Slurm with { Partition = value }; break;
                case "--slurm-gpus": o.Slurm = o.Slurm with { Gpus = CliOption.Int(key, value) }; break;
                default: throw new UsageException($"unknown option '{key}' for sweep SPEC (see spikekit sweep --help)");
            }
        }
        o.Slurm.Validate();
        return o;
    }

    static int Positive(string option, string value)
    {
        int v = CliOption.Int(option, value);
        return v >= 1 ? v : throw new ConfigException(option, $"must be >= 1, got {v}");
    }

    static int DryRun(SweepPlan plan, string sweepDir)
    {
        var statuses = plan.Runs.Select(r => SweepRunner.Status(sweepDir, r)).ToList();
        Console.WriteLine($"sweep {plan.Name}: {plan.Runs.Count} runs into {sweepDir} — " +
                          string.Join(", ", statuses.GroupBy(s => s.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}")));
        Console.WriteLine($"table: rows {string.Join(" × ", plan.Table.Rows)}; columns {string.Join(" × ", plan.Table.Columns)}" +
                          (plan.Table.Baseline is { } b ? $"; Δ against {b}" : ""));
        foreach (var s in statuses)
        {
            var state = s.State == "partial" ? $"partial e{s.EpochsDone}" : s.State;
            var c = s.Run.Config;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Run.Index,4}  {state,-11} {s.Run.Id}  ({c.Dataset}, {c.Model} ×{c.Width}, T={c.TimeSteps}, {c.Variant}, {c.Epochs} ep, seed {c.Seed})"));
        }
        return 0;
    }

    /// <summary>The command that starts this program again (the apphost, or dotnet plus this assembly).</summary>
    static string[] Self()
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell how this program was started");
        return Path.GetFileNameWithoutExtension(exe) == "dotnet" ? [exe, typeof(SweepCommand).Assembly.Location] : [exe];
    }

    /// <summary>The words every child or array task needs: sweep SPEC --out ROOT plus the options that change the plan.</summary>
    static List<string> ChildArgs(string spec, Options o)
    {
        var args = new List<string> { "sweep", File.Exists(spec) ? Path.GetFullPath(spec) : spec, "--out", Path.GetFullPath(o.Out) };
        if (o.Limit is { } l) args.AddRange(["--limit", l.ToString(CultureInfo.InvariantCulture)]);
        if (o.Device is { } d) args.AddRange(["--device", d]);
        return args;
    }

    static int EmitSlurm(SweepPlan plan, string sweepDir, string spec, Options o)
    {
        var pending = plan.Runs.Where(r => !SweepRunner.IsComplete(sweepDir, r)).Select(r => r.Index).ToList();
        if (pending.Count == 0)
        {
            Console.WriteLine($"sweep {plan.Name}: all {plan.Runs.Count} runs are complete in {sweepDir}; nothing to submit (spikekit report {sweepDir})");
            return 0;
        }
        SweepRunner.WritePlan(sweepDir, plan);
        Directory.CreateDirectory(Path.Combine(sweepDir, "slurm"));
        var command = string.Join(" ", Self().Concat(ChildArgs(spec, o)).Select(SlurmScript.Quote));
        var script = SlurmScript.Create(plan, pending, command, sweepDir, Environment.CurrentDirectory, o.Slurm);
        var path = Path.Combine(sweepDir, "sweep.sbatch");
        File.WriteAllText(path, script);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        Console.WriteLine($"Wrote {path}: a Slurm array of {pending.Count} tasks ({SlurmScript.Ranges(pending)}) of sweep {plan.Name}.");
        Console.WriteLine($"Submit: sbatch {path}    Then: spikekit report {sweepDir}");
        return 0;
    }

    static int RunSequential(SweepPlan plan, string sweepDir, Options o)
    {
        int n = plan.Runs.Count, done = plan.Runs.Count(r => SweepRunner.IsComplete(sweepDir, r));
        Console.Error.WriteLine($"sweep {plan.Name}: {n} runs, {done} already complete; results in {sweepDir}");
        var failures = new List<(PlannedRun Run, Exception Error)>();
        var statuses = SweepRunner.RunAll(sweepDir, plan,
            o.Quiet ? null : r => new ConsoleProgress($"[{r.Index + 1}/{n} {r.Id}] "), o.Threads,
            (r, e) =>
            {
                // Missing or malformed data fails every run the same way: stop at the first, with its one line.
                if (e is FileNotFoundException or DirectoryNotFoundException or Data.DataFormatException) throw e;
                failures.Add((r, e));
                Console.Error.WriteLine($"spikekit: run {r.Index} {r.Id} failed: {e.Message.Split('\n')[0]}");
            });
        return Finish(plan, sweepDir, statuses, failures.Any(f => f.Error is TrainingDivergedException) ? 3 : 1);
    }

    static int RunParallel(SweepPlan plan, string sweepDir, string spec, Options o)
    {
        SweepRunner.WritePlan(sweepDir, plan);
        var logs = Path.Combine(sweepDir, "logs");
        Directory.CreateDirectory(logs);
        int threads = o.Threads > 0 ? o.Threads : Math.Max(1, Environment.ProcessorCount / o.Jobs);
        var queue = new Queue<PlannedRun>(plan.Runs.Where(r => !SweepRunner.IsComplete(sweepDir, r)));
        int total = queue.Count;
        Console.Error.WriteLine($"sweep {plan.Name}: {plan.Runs.Count} runs, {plan.Runs.Count - total} already complete; " +
                                $"{o.Jobs} at a time with {threads} thread(s) each; results in {sweepDir}, logs in {logs}");
        var running = new List<Child>();
        var self = Self();
        int finished = 0;
        var durations = new List<double>();
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                while (running.Count < o.Jobs && queue.Count > 0)
                {
                    var run = queue.Dequeue();
                    var psi = new ProcessStartInfo(self[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                    foreach (var a in self.Skip(1).Concat(ChildArgs(spec, o))) psi.ArgumentList.Add(a);
                    foreach (var a in new[] { "--run-index", run.Index.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--quiet", "true" })
                        psi.ArgumentList.Add(a);
                    var p = Process.Start(psi)!;
                    var log = new StreamWriter(Path.Combine(logs, run.Id + ".log"), append: true) { AutoFlush = true };
                    p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
                    p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
                    p.BeginOutputReadLine();
                    p.BeginErrorReadLine();
                    running.Add(new Child(run, p, log, Stopwatch.StartNew()));
                    Console.Error.WriteLine($"started  [{run.Index}] {run.Id} (pid {p.Id})");
                }
                Thread.Sleep(500);
                foreach (var child in running.ToList())
                {
                    var (run, p, log, clock) = (child.Run, child.Process, child.Log, child.Clock);
                    if (!p.HasExited)
                    {
                        // Read the checkpoint's state only when the file changed: it holds every finished epoch's metrics.
                        var ckpt = Path.Combine(SweepRunner.RunFolder(sweepDir, run), Checkpoint.FileName);
                        var written = File.GetLastWriteTimeUtc(ckpt);
                        if (written == child.CheckpointWritten) continue;
                        child.CheckpointWritten = written;
                        var st = SweepRunner.Status(sweepDir, run);
                        if (st.State == "partial")
                            Console.Error.WriteLine($"         [{run.Index}] {run.Id}: epoch {st.EpochsDone}/{run.Config.Epochs} done");
                        continue;
                    }
                    p.WaitForExit();
                    log.Dispose();
                    running.Remove(child);
                    finished++;
                    var status = SweepRunner.Status(sweepDir, run);
                    if (p.ExitCode == 0 && status.State == "complete")
                    {
                        durations.Add(clock.Elapsed.TotalSeconds);
                        double eta = durations.Average() * (queue.Count + running.Count) / o.Jobs;
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"finished [{run.Index}] {run.Id}: {100 * status.Summary!.FinalTestAccuracy:F2}% in {clock.Elapsed.TotalSeconds:F0} s  ({finished}/{total}, ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss})"));
                    }
                    else
                    {
                        var tail = File.ReadLines(Path.Combine(logs, run.Id + ".log")).LastOrDefault(l => l.StartsWith("spikekit:", StringComparison.Ordinal)) ?? $"exit code {p.ExitCode}";
                        Console.Error.WriteLine($"FAILED   [{run.Index}] {run.Id}: {tail} (log: {Path.Combine(logs, run.Id + ".log")})");
                    }
                    p.Dispose();
                }
            }
        }
        finally
        {
            foreach (var child in running)
            {
                try { child.Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                child.Log.Dispose();
            }
        }
        var statuses = plan.Runs.Select(r => SweepRunner.Status(sweepDir, r)).ToList();
        return Finish(plan, sweepDir, statuses, 1);
    }

    /// <summary>A run being trained by a child process, with its log and the last seen write time of its checkpoint.</summary>
    sealed record Child(PlannedRun Run, Process Process, StreamWriter Log, Stopwatch Clock)
    {
        public DateTime CheckpointWritten { get; set; }
    }

    static int Finish(SweepPlan plan, string sweepDir, IReadOnlyList<SweepRunStatus> statuses, int failCode)
    {
        var incomplete = statuses.Where(s => s.State != "complete").ToList();
        var files = ReportWriter.Write(sweepDir);
        var tables = Path.Combine(sweepDir, "tables.md");
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(File.Exists(tables) ? tables : files.Markdown));
        Console.WriteLine($"Results: {sweepDir} ({statuses.Count - incomplete.Count}/{statuses.Count} runs complete); report: {files.Markdown}");
        if (incomplete.Count == 0) return 0;
        Console.Error.WriteLine($"spikekit: {incomplete.Count} run(s) of sweep {plan.Name} did not complete: " +
                                string.Join(", ", incomplete.Select(s => $"[{s.Run.Index}] {s.Run.Id} ({s.State})")) + $"; see {Path.Combine(sweepDir, SweepRunner.LogFile)}");
        return failCode;
    }
}
