using System.Globalization;
using System.Text;
using SpikeKit.Config;

namespace SpikeKit.Experiments;

/// <summary>Resources of each array task of an emitted Slurm job.</summary>
/// <param name="CpusPerTask">CPU cores per task (also the run's intra-op threads).</param>
/// <param name="MemoryMb">Memory per task in MiB.</param>
/// <param name="Time">Wall-time limit per task (Slurm format, e.g. <c>24:00:00</c> or <c>2-00:00:00</c>).</param>
/// <param name="MaxParallel">Most tasks running at once (the <c>%</c> cap of <c>--array</c>); 0 = no cap.</param>
/// <param name="Partition">Partition; null = the cluster's default.</param>
/// <param name="Gpus">GPUs per task (<c>--gres=gpu:N</c>); 0 = none.</param>
public sealed record SlurmOptions(int CpusPerTask = 2, int MemoryMb = 4096, string Time = "24:00:00", int MaxParallel = 8,
    string? Partition = null, int Gpus = 0)
{
    /// <summary>Checks the values; throws <see cref="ConfigException"/> naming the option.</summary>
    public SlurmOptions Validate()
    {
        if (CpusPerTask < 1) throw new ConfigException("slurm-cpus", $"must be >= 1, got {CpusPerTask}");
        if (MemoryMb < 1) throw new ConfigException("slurm-mem", $"must be >= 1 (MiB), got {MemoryMb}");
        if (MaxParallel < 0) throw new ConfigException("slurm-max-parallel", $"must be >= 0, got {MaxParallel}");
        if (Gpus < 0) throw new ConfigException("slurm-gpus", $"must be >= 0, got {Gpus}");
        if (string.IsNullOrWhiteSpace(Time) || Time.Any(c => !(char.IsAsciiDigit(c) || c is ':' or '-')))
            throw new ConfigException("slurm-time", $"'{Time}' is not a Slurm time like 24:00:00 or 2-00:00:00");
        return this;
    }
}

/// <summary>A written Slurm array job.</summary>
/// <param name="Script">Path of <c>sweep.sbatch</c>.</param>
/// <param name="Indices">Run indices in the array.</param>
public sealed record SlurmJob(string Script, IReadOnlyList<int> Indices);

/// <summary>
/// Writes an <c>sbatch</c> array script for a sweep: one array task per run that is not complete yet, each calling
/// <c>spikekit sweep SWEEP-FOLDER --run-index $SLURM_ARRAY_TASK_ID</c> (the plan frozen in the folder's sweep.json). Tasks of complete runs are left out of the array; a
/// task that is killed (pre-emption, time limit) resumes from its last checkpoint when the script is submitted again.
/// </summary>
public static class SlurmScript
{
    /// <summary>The script text.</summary>
    /// <param name="plan">The sweep.</param>
    /// <param name="indices">Run indices to put in the array (normally the runs not complete).</param>
    /// <param name="command">The command line up to and including <c>sweep SWEEP-FOLDER</c> (absolute paths; each word
    /// already shell-quoted).</param>
    /// <param name="sweepDir">Absolute sweep folder (task logs go to its <c>slurm/</c> folder).</param>
    /// <param name="workDir">Folder the tasks start in.</param>
    /// <param name="options">Resources.</param>
    public static string Create(SweepPlan plan, IReadOnlyList<int> indices, string command, string sweepDir, string workDir, SlurmOptions options)
    {
        options.Validate();
        if (indices.Count == 0) throw new ArgumentException("indices: no runs to submit");
        var array = Ranges(indices) + (options.MaxParallel > 0 ? $"%{options.MaxParallel}" : "");
        var sb = new StringBuilder();
        sb.AppendLine("#!/bin/bash");
        sb.AppendLine($"# spikekit sweep '{plan.Name}': {indices.Count} of {plan.Runs.Count} runs as a Slurm array (written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC).");
        sb.AppendLine("# Submit with: sbatch " + Quote(Path.Combine(sweepDir, "sweep.sbatch")));
        sb.AppendLine("# Each task trains run number $SLURM_ARRAY_TASK_ID of sweep.json; complete runs are skipped and a killed task");
        sb.AppendLine("# resumes from its last epoch. When all tasks are done: spikekit report " + Quote(sweepDir));
        sb.AppendLine($"#SBATCH --job-name=spikekit-{plan.Name}");
        sb.AppendLine($"#SBATCH --array={array}");
        sb.AppendLine("#SBATCH --ntasks=1");
        sb.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={options.CpusPerTask}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --mem={options.MemoryMb}M");
        sb.AppendLine($"#SBATCH --time={options.Time}");
        sb.AppendLine($"#SBATCH --output={Path.Combine(sweepDir, "slurm", "%A_%a.out")}");
        if (options.Partition is { Length: > 0 } p) sb.AppendLine($"#SBATCH --partition={p}");
        if (options.Gpus > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --gres=gpu:{options.Gpus}");
        sb.AppendLine("set -euo pipefail");
        sb.AppendLine($"cd {Quote(workDir)}");
        sb.AppendLine($"exec {command} --run-index \"$SLURM_ARRAY_TASK_ID\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --quiet");
        return sb.ToString();
    }

    /// <summary>
    /// Writes <c>SWEEP/sweep.sbatch</c> (executable) for the runs of <paramref name="plan"/> not complete in
    /// <paramref name="sweepDir"/>, with task logs in <c>SWEEP/slurm/</c>, tasks starting in the current folder and run by
    /// <paramref name="worker"/> (default <see cref="SweepWorker.Find"/>). Returns the script's path and the run indices in the
    /// array, or null when every run is complete (nothing is written then).
    /// </summary>
    public static SlurmJob? Write(string sweepDir, SweepPlan plan, SlurmOptions options, SweepWorker? worker = null)
    {
        options.Validate();
        sweepDir = Path.GetFullPath(sweepDir);
        var pending = plan.Runs.Where(r => !SweepRunner.IsComplete(sweepDir, r)).Select(r => r.Index).ToList();
        if (pending.Count == 0) return null;
        SweepRunner.WritePlan(sweepDir, plan);
        Directory.CreateDirectory(Path.Combine(sweepDir, "slurm"));
        var command = $"{(worker ?? SweepWorker.Find()).CommandLine()} sweep {Quote(sweepDir)}";
        var path = Path.Combine(sweepDir, "sweep.sbatch");
        File.WriteAllText(path, Create(plan, pending, command, sweepDir, Environment.CurrentDirectory, options));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        return new SlurmJob(path, pending);
    }

    /// <summary>Sorted indices as Slurm ranges: 0,1,2,5,7,8 → <c>0-2,5,7-8</c>.</summary>
    public static string Ranges(IEnumerable<int> indices)
    {
        var xs = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < xs.Count;)
        {
            int j = i;
            while (j + 1 < xs.Count && xs[j + 1] == xs[j] + 1) j++;
            parts.Add(j == i ? xs[i].ToString(CultureInfo.InvariantCulture) : $"{xs[i]}-{xs[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    /// <summary>Single-quotes a word for bash when it needs it.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '=' or ':' or '+' or ',')
            ? word : "'" + word.Replace("'", "'\\''") + "'";
}
