using System.Diagnostics;
using SpikeKit.Config;
using SpikeKit.Data;
using SpikeKit.Models;
using SpikeKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Runs;

/// <summary>
/// Runs one <see cref="RunConfig"/> end to end into a run folder: loads data, seeds, builds model and loss, trains, and writes
/// the files of <see cref="RunFiles"/> (<c>metrics.csv</c>, <c>layers.csv</c>, <c>histograms.csv</c>, <c>timing.csv</c>, an
/// epoch at a time) and, last, <c>summary.json</c>. A failing run (bad data, NaN loss) keeps its finished epochs and writes a
/// summary with status failed and the one-line error before the exception propagates. With checkpoints on, a
/// <see cref="Checkpoint"/> is written after every epoch and a run that finds one (of the same config) continues after its
/// last epoch, producing exactly the files an uninterrupted run produces; the checkpoint is deleted once <c>summary.json</c>
/// is in place. A checkpoint whose checksum fails (<see cref="SealedFile"/>) is never read: the run starts over from epoch 1
/// and says so. A completed run also keeps its trained network (<see cref="SavedModel"/>: <c>model.bin</c>, <c>model.json</c>),
/// whose checksum the summary records. Data comes through <see cref="RunData"/> (in-memory, streamed and event data sets).
/// Sweeps run each of their runs through here.
/// </summary>
public static class RunExecutor
{
    /// <summary>What <see cref="Run"/> did with a checkpoint it found.</summary>
    public enum CheckpointEvent
    {
        /// <summary>Restored it; training continues after its last epoch.</summary>
        Resumed,
        /// <summary>Did not read it (corrupt, or of another config); the run starts over from epoch 1.</summary>
        Restarted,
    }

    /// <summary>Runs <paramref name="config"/> into <paramref name="outDir"/>; <paramref name="checkpoints"/> writes a
    /// checkpoint after every epoch and resumes from one left by a killed attempt; <paramref name="notice"/> hears each
    /// resume or restart with one line naming the checkpoint (default: the line goes to standard error).</summary>
    public static RunSummary Run(RunConfig config, string outDir, ITrainingProgress? progress = null, bool checkpoints = false,
        Action<CheckpointEvent, string>? notice = null)
    {
        notice ??= (_, line) => Console.Error.WriteLine(line);
        config.Validate();
        if (File.Exists(outDir)) throw new ConfigException("out", $"{outDir} is a file, not a folder");
        if (config.Threads > Environment.ProcessorCount)
            throw new ConfigException("threads", $"must be at most {Environment.ProcessorCount} (the logical cores of this machine), got {config.Threads}");
        Native.TorchNative.EnsureLoaded();
        if (config.Threads > 0) set_num_threads(config.Threads);
        var device = ResolveDevice(config.Device);
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var env = RunEnvironment.Current(device.ToString());
        Directory.CreateDirectory(outDir);
        var summaryPath = Path.Combine(outDir, RunFiles.Summary);
        if (File.Exists(summaryPath)) File.Delete(summaryPath);
        // Temp files of an attempt killed while writing its summary or checkpoint (renamed into place only when whole).
        foreach (var tmp in Directory.EnumerateFiles(outDir, "*.tmp").Where(f => Path.GetFileName(f).StartsWith(RunFiles.Summary + ".", StringComparison.Ordinal)
                     || Path.GetFileName(f).StartsWith(RunFiles.Checkpoint + ".", StringComparison.Ordinal)))
            File.Delete(tmp);

        var history = new List<EpochMetrics>();
        var checkpointPath = Path.Combine(outDir, RunFiles.Checkpoint);
        var key = config.ContentHash();
        double priorSeconds = 0;
        string? modelSha = null;
        RunSummary Summary(RunStatus status, string? error)
        {
            var last = history.LastOrDefault();
            var best = history.OrderByDescending(m => m.TestAccuracy).ThenBy(m => m.Epoch).FirstOrDefault();
            return new RunSummary(status, error, config, env, history.Count,
                last?.TestAccuracy ?? double.NaN, best?.TestAccuracy ?? double.NaN, best?.Epoch ?? 0,
                last?.MeanQuantizationError ?? double.NaN, last?.MeanFiringRate ?? double.NaN,
                Math.Round(priorSeconds + clock.Elapsed.TotalSeconds, 2), started.ToString("O"), DateTime.UtcNow.ToString("O"), modelSha,
                last?.Energy?.EnergyMicrojoules ?? double.NaN);
        }

        RunData? data = null;
        try
        {
            var options = config.ToTrainingOptions();
            data = RunData.Open(config);
            var (trainLoader, testLoader) = (data.Train, data.Test);
            manual_seed(config.Seed);
            using var model = ModelZoo.Create(config.Model, config.ToModelOptions(data.Channels, data.Size, data.Classes));
            model.to(device);
            using var trainer = new Trainer(model, config.ToLoss(), options, device);
            if (checkpoints && File.Exists(checkpointPath)) Resume(checkpointPath, config, model, trainer, history, ref priorSeconds, notice);
            using var writer = new RunWriter(outDir, history);
            trainer.Fit(trainLoader, testLoader, progress, startEpoch: history.Count, afterEpoch: m =>
            {
                history.Add(m);
                writer.Append(m);
                if (checkpoints) Checkpoint.Save(checkpointPath, model, trainer.Optimizer, key, history, priorSeconds + clock.Elapsed.TotalSeconds);
            });
            modelSha = SavedModel.Save(outDir, model, config).Sha256;
        }
        catch (Exception e)
        {
            // Record the failure, unless that fails too (a full disk): then the first error is the one to report.
            try { Summary(RunStatus.Failed, e.Message.Split('\n')[0]).Save(summaryPath); }
            catch (IOException) { }
            throw;
        }
        finally
        {
            data?.Dispose();
        }
        var summary = Summary(RunStatus.Completed, null);
        summary.Save(summaryPath);
        if (checkpoints) File.Delete(checkpointPath);
        return summary;
    }

