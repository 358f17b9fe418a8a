using SpikeKit.Config;
using SpikeKit.Data;

namespace SpikeKit.Runs;

/// <summary>
/// The training and test batches of a <see cref="RunConfig"/>, as <see cref="RunExecutor"/> trains on them and
/// <see cref="RunEvaluation"/> evaluates on them: in-memory sets through seeded <see cref="BatchLoader"/>s (training batches
/// augmented, test batches of at least 256 in file order), streamed sets (imagenet) through <see cref="ImageFolderLoader"/>
/// (RandomResizedCrop 224 for training, resize 256 + center crop 224 for test), event data sets
/// (<see cref="Data.Events.EventDatasets"/>) framed once into the frame cache (<see cref="LoadEvents"/>) and batched as
/// <c>[T, B, 2, H, W]</c> by <see cref="Data.Events.EventBatchLoader"/> (flip and roll for training).
/// </summary>
public sealed class RunData : IDisposable
{
    readonly IDisposable[] _owned;

    RunData(IBatchSource train, IBatchSource test, int channels, int size, int classes, params IDisposable[] owned)
    {
        Train = train; Test = test; Channels = channels; Size = size; Classes = classes; _owned = owned;
    }

    /// <summary>Image side of streamed data sets (imagenet).</summary>
    public const int StreamedCropSize = 224;

    /// <summary>Training batches.</summary>
    public IBatchSource Train { get; }
    /// <summary>Test batches.</summary>
    public IBatchSource Test { get; }
    /// <summary>Input channels.</summary>
    public int Channels { get; }
    /// <summary>Input side (height = width).</summary>
    public int Size { get; }
    /// <summary>Classes.</summary>
    public int Classes { get; }

    /// <summary>Loads (or opens, for streamed sets) the data of <paramref name="config"/>.</summary>
    /// <exception cref="InvalidDataException">Naming the file when a data file is missing or malformed.</exception>
    public static RunData Open(RunConfig config)
    {
        var options = config.ToTrainingOptions();
        int testBatch = Math.Max(options.BatchSize, 256);
        if (Data.Events.EventDatasets.IsEvent(config.Dataset))
        {
            var (eventTrain, eventTest) = LoadEvents(config);
            return new RunData(
                new Data.Events.EventBatchLoader(eventTrain, options.BatchSize, shuffle: true, options.HorizontalFlip, config.Roll, config.Seed),
                new Data.Events.EventBatchLoader(eventTest, testBatch, shuffle: false, flip: false, roll: 0, config.Seed),
                eventTrain.Channels, eventTrain.Height, eventTrain.Classes, eventTrain, eventTest);
        }
        if (Datasets.IsStreamed(config.Dataset))
        {
            var (folderTrain, folderTest) = Datasets.OpenStreamed(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
            var train = new ImageFolderLoader(folderTrain, options.BatchSize, train: true, config.Seed, options.HorizontalFlip, StreamedCropSize);
            var test = new ImageFolderLoader(folderTest, testBatch, train: false, config.Seed, cropSize: StreamedCropSize);
            return new RunData(train, test, folderTrain.Channels, train.CropSize, folderTrain.Classes);
        }
        var (trainSet, testSet) = Datasets.Load(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
        return new RunData(
            new BatchLoader(trainSet, options.BatchSize, shuffle: true, new Augmentation(options.CropPadding, options.HorizontalFlip), config.Seed),
            new BatchLoader(testSet, testBatch, shuffle: false, Augmentation.None, config.Seed),
            trainSet.Channels, trainSet.Height, trainSet.Classes, trainSet, testSet);
    }

    /// <summary>The framed train and test sets of an event data set: T = the run's timesteps, its framing, frame size, split and
    /// limits, through the frame cache in <c>&lt;user data&gt;/frames</c> (<see cref="Datasets.UserDataRoot"/>); progress goes to
    /// <paramref name="log"/> (default standard error).</summary>
    public static (Data.Events.EventDataset Train, Data.Events.EventDataset Test) LoadEvents(RunConfig config, TextWriter? log = null) =>
        Data.Events.EventDatasets.Load(config.Dataset, config.DataDir, new Data.Events.EventLoadOptions(config.TimeSteps,
            Data.Events.Framing.Parse(config.Frames), config.FrameSize, config.EventSplit, config.TrainLimit, config.TestLimit, config.Seed,
            new Data.Events.FrameCache(Path.Combine(Datasets.UserDataRoot(), "frames"), AtomicFile.Write), log ?? Console.Error));

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
