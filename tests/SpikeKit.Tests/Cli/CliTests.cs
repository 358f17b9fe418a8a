using SpikeKit.Reporting;
using SpikeKit.Tests.Data;
using SpikeKit.Config;
using SpikeKit.Runs;
using SpikeKit.Experiments;

namespace SpikeKit.Tests.Cli;

/// <summary>The <c>spikekit</c> command end to end: outputs, determinism, and one clear line for each bad input.</summary>
public class CliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly string[] Quick = ["--epochs", "1", "--batch-size", "32", "--width", "0.25", "--timesteps", "2", "--threads", "1", "--quiet", "true"];

    [Fact]
    public void TrainWritesEveryResultFile()
    {
        var out1 = Path.Combine(_dir, "run");
        var r = CliRunner.Run(["train", "--dataset", "synthetic", "--train-limit", "128", "--test-limit", "64", "--variant", "rmp", "--out", out1, .. Quick]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var f in new[] { "metrics.csv", "layers.csv", "histograms.csv", "timing.csv", "summary.json", "model.bin", "model.json" })
            Assert.True(File.Exists(Path.Combine(out1, f)), f);
        var metrics = File.ReadAllLines(Path.Combine(out1, "metrics.csv"));
        Assert.Equal("epoch,lr,train_loss,train_task_loss,rmp_lambda,rmp_value,train_acc,test_loss,test_acc,mean_quantization_error,mean_firing_rate," +
                     "synaptic_ops,energy_uj,ann_energy_uj", metrics[0]);
        Assert.Equal(2, metrics.Length);
        Assert.Equal(1 + 2, File.ReadAllLines(Path.Combine(out1, "layers.csv")).Length);          // header + 2 layers
        Assert.Equal(1 + 2 * 80, File.ReadAllLines(Path.Combine(out1, "histograms.csv")).Length); // header + 2 layers × 80 bins
        var s = RunSummary.Load(Path.Combine(out1, "summary.json"));
        Assert.Equal(RunStatus.Completed, s.Status);
        Assert.Equal("rmp", s.Config.Variant);
        Assert.Equal(1, s.Environment.Threads);
        Assert.Equal("cpu", s.Environment.Device);
        Assert.Equal("0.107.0", s.Environment.TorchSharp);
        // Built inside a git checkout (as here and in CI), the summary names the commit.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !Directory.Exists(Path.Combine(root.FullName, ".git")) && !File.Exists(Path.Combine(root.FullName, ".git"))) root = root.Parent;
        if (root is not null) Assert.Matches("^[0-9a-f]{12,40}$", s.Environment.Commit);
        Assert.InRange(s.FinalTestAccuracy, 0, 1);
    }

    [Fact]
    public void SameSeedAndThreadsGiveIdenticalMetrics()
    {
        string[] data = File.Exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
            ? ["--dataset", "fashion-mnist", "--train-limit", "256", "--test-limit", "128"]
            : ["--dataset", "synthetic", "--train-limit", "256", "--test-limit", "128"];
        var a = CliRunner.Run(["train", .. data, "--seed", "7", "--variant", "rmp", "--out", Path.Combine(_dir, "a"), .. Quick]);
        var b = CliRunner.Run(["train", .. data, "--seed", "7", "--variant", "rmp", "--out", Path.Combine(_dir, "b"), .. Quick]);
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.Stderr + b.Stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a", "metrics.csv")), File.ReadAllText(Path.Combine(_dir, "b", "metrics.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a", "histograms.csv")), File.ReadAllText(Path.Combine(_dir, "b", "histograms.csv")));
        var c = CliRunner.Run(["train", .. data, "--seed", "8", "--variant", "rmp", "--out", Path.Combine(_dir, "c"), .. Quick]);
        Assert.NotEqual(File.ReadAllText(Path.Combine(_dir, "a", "metrics.csv")), File.ReadAllText(Path.Combine(_dir, "c", "metrics.csv")));
    }

    [Fact]
    public void UnknownModelIsOneLineNamingTheOption()
    {
        var r = CliRunner.Run("train", "--model", "resnet50", "--dataset", "synthetic", "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["spikekit: --model: unknown 'resnet50' (known: cnn, resnet18, resnet19, resnet20, resnet34, vgg11, vgg16)"], r.ErrorLines);
    }

    [Fact]
    public void BadNumberAndUnknownOptionAreOneLine()
    {
        var r = CliRunner.Run("train", "--epochs", "three");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["spikekit: --epochs: 'three' is not an integer"], r.ErrorLines);
        r = CliRunner.Run("train", "--epoch", "3");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["spikekit: unknown option '--epoch'; did you mean '--epochs'? (see spikekit train --help)"], r.ErrorLines);
        r = CliRunner.Run("trian", "--epochs", "3");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["spikekit: unknown verb 'trian'; did you mean 'train'? (see spikekit --help)"], r.ErrorLines);
        r = CliRunner.Run("train", "--out");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines, l => l.StartsWith("spikekit: --out needs a value", StringComparison.Ordinal));
    }

    [Fact]
    public void FlagsTakeNoValueAndOptionsTakeEqualsSigns()
    {
        // A bare flag before another option: --quiet must not swallow --epochs.
        var r = CliRunner.Run("train", "--quiet", "--epochs", "1", "--dataset=synthetic", "--train-limit=64", "--test-limit", "32", "--flip",
            "--rmp-clip=false", "--width", "0.25", "--timesteps", "2", "--threads", "1", "--out", Path.Combine(_dir, "flags"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var s = RunSummary.Load(Path.Combine(_dir, "flags", "summary.json"));
        Assert.Equal((1, "synthetic", 64, true, false), (s.Config.Epochs, s.Config.Dataset, s.Config.TrainLimit, s.Config.Flip, s.Config.RmpClip));
        Assert.Equal("", r.Stderr.Trim()); // quiet: no progress lines
        var help = CliRunner.Run("train", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var o in RunOptions.All) Assert.Contains("--" + o.Name, help.Stdout);
        Assert.Contains("peak weight lambda of RMP-Loss [0.5]", help.Stdout);
    }

    [Fact]
    public void AblateAgainWithOtherThreadsTrainsNothing()
    {
        var dir = Path.Combine(_dir, "abl");
        string[] args = ["ablate", "--dataset", "synthetic", "--train-limit", "64", "--test-limit", "32", "--epochs", "1", "--batch-size", "32",
            "--width", "0.25", "--timesteps", "2", "--quiet", "--out", dir];
        var first = CliRunner.Run([.. args, "--threads", "1"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("| baseline | rmp | Δ rmp |", first.Stdout);
        var second = CliRunner.Run([.. args[..^1], dir + "/", "--threads", "2"]); // the same folder, spelled with a trailing slash
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("2 already complete", second.Stderr);
        Assert.Equal("abl", SweepRunner.LoadPlan(dir).Name);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, SweepRunner.LogFile)).Count(l => l.Contains(" started ")));
    }

    /// <summary>Writes a valid 8-image Fashion-MNIST-style folder, then lets <paramref name="damage"/> break one file.</summary>
    string DataDir(string name, Action<string> damage)
    {
        var dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        var labels = new byte[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        foreach (var split in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(dir, $"{split}-images-idx3-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx3(8, 28, 28, TempDataDir.Pattern(8, 28, 28))));
            File.WriteAllBytes(Path.Combine(dir, $"{split}-labels-idx1-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx1(labels)));
        }
        damage(dir);
        return dir;
    }

    CliRunner.Result TrainOn(string dir) =>
        CliRunner.Run(["train", "--dataset", "fashion-mnist", "--data-dir", dir, "--out", Path.Combine(_dir, "out-" + Path.GetFileName(dir)), .. Quick]);

    [Fact]
    public void MissingFileIsOneLineNamingIt()
    {
        var dir = DataDir("missing", d => File.Delete(Path.Combine(d, "train-labels-idx1-ubyte.gz")));
        var r = TrainOn(dir);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.Contains(Path.Combine(dir, "train-labels-idx1-ubyte"), line);
        Assert.Contains("not found", line);
    }

    [Fact]
    public void TruncatedFileIsOneLineNamingIt()
    {
        var dir = DataDir("truncated", d =>
        {
            var raw = TempDataDir.Idx3(8, 28, 28, TempDataDir.Pattern(8, 28, 28));
            File.WriteAllBytes(Path.Combine(d, "train-images-idx3-ubyte.gz"), TempDataDir.Gzip(raw[..(raw.Length - 100)]));
        });
        var r = TrainOn(dir);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"spikekit: {Path.Combine(dir, "train-images-idx3-ubyte.gz")}: ", line);
        Assert.Contains("truncated", line);
    }

    [Fact]
    public void WrongMagicIsOneLineNamingIt()
    {
        var dir = DataDir("magic", d =>
            File.WriteAllBytes(Path.Combine(d, "t10k-labels-idx1-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx1([0, 1, 2, 3, 4, 5, 6, 7], magic: 0x00000803))));
        var r = TrainOn(dir);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"spikekit: {Path.Combine(dir, "t10k-labels-idx1-ubyte.gz")}: ", line);
        Assert.Contains("magic", line);
    }

    [Fact]
    public void LabelOutsideClassRangeIsOneLineNamingIt()
    {
        var dir = DataDir("label", d =>
            File.WriteAllBytes(Path.Combine(d, "train-labels-idx1-ubyte.gz"), TempDataDir.Gzip(TempDataDir.Idx1([0, 1, 2, 3, 4, 5, 6, 12]))));
        var r = TrainOn(dir);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"spikekit: {Path.Combine(dir, "train-labels-idx1-ubyte.gz")}: ", line);
        Assert.Contains("12", line);
        // The failed run still leaves a summary that says so.
        var s = RunSummary.Load(Path.Combine(_dir, "out-label", "summary.json"));
        Assert.Equal(RunStatus.Failed, s.Status);
    }
}
