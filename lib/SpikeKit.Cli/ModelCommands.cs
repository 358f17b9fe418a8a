using System.CommandLine;
using System.Globalization;
using SpikeKit.Export;
using SpikeKit.Probes;
using SpikeKit.Runs;

namespace SpikeKit.Cli;

/// <summary>The verbs on a completed run's saved model (<see cref="SavedModel"/>): <c>eval</c> and <c>export</c>.</summary>
static class ModelCommands
{
    /// <summary>The RUN argument both verbs take.</summary>
    static Argument<string> RunArgument(Command cmd)
    {
        var run = new Argument<string>("RUN") { Description = "a completed run folder (one with model.bin and model.json)" };
        cmd.Arguments.Add(run);
        return run;
    }

    static string RunFolder(ParseResult r, Argument<string> run)
    {
        var dir = r.GetValue(run)!;
        return Directory.Exists(dir) ? dir : throw new UsageException($"{dir}: no such run folder");
    }

    // ---- eval ----

    public static Command Eval()
    {
        var cmd = new Command("eval", "evaluate the saved model of a completed run on its test set: accuracy, per-layer firing rate, quantization " +
                                      "error and synaptic operations, and the energy estimate next to the same network as an ANN");
        var run = RunArgument(cmd);
        var dataDir = new Option<string>("--data-dir") { Description = "read the data set from DIR instead of the run's data folder", HelpName = "DIR" };
        var testLimit = new Option<int?>("--test-limit") { Description = "evaluate on the first N test samples [the run's]", HelpName = "N" };
        var threads = new Option<int?>("--threads") { Description = "intra-op threads [the run's]", HelpName = "N" };
        cmd.Options.Add(dataDir);
        cmd.Options.Add(testLimit);
        cmd.Options.Add(threads);
        cmd.SetAction(r =>
        {
            var dir = RunFolder(r, run);
            if (r.GetValue(testLimit) is < 1 and var n) throw new Config.ConfigException("test-limit", $"must be >= 1, got {n}");
            var result = RunEvaluation.Evaluate(dir, r.GetValue(dataDir), r.GetValue(testLimit), r.GetValue(threads) ?? 0);
            Print(dir, result);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    static void Print(string dir, RunEvaluationResult result)
    {
        var (saved, config, e) = (result.Model, result.Config, result.Evaluation);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{dir}: {saved.Model} ({config.Variant}, seed {config.Seed}, T = {config.TimeSteps}), {e.Samples} test samples of {config.Dataset}");
        var summaryPath = Path.Combine(dir, RunFiles.Summary);
        var run = File.Exists(summaryPath) ? RunSummary.Load(summaryPath) : null;
        bool sameData = run is not null && run.Config.DataDir == config.DataDir && run.Config.TestLimit == config.TestLimit;
        string same = run is null ? "" : sameData ? $" (the run's last epoch: {100 * run.FinalTestAccuracy:F2} %)"
            : $" (the run's last epoch gave {100 * run.FinalTestAccuracy:F2} % on its own test data)";
        Console.WriteLine(string.Create(inv, $"test accuracy {100 * e.Accuracy:F2} %{same}, test loss {e.Loss:F4}"));
        var ops = e.Energy?.Layers.ToDictionary(l => l.Layer);
        int width = Math.Max(5, e.Layers.Max(l => l.Layer.Length));
        Console.WriteLine($"{"layer".PadRight(width)}  firing rate  quantization error  SOPs per sample");
        foreach (var l in e.Layers)
            Console.WriteLine(string.Create(inv, $"{l.Layer.PadRight(width)}  {l.FiringRate,11:F4}  {l.QuantizationError,18:F4}  {(ops?.GetValueOrDefault(l.Layer)?.SynapticOps is { } s ? s.ToString("N0", inv) : "-"),15}"));
        if (e.Energy is { } en)
            Console.WriteLine(string.Create(inv,
                $"energy per sample (45 nm: {SynapticOperations.MultiplyAccumulatePicojoules} pJ/MAC, {SynapticOperations.AccumulatePicojoules} pJ/SOP): " +
                $"SNN {en.EnergyMicrojoules:G4} µJ ({en.Macs:N0} MACs in the first layer + {en.SynapticOps:N0} SOPs); " +
                $"the same network as an ANN {en.AnnEnergyMicrojoules:G4} µJ ({en.AnnMacs:N0} MACs), {en.Saving:F1}x the SNN"));
    }

    // ---- export ----

    static readonly string[] Formats = ["pt", "safetensors", "nir"];

    public static Command Export()
    {
        var cmd = new Command("export", "write the saved model of a completed run for other tools: pt (a PyTorch state dict for torch.load) or " +
                                        "safetensors, each with FILE.json and spikekit_torch.py, the PyTorch twin that rebuilds the network; nir (an HDF5 " +
                                        "NIR graph for Norse, snnTorch, Sinabs, Rockpool, Lava and neuromorphic hardware; BN folded into the convolutions)");
        var run = RunArgument(cmd);
        var format = new Option<string>("--format") { Description = "pt, safetensors or nir", HelpName = "FORMAT", Required = true };
        format.CompletionSources.Add(Formats);
        var outFile = new Option<string>("--out") { Description = "the file to write [RUN/model.FORMAT]", HelpName = "FILE" };
        var dt = new Option<double?>("--dt") { Description = "nir: seconds one timestep stands for [0.001]", HelpName = "SECONDS" };
        cmd.Options.Add(format);
        cmd.Options.Add(outFile);
        cmd.Options.Add(dt);
        cmd.SetAction(r =>
        {
            var dir = RunFolder(r, run);
            var fmt = r.GetValue(format)!.ToLowerInvariant();
            if (!Formats.Contains(fmt)) throw new Config.ConfigException("format", $"unknown '{fmt}' (use {string.Join(", ", Formats)})");
            if (r.GetValue(dt) is { } step && !(step > 0)) throw new Config.ConfigException("dt", $"must be > 0, got {step}");
            var path = r.GetValue(outFile) ?? Path.Combine(dir, $"model.{fmt}");
            var saved = SavedModel.Read(dir);
            using var model = saved.LoadWeights(dir);
            if (fmt is "pt" or "safetensors")
            {
                var files = PyTorchExport.Write(model, ModelSpec.From(saved.Model, saved.ToModelOptions()), path,
                    fmt == "pt" ? ExportFormat.Pt : ExportFormat.Safetensors);
                Console.WriteLine($"Wrote {files.Weights}, {files.Spec} and {files.Twin}; in PyTorch: " +
                                  $"import spikekit_torch; net = spikekit_torch.load(\"{Path.GetFileName(files.Weights)}\")");
                return ExitCodes.Ok;
            }
            try
            {
                var written = NirExport.Write(model, path, r.GetValue(dt) ?? 1e-3);
                foreach (var w in written.Warnings) Console.Error.WriteLine($"spikekit: warning: {w}");
                Console.WriteLine($"Wrote {path}: NIR graph of {written.Nodes.Count} nodes and {written.Edges.Count} edges");
            }
            catch (NotSupportedException e)
            {
                throw new UsageException($"--format nir: {e.Message}");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
