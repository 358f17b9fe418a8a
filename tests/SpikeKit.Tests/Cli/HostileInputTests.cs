using SpikeKit.Runs;
using SpikeKit.Tests.Data;

namespace SpikeKit.Tests.Cli;

/// <summary>
/// The README's promise under attack, one test per case that once broke it: one line naming the file or option, the
/// documented exit code, nothing half-written, earlier results never lost.
/// </summary>
public class HostileInputTests() : TempFolderTests("spikekit-hostile-")
{
    static readonly string[] Small = ["--dataset", "synthetic", "--train-limit", "64", "--test-limit", "32", "--batch-size", "32",
        "--width", "0.25", "--timesteps", "2", "--quiet"];

    /// <summary>A small synthetic run, one epoch on one thread unless <paramref name="more"/> says otherwise (an option may be given once).</summary>
    static string[] Tiny(params string[] more) =>
        [.. Small, .. more.Contains("--epochs") ? [] : new[] { "--epochs", "1" }, .. more.Contains("--threads") ? [] : new[] { "--threads", "1" }, .. more];

    [Fact]
    public void AHugeSyntheticSetIsRefusedBeforeAnythingIsAllocated()
    {
        var r = CliRunner.Run("train", "--dataset", "synthetic", "--train-limit", "100000000", "--out", Path.Combine(Dir, "huge"));
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("spikekit: --train-limit: a synthetic set of 100000000 + 256 images of 1x28x28 needs about 2508.8 GB to build; half of this machine", line);
        Assert.Contains("allows at most", line);
        Assert.False(Directory.Exists(Path.Combine(Dir, "huge")));
    }

