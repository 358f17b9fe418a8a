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
/// is in place. Streamed data sets (imagenet) are read from disk batch by batch (<see cref="ImageFolderLoader"/>, crop 224).
/// Event data sets (<see cref="Data.Events.EventDatasets"/>) are framed once into the frame cache (<see cref="LoadEvents"/>) and
/// batched as <c>[T, B, 2, H, W]</c> by <see cref="Data.Events.EventBatchLoader"/> (flip and roll for training).
/// Sweeps run each of their runs through here.
/// </summary>
public static class RunExecutor
{
    /// <summary>Runs <paramref name="config"/> into <paramref name="outDir"/>; <paramref name="checkpoints"/> writes a
    /// checkpoint after every epoch and resumes from one left by a killed attempt.</summary>
    public static RunSummary Run(RunConfig config, string outDir, ITrainingProgress? progress = null, bool checkpoints = false)
    {
        config.Validate();
        if (File.Exists(outDir)) throw new ConfigException("out", $"{outDir} is a file, not a folder");
        if (config.Threads > Environment.ProcessorCount)
            throw new ConfigException("threads", $"must be at most {Environment.ProcessorCount} (the logical cores of this machine), got {config.Threads}");
        bool streamed = !Data.Events.EventDatasets.IsEvent(config.Dataset) && Datasets.IsStreamed(config.Dataset);
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
        RunSummary Summary(RunStatus status, string? error)
        {
            var last = history.LastOrDefault();
            var best = history.OrderByDescending(m => m.TestAccuracy).ThenBy(m => m.Epoch).FirstOrDefault();
            return new RunSummary(status, error, config, env, history.Count,
                last?.TestAccuracy ?? double.NaN, best?.TestAccuracy ?? double.NaN, best?.Epoch ?? 0,
                last?.MeanQuantizationError ?? double.NaN, last?.MeanFiringRate ?? double.NaN,
                Math.Round(priorSeconds + clock.Elapsed.TotalSeconds, 2), started.ToString("O"), DateTime.UtcNow.ToString("O"));
        }

        ImageDataset? train = null, test = null;
        Data.Events.EventDataset? eventTrain = null, eventTest = null;
        try
        {
            var options = config.ToTrainingOptions();
            IBatchSource trainLoader, testLoader;
            int channels, size, classes;
            if (streamed)
            {
                var (folderTrain, folderTest) = Datasets.OpenStreamed(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
                var streamTrain = new ImageFolderLoader(folderTrain, options.BatchSize, train: true, config.Seed, options.HorizontalFlip, StreamedCropSize);
                trainLoader = streamTrain;
                testLoader = new ImageFolderLoader(folderTest, Math.Max(options.BatchSize, 256), train: false, config.Seed, cropSize: StreamedCropSize);
                (channels, size, classes) = (folderTrain.Channels, streamTrain.CropSize, folderTrain.Classes);
            }
            else if (Data.Events.EventDatasets.IsEvent(config.Dataset))
            {
                (eventTrain, eventTest) = LoadEvents(config);
                trainLoader = new Data.Events.EventBatchLoader(eventTrain, options.BatchSize, shuffle: true, options.HorizontalFlip, config.Roll, config.Seed);
                testLoader = new Data.Events.EventBatchLoader(eventTest, Math.Max(options.BatchSize, 256), shuffle: false, flip: false, roll: 0, config.Seed);
                (channels, size, classes) = (eventTrain.Channels, eventTrain.Height, eventTrain.Classes);
            }
            else
            {
                (train, test) = Datasets.Load(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
                trainLoader = new BatchLoader(train, options.BatchSize, shuffle: true, new Augmentation(options.CropPadding, options.HorizontalFlip), config.Seed);
                testLoader = new BatchLoader(test, Math.Max(options.BatchSize, 256), shuffle: false, Augmentation.None, config.Seed);
                (channels, size, classes) = (train.Channels, train.Height, train.Classes);
            }
            manual_seed(config.Seed);
            using var model = ModelZoo.Create(config.Model, config.ToModelOptions(channels, size, classes));
            model.to(device);
            using var trainer = new Trainer(model, config.ToLoss(), options, device);
            if (checkpoints && File.Exists(checkpointPath)) Resume(checkpointPath, config, model, trainer, history, ref priorSeconds);
            using var writer = new RunWriter(outDir, history);
            trainer.Fit(trainLoader, testLoader, progress, startEpoch: history.Count, afterEpoch: m =>
            {
                history.Add(m);
                writer.Append(m);
                if (checkpoints) Checkpoint.Save(checkpointPath, model, trainer.Optimizer, key, history, priorSeconds + clock.Elapsed.TotalSeconds);
            });
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
            train?.Dispose();
            test?.Dispose();
            eventTrain?.Dispose();
            eventTest?.Dispose();
        }
        var summary = Summary(RunStatus.Completed, null);
        summary.Save(summaryPath);
        if (checkpoints) File.Delete(checkpointPath);
        return summary;
    }

    /// <summary>The framed train and test sets of an event data set: T = the run's timesteps, its framing, frame size, split and
    /// limits, through the frame cache in <c>&lt;user data&gt;/frames</c> (<see cref="Datasets.UserDataRoot"/>); progress goes to stderr.</summary>
    public static (Data.Events.EventDataset Train, Data.Events.EventDataset Test) LoadEvents(RunConfig config, TextWriter? log = null) =>
        Data.Events.EventDatasets.Load(config.Dataset, config.DataDir, new Data.Events.EventLoadOptions(config.TimeSteps,
            Data.Events.Framing.Parse(config.Frames), config.FrameSize, config.EventSplit, config.TrainLimit, config.TestLimit, config.Seed,
            new Data.Events.FrameCache(Path.Combine(Datasets.UserDataRoot(), "frames"), AtomicFile.Write), log ?? Console.Error));

    /// <summary>Image side of streamed data sets (imagenet): RandomResizedCrop 224 for training, resize 256 + center crop 224 for test.</summary>
    public const int StreamedCropSize = 224;

    /// <summary>Restores a checkpoint of this config. One of another config, or one whose header is unreadable, is reported and
    /// ignored (the run starts over); one that breaks off inside the tensors stops the run with an error naming the file.</summary>
    static void Resume(string path, RunConfig config, SpikingNetwork model, Trainer trainer, List<EpochMetrics> history, ref double priorSeconds)
    {
        CheckpointState header;
        try { header = Checkpoint.ReadState(path); }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"{e.Message}; starting from epoch 1");
            return;
        }
        if (!header.IsOf(config))
        {
            Console.Error.WriteLine($"{path}: checkpoint of another config, starting from epoch 1");
            return;
        }
        try
        {
            var state = Checkpoint.Load(path, model, trainer.Optimizer);
            history.AddRange(state.History);
            priorSeconds = state.WallSeconds;
            Console.Error.WriteLine($"{path}: resuming after epoch {state.EpochsDone}");
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
