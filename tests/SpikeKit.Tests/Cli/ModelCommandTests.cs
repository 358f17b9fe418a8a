using System.Globalization;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Cli;

/// <summary><c>spikekit eval</c> and <c>spikekit export</c> on the model a <c>train</c> run keeps.</summary>
public class ModelCommandTests() : TempFolderTests("spikekit-model-cli-")
{
    static readonly string[] Quick = ["--dataset", "synthetic", "--train-limit", "128", "--test-limit", "64", "--epochs", "2", "--batch-size", "32",
        "--width", "0.25", "--timesteps", "2", "--threads", "1", "--quiet", "true"];

    [Fact]
    public void EvalPrintsTheRunsFinalTestAccuracyAndTheEnergyEstimate()
    {
        var run = Path.Combine(Dir, "run");
        var t = CliRunner.Run(["train", "--variant", "rmp", "--out", run, .. Quick]);
        Assert.True(t.ExitCode == 0, t.Stderr);
        var summary = RunSummary.Load(Path.Combine(run, RunFiles.Summary));

        var r = CliRunner.Run("eval", run);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var acc = (100 * summary.FinalTestAccuracy).ToString("F2", CultureInfo.InvariantCulture);
        Assert.Contains($"test accuracy {acc} % (the run's last epoch: {acc} %)", r.Stdout);
        Assert.Contains("64 test samples of synthetic", r.Stdout);
        var lines = r.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("lif1 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("energy per sample (45 nm: 4.6 pJ/MAC, 0.9 pJ/SOP): SNN ", StringComparison.Ordinal));

        var rep = CliRunner.Run("report", run);
        Assert.True(rep.ExitCode == 0, rep.Stderr);
        Assert.Contains("newPlot", File.ReadAllText(Path.Combine(run, "charts", "synaptic-ops.html")));

        var n = CliRunner.Run("export", run, "--format", "nir", "--out", Path.Combine(Dir, "m.nir"));
        Assert.True(n.ExitCode == 0, n.Stderr);
        Assert.Contains("NIR graph of 10 nodes and 9 edges", n.Stdout);
        Assert.True(new FileInfo(Path.Combine(Dir, "m.nir")).Length > 1000);

        var pt = CliRunner.Run("export", run, "--format", "pt");
        Assert.True(pt.ExitCode == 0, pt.Stderr);
        foreach (var f in new[] { "model.pt", "model.pt.json", "spikekit_torch.py" }) Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.Contains("spikekit_torch.load(\"model.pt\")", pt.Stdout);
    }

    [Fact]
    public void BadModelsAndFormatsAreOneLineWithTheirExitCodes()
    {
        var run = Path.Combine(Dir, "r18");
        var t = CliRunner.Run(["train", "--model", "resnet18", "--out", run, "--dataset", "synthetic", "--train-limit", "32", "--test-limit", "32",
            "--epochs", "1", "--batch-size", "32", "--width", "0.125", "--timesteps", "2", "--threads", "1", "--quiet", "true"]);
        Assert.True(t.ExitCode == 0, t.Stderr);
        var refused = CliRunner.Run("export", run, "--format", "nir");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("spikekit: --format nir: resnet18: layer 'maxpool' is a max pooling, which NIR cannot express (export cnn, resnet19, resnet20, vgg11 or vgg16, which use average pooling)",
            refused.Stderr.Trim());

        var unknown = CliRunner.Run("export", run, "--format", "onnx");
        Assert.Equal(2, unknown.ExitCode);
        Assert.StartsWith("spikekit: --format: unknown 'onnx'", unknown.Stderr.Trim());

        var model = Path.Combine(run, RunFiles.Model);
        var bytes = File.ReadAllBytes(model);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(model, bytes);
        var corrupt = CliRunner.Run("eval", run);
        Assert.Equal(1, corrupt.ExitCode);
        Assert.Equal($"spikekit: {model}: corrupt saved model (SHA-256 mismatch: changed or truncated since it was written, or written without a checksum)", corrupt.Stderr.Trim());

        var none = CliRunner.Run("eval", Dir);
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith($"spikekit: {Path.Combine(Dir, RunFiles.ModelSpec)}: no saved model", none.Stderr.Trim());
    }
}
