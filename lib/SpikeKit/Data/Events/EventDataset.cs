using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data.Events;

/// <summary>
/// A labelled set of framed event recordings in memory: frames <c>float32 [N, T, 2, H, W]</c> (channel 0 OFF, 1 ON event counts,
/// bilinearly resized when the frame size differs from the sensor's), labels <c>int64 [N]</c>, and each sample's event count.
/// Frames are not normalized (as SpikingJelly's frames). The dataset owns its tensors.
/// </summary>
public sealed class EventDataset : IDisposable
{
    bool _disposed;
    readonly long[] _eventCounts;

    /// <summary>Creates a dataset, taking ownership of the tensors.</summary>
    /// <param name="name">Display name, e.g. <c>cifar10-dvs/train</c>.</param>
    /// <param name="frames">float32 CPU <c>[N, T, 2, H, W]</c>.</param>
    /// <param name="labels">int64 CPU <c>[N]</c> in <c>[0, classes)</c>.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="sensorWidth">Width of the sensor the events came from.</param>
    /// <param name="sensorHeight">Height of the sensor.</param>
    /// <param name="eventCounts">Events of each sample (length N).</param>
    /// <param name="split">The split rule these samples came from (e.g. <c>9:1</c>, <c>tebn</c>, <c>official</c>).</param>
    public EventDataset(string name, Tensor frames, Tensor labels, int classes, int sensorWidth, int sensorHeight, long[] eventCounts, string split)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(eventCounts);
        if (frames.dtype != ScalarType.Float32 || frames.dim() != 5 || frames.shape[2] != 2)
            throw new ArgumentException($"{name}: frames must be float32 [N, T, 2, H, W], got {frames.dtype} [{string.Join(", ", frames.shape)}]");
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != frames.shape[0] || eventCounts.Length != frames.shape[0])
            throw new ArgumentException($"{name}: {frames.shape[0]} samples need int64 labels [N] and N event counts");
        if (DataFiles.FirstOutOfRange(labels, classes) is var (index, value))
            throw new ArgumentException($"{name}: label {value} at index {index} is outside [0, {classes})");
        Name = name;
        Frames = frames.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Classes = classes;
        SensorWidth = sensorWidth;
        SensorHeight = sensorHeight;
        _eventCounts = (long[])eventCounts.Clone();
        Split = split;
        Count = checked((int)frames.shape[0]);
        TimeSteps = checked((int)frames.shape[1]);
        Height = checked((int)frames.shape[3]);
        Width = checked((int)frames.shape[4]);
    }

    /// <summary>Display name.</summary>
    public string Name { get; }
    /// <summary>float32 <c>[N, T, 2, H, W]</c>.</summary>
    public Tensor Frames { get; }
    /// <summary>int64 <c>[N]</c>.</summary>
    public Tensor Labels { get; }
    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>Sensor width in pixels.</summary>
    public int SensorWidth { get; }
    /// <summary>Sensor height in pixels.</summary>
    public int SensorHeight { get; }
    /// <summary>The split rule the samples came from.</summary>
    public string Split { get; }
    /// <summary>Samples N.</summary>
    public int Count { get; }
    /// <summary>Frames per sample T.</summary>
    public int TimeSteps { get; }
    /// <summary>Frame height.</summary>
    public int Height { get; }
    /// <summary>Frame width.</summary>
    public int Width { get; }
    /// <summary>Channels of a frame (2: OFF, ON).</summary>
    public int Channels => 2;

    /// <summary>Events of each sample (a copy).</summary>
    public long[] EventCounts => (long[])_eventCounts.Clone();

    /// <summary>Samples of each class.</summary>
    public long[] LabelHistogram()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var counts = torch.bincount(Labels, minlength: Classes);
        return counts.data<long>().ToArray();
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Frames.Dispose();
        Labels.Dispose();
    }

    /// <summary>For example <c>cifar10-dvs/train: 9000 × 10×2×48×48, 10 classes</c>.</summary>
    public override string ToString() => $"{Name}: {Count} × {TimeSteps}×2×{Height}×{Width}, {Classes} classes";
}
