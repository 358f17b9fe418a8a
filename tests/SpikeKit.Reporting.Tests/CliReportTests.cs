using System.Diagnostics;

namespace SpikeKit.Reporting.Tests;

/// <summary><c>spikekit report</c> and <c>spikekit sweep</c> as a user runs them.</summary>
public class CliReportTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-clireport-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string tfm = dir.Name, configuration = dir.Parent!.Name;
        var root = dir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Research.sln"))) root = root.Parent;
        var dll = Path.Combine(root!.FullName, "lib", "SpikeKit.Cli", "bin", configuration, tfm, "SpikeKit.Cli.dll");
        Assert.True(File.Exists(dll), $"{dll} not built");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)));
        return (p.ExitCode, o.Result, e.Result);
    }

    [Fact]
    public void ReportWritesMarkdownAndChartsForAnAblationFolder()
    {
        ResultFolder.WriteAblation(_dir);
        var r = Cli("report", _dir, "--out", Path.Combine(_dir, "rep"));
        Assert.True(r.Code == 0, r.Err);
        Assert.True(File.Exists(Path.Combine(_dir, "rep", "report.md")));
        Assert.Equal(7, Directory.GetFiles(Path.Combine(_dir, "rep", "charts"), "*.html").Length);
        Assert.Contains("report.md", r.Out);
    }

    [Fact]
    public void ReportOfAMissingFolderIsOneLine()
    {
        var r = Cli("report", Path.Combine(_dir, "nope"));
        Assert.Equal(2, r.Code);
        Assert.Contains("no such folder", r.Err);
    }

    [Fact]
    public void SweepVariesOneOptionThenReports()
    {
        var outDir = Path.Combine(_dir, "sweep");
        var r = Cli("sweep", "--vary", "rmp-clip=true,false", "--dataset", "synthetic", "--train-limit", "64", "--test-limit", "32",
            "--epochs", "1", "--batch-size", "32", "--width", "0.25", "--timesteps", "2", "--threads", "1", "--quiet", "true", "--out", outDir);
        Assert.True(r.Code == 0, r.Err);
        // One sweep folder: sweep.json and a run folder per value, each run's config holding its value.
        var plan = SpikeKit.Experiments.SweepRunner.LoadPlan(outDir);
        Assert.Equal([true, false], plan.Runs.Select(run => run.Config.RmpClip));
        Assert.All(plan.Runs, run => Assert.True(File.Exists(Path.Combine(outDir, run.Id, "summary.json"))));
        Assert.Contains("| rmpClip | all |", r.Out);   // the paper table: a row per value
        Assert.Contains("| false | ", r.Out);
        var bad = Cli("sweep", "--vary", "nonsense=1,2", "--dataset", "synthetic");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--vary: unknown setting 'nonsense'", bad.Err);
        var rep = Cli("report", outDir);
        Assert.True(rep.Code == 0, rep.Err);
        Assert.Contains("| rmpClip=false |", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }
}