    [Fact]
    public void ThreadsAndJobsAreBoundedByTheMachine()
    {
        int cores = Environment.ProcessorCount;
        var r = CliRunner.Run(["train", .. Tiny("--threads", "10000", "--out", Path.Combine(Dir, "t"))]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"spikekit: --threads: must be at most {cores} (the logical cores of this machine), got 10000"], r.ErrorLines);
        r = CliRunner.Run(["ablate", .. Tiny("--jobs", "100000", "--out", Path.Combine(Dir, "j"))]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"spikekit: --jobs: must be in 1..{cores} (the logical cores of this machine), got 100000"], r.ErrorLines);
        Assert.False(Directory.Exists(Path.Combine(Dir, "j", "baseline-s0")));
    }

    [Fact]
    public void TrainIntoAnExistingRunFolderNeverLosesIt()
    {
        var dir = Path.Combine(Dir, "run");
        var first = CliRunner.Run(["train", .. Tiny("--out", dir)]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var summary = File.ReadAllText(Path.Combine(dir, RunFiles.Summary));
        // The same config again (other threads: not part of what it computes): complete, nothing trained, nothing rewritten.
        var same = CliRunner.Run(["train", .. Tiny("--threads", "2", "--out", dir)]);
        Assert.Equal(0, same.ExitCode);
        Assert.Contains("already complete with this config; nothing trained", same.Stderr);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(dir, RunFiles.Summary)));
        // Another config: refused with the way out, the earlier results untouched.
        var other = CliRunner.Run(["train", .. Tiny("--lr", "0.05", "--out", dir)]);
        Assert.Equal(2, other.ExitCode);
        Assert.Equal([$"spikekit: --out: {dir} holds the results of another run; pass --overwrite to replace them, or another --out"], other.ErrorLines);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(dir, RunFiles.Summary)));
        // --overwrite replaces them.
        var replaced = CliRunner.Run(["train", .. Tiny("--lr", "0.05", "--overwrite", "--out", dir)]);
        Assert.True(replaced.ExitCode == 0, replaced.Stderr);
        Assert.Equal(0.05, RunSummary.Load(Path.Combine(dir, RunFiles.Summary)).Config.Lr);
    }

    /// <summary>A Fashion-MNIST-style folder of 8 images per split, with <paramref name="damage"/> applied.</summary>
    string Idx(string name, Action<string> damage)
    {
        var dir = Path.Combine(Dir, name);
        Directory.CreateDirectory(dir);
        foreach (var split in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(dir, $"{split}-images-idx3-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx3(8, 28, 28, TempDataDir.Pattern(8, 28, 28))));
            File.WriteAllBytes(Path.Combine(dir, $"{split}-labels-idx1-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx1([0, 1, 2, 3, 4, 5, 6, 7])));
        }
        damage(dir);
        return dir;
    }

    CliRunner.Result TrainOn(string dataDir) =>
        CliRunner.Run("train", "--dataset", "fashion-mnist", "--data-dir", dataDir, "--epochs", "1", "--width", "0.25", "--timesteps", "2",
            "--threads", "1", "--quiet", "--out", Path.Combine(Dir, "out-" + Path.GetFileName(dataDir)));

    [Fact]
    public void AnIdxFileWithoutImagesIsRefused()
    {
        var dir = Idx("empty", d =>
        {
            File.WriteAllBytes(Path.Combine(d, "train-images-idx3-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx3(0, 28, 28, [])));
            File.WriteAllBytes(Path.Combine(d, "train-labels-idx1-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx1([])));
        });
        var r = TrainOn(dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal([$"spikekit: {Path.Combine(dir, "train-images-idx3-ubyte.gz")}: holds no images"], r.ErrorLines);
        Assert.Equal(RunStatus.Failed, RunSummary.Load(Path.Combine(Dir, "out-empty", RunFiles.Summary)).Status);
    }

    [Fact]
    public void AnIdxFileOfTheWrongGeometryNamesTheFileAndTheExpectedShape()
    {
        var dir = Idx("geometry", d =>
            File.WriteAllBytes(Path.Combine(d, "train-images-idx3-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx3(8, 784, 1, TempDataDir.Pattern(8, 784, 1)))));
        var r = TrainOn(dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal([$"spikekit: {Path.Combine(dir, "train-images-idx3-ubyte.gz")}: holds 784x1-pixel images; fashion-mnist images are 28x28"], r.ErrorLines);
    }

    [Fact]
    public void AFileWhereAFolderBelongsIsSaidSo()
    {
        var file = Path.Combine(Dir, "a-file");
        File.WriteAllText(file, "x");
        var r = CliRunner.Run(["train", .. Tiny("--out", file)]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"spikekit: --out: {file} is a file, not a folder"], r.ErrorLines);
        r = CliRunner.Run(["ablate", .. Tiny("--out", file)]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"spikekit: --out: {file} is a file, not a folder"], r.ErrorLines);
        r = CliRunner.Run("train", "--dataset", "fashion-mnist", "--data-dir", file, "--quiet", "--out", Path.Combine(Dir, "d"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal([$"spikekit: {file}: a file, not a folder of fashion-mnist files (--data-dir)"], r.ErrorLines);
        Assert.Equal("x", File.ReadAllText(file));
    }

    /// <summary>A finished run folder whose <paramref name="file"/> is then broken by <paramref name="damage"/>.</summary>
    string Broken(string name, string file, Func<string, string> damage)
    {
        var dir = Path.Combine(Dir, name);
        var r = CliRunner.Run(["train", .. Tiny("--out", dir)]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var path = Path.Combine(dir, file);
        File.WriteAllText(path, damage(File.ReadAllText(path)));
        return path;
    }

    [Fact]
    public void ReportRefusesBrokenFilesOfAFinishedRun()
    {
        var shortRow = Broken("short", RunFiles.Layers, t => t.TrimEnd('\n') + "\n1,0,x\n");
        var nonNumeric = Broken("nan", RunFiles.Metrics, t => t.Replace("\n1,0.1,", "\n1,abc,"));
        var empty = Broken("empty", RunFiles.Metrics, _ => "");
        var cut = Broken("cut", RunFiles.Histograms, t => t[..(t.Length - 7)]);
        foreach (var (path, expected) in new[]
                 {
                     (shortRow, $"{shortRow}:4: 3 fields, expected 12"),
                     (nonNumeric, $"{nonNumeric}:2: 'abc' is not a number"),
                     (empty, $"{empty}: empty (no header line) in a finished run"),
                     (cut, $"{cut}:161: "),
                 })
        {
            var r = CliRunner.Run("report", Path.GetDirectoryName(path)!);
            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("spikekit: " + expected, Assert.Single(r.ErrorLines));
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "report.md")));
        }
    }

    [Fact]
    public void ReportOfAHalfFinishedRunSaysItIsIncomplete()
    {
        var dir = Path.Combine(Dir, "half");
        var r = CliRunner.Run(["train", .. Tiny("--epochs", "2", "--out", dir)]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        File.Delete(Path.Combine(dir, RunFiles.Summary)); // as if killed before its summary was written
        var rep = CliRunner.Run("report", dir);
        Assert.Equal(0, rep.ExitCode);
        var note = Assert.Single(rep.ErrorLines);
        Assert.Contains("note: Incomplete: 1 of 1 run(s) have no completed summary", note);
        Assert.Contains("(running, 2 epoch(s))", note);
        Assert.Contains("**Incomplete: 1 of 1 run(s)", File.ReadAllText(Path.Combine(dir, "report.md")));
    }
}