    /// <summary>Restores a checkpoint of this config. A corrupt one (checksum), or one of another config, is reported and not read
    /// (the run starts over from epoch 1; in a sweep of many runs, one run trained again costs less than a sweep stopped); one whose
    /// intact tensors do not fit the model stops the run with an error naming the file.</summary>
    static void Resume(string path, RunConfig config, SpikingNetwork model, Trainer trainer, List<EpochMetrics> history, ref double priorSeconds,
        Action<CheckpointEvent, string> notice)
    {
        CheckpointState header;
        try { header = Checkpoint.ReadState(path); }
        catch (InvalidDataException e)
        {
            notice(CheckpointEvent.Restarted, $"{e.Message}; not read, the run starts over from epoch 1");
            return;
        }
        if (!header.IsOf(config))
        {
            notice(CheckpointEvent.Restarted, $"{path}: checkpoint of another config, not read; the run starts from epoch 1");
            return;
        }
        try
        {
            var state = Checkpoint.Load(path, model, trainer.Optimizer);
            history.AddRange(state.History);
            priorSeconds = state.WallSeconds;
            notice(CheckpointEvent.Resumed, $"{path}: resuming after epoch {state.EpochsDone}");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message}; delete it to start the run over");
        }
    }

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>auto</c> (CUDA when available) to a device.</summary>
    /// <exception cref="ConfigException">For <c>cuda</c> when CUDA is not available.</exception>
    public static Device ResolveDevice(string name) => name switch
    {
        "cpu" => CPU,
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cuda" => cuda.is_available() ? CUDA
            : throw new ConfigException("device", "CUDA is not available (this build uses TorchSharp-cpu; see README, 'GPU nodes')"),
        _ => throw new ConfigException("device", $"unknown '{name}' (use cpu, cuda or auto)"),
    };
}
