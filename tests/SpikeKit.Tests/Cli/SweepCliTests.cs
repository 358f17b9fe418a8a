using System.Diagnostics;
using SpikeKit.Experiments;
using SpikeKit.Reporting;
using SpikeKit.Training;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Cli;

/// <summary>
/// <c>spikekit sweep SPEC</c> end to end: a sweep killed with SIGKILL mid-run and started again completes every run exactly
/// once and ends in the table of an uninterrupted sweep; malformed specs give one line naming the JSON path; Slurm emission,
/// dry runs and single array tasks.
/// </summary>
public class SweepCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string WriteSpec(int epochs = 5, int trainLimit = 256)
    {
        var path = Path.Combine(_dir, "kill.json");
        File.WriteAllText(path, $$"""
            {
              "name": "kill",
              "base": { "dataset": "synthetic", "trainLimit": {{trainLimit}}, "testLimit": 64, "epochs": {{epochs}}, "batchSize": 32,
                        "width": 0.25, "timeSteps": 2 },
              "grid": { "variant": ["baseline", "rmp"], "seed": [0, 1] }
            }
            """);
        return path;
    }

    [Fact]
    public void SigkilledSweepResumesAndEndsInTheUninterruptedTable()
    {
        var spec = WriteSpec();
        string killedRoot = Path.Combine(_dir, "killed"), wholeRoot = Path.Combine(_dir, "whole");
        string killed = Path.Combine(killedRoot, "kill"), whole = Path.Combine(wholeRoot, "kill");

        // Start the sweep (2 runs at a time, 1 thread each) and SIGKILL it, children included, as soon as a run is mid-way.
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { CliRunner.CliDll(), "sweep", spec, "--out", killedRoot, "--jobs", "2" }) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!(Directory.Exists(killed) && Directory.EnumerateFiles(killed, RunFiles.Checkpoint, SearchOption.AllDirectories).Any()))
            {
                Assert.False(p.HasExited, "the sweep ended before any checkpoint appeared");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no checkpoint within 3 minutes");
                Thread.Sleep(20);
            }
            p.Kill(entireProcessTree: true); // SIGKILL on Linux
            p.WaitForExit();
        }
        var plan = SweepPlan.Load(Path.Combine(killed, SweepPlan.FileName));
        Assert.Equal(4, plan.Runs.Count);
        var before = plan.Runs.Select(r => SweepRunner.Status(killed, r)).ToList();
        Assert.Contains(before, s => s.Status == RunStatus.Partial);
        Assert.Contains(before, s => s.Status != RunStatus.Completed);

        var resumed = CliRunner.Run("sweep", spec, "--out", killedRoot, "--jobs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var uninterrupted = CliRunner.Run("sweep", spec, "--out", wholeRoot, "--jobs", "2");
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Stderr);

        var log = File.ReadAllLines(Path.Combine(killed, SweepRunner.LogFile));
        foreach (var run in plan.Runs)
        {
            Assert.Single(log, l => l.Contains($" completed {run.Id} "));
            var summary = RunSummary.Load(Path.Combine(killed, run.Id, "summary.json")); // parses: never partial
            Assert.Equal(RunStatus.Completed, summary.Status);
            Assert.Equal(5, summary.EpochsCompleted);
            Assert.Equal(File.ReadAllText(Path.Combine(whole, run.Id, "metrics.csv")), File.ReadAllText(Path.Combine(killed, run.Id, "metrics.csv")));
            Assert.False(File.Exists(Path.Combine(killed, run.Id, RunFiles.Checkpoint)));
        }
        Assert.Contains(log, l => l.Contains(" resumed "));
        Assert.Empty(Directory.EnumerateFiles(killed, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "tables.md")), File.ReadAllText(Path.Combine(killed, "tables.md")));

        // Run again: nothing is trained twice.
        var again = CliRunner.Run("sweep", spec, "--out", killedRoot);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(log.Length, File.ReadAllLines(Path.Combine(killed, SweepRunner.LogFile)).Length);
    }

    [Theory]
    [InlineData("""{ "grid": { "variant": ["baseline"], "colour": ["red"] } }""", "$.grid.colour[0]")]
    [InlineData("""{ "grid": { "timeSteps": [2, "4"] } }""", "$.grid.timeSteps[1]")]
    [InlineData("""{ "grid": { } }""", "$.grid")]
    public void MalformedSpecIsOneLineNamingTheJsonPath(string json, string path)
    {
        var spec = Path.Combine(_dir, "bad.json");
        File.WriteAllText(spec, json);
        var r = CliRunner.Run("sweep", spec, "--out", _dir);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"spikekit: {spec}: {path}: ", line);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void MissingSpecAndBadRunIndexAreOneLine()
    {
        var r = CliRunner.Run("sweep", Path.Combine(_dir, "nope.json"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope.json: no such file", Assert.Single(r.ErrorLines));
        var bad = CliRunner.Run("sweep", WriteSpec(), "--out", _dir, "--run-index", "4");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--run-index: must be in 0..3", Assert.Single(bad.ErrorLines));
    }

    [Fact]
    public void MissingDataStopsTheSweepAtTheFirstRunWithOneLine()
    {
        var spec = Path.Combine(_dir, "nodata.json");
        File.WriteAllText(spec, $$"""{ "base": { "dataset": "mnist", "dataDir": "{{_dir}}/none", "epochs": 1 }, "grid": { "seed": [0, 1, 2] } }""");
        var r = CliRunner.Run("sweep", spec, "--out", _dir);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.Contains($"{_dir}/none/train-images-idx3-ubyte", line);
        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "nodata", SweepRunner.LogFile)), l => l.Contains(" failed "));
    }

    [Fact]
    public void EmitSlurmDryRunAndArrayTask()
    {
        var spec = WriteSpec(epochs: 1, trainLimit: 64);
        var sweep = Path.Combine(_dir, "kill");
        var emit = CliRunner.Run("sweep", spec, "--out", _dir, "--emit", "slurm", "--slurm-cpus", "1", "--slurm-max-parallel", "2", "--slurm-time", "0:30:00");
        Assert.True(emit.ExitCode == 0, emit.Stderr);
        var script = File.ReadAllText(Path.Combine(sweep, "sweep.sbatch"));
        Assert.Contains("#SBATCH --array=0-3%2\n", script);
        Assert.Contains("#SBATCH --cpus-per-task=1\n", script);
        Assert.Contains("#SBATCH --time=0:30:00\n", script);
        // Every task runs one run of the plan frozen in the sweep folder.
        Assert.Contains($"sweep {sweep} --run-index \"$SLURM_ARRAY_TASK_ID\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --quiet\n", script);
        using (var bash = Process.Start(new ProcessStartInfo("bash", ["-n", Path.Combine(sweep, "sweep.sbatch")]) { UseShellExecute = false })!)
        {
            bash.WaitForExit();
            Assert.Equal(0, bash.ExitCode);
        }

        // One array task, as Slurm would start it, then the dry run and the next emission see it complete.
        var task = CliRunner.Run("sweep", sweep, "--run-index", "2", "--threads", "1", "--quiet");
        Assert.True(task.ExitCode == 0, task.Stderr);
        var dry = CliRunner.Run("sweep", spec, "--out", _dir, "--dry-run");
        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("4 runs", dry.Stdout);
        Assert.Contains("1 complete, 3 pending", dry.Stdout);
        Assert.Matches(@"\n\s+2  complete\s+rmp-s0-", dry.Stdout);
        Assert.True(CliRunner.Run("sweep", spec, "--out", _dir, "--emit", "slurm").ExitCode == 0);
        Assert.Contains("#SBATCH --array=0-1,3%8\n", File.ReadAllText(Path.Combine(sweep, "sweep.sbatch")));
    }
}
