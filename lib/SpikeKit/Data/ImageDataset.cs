using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// In-memory labelled image set: images <c>uint8 [N, C, H, W]</c> and labels <c>int64 [N]</c>, both CPU tensors,
/// with the per-channel normalization constants that <see cref="BatchLoader"/> applies.
/// </summary>
/// <remarks>
/// The dataset owns its two tensors: the constructor detaches them from any dispose scope, and <see cref="Dispose"/>
/// releases them. Views made by <see cref="Take"/> and <see cref="StratifiedSample"/> are datasets of their own
/// (disposing one never invalidates another).
/// </remarks>
public sealed class ImageDataset : IDisposable
{
    readonly float[] _mean, _std;
    bool _disposed;

    /// <summary>Creates a dataset, taking ownership of <paramref name="images"/> and <paramref name="labels"/>.</summary>
    /// <param name="name">Display name, e.g. <c>fashion-mnist/train</c>.</param>
    /// <param name="images">uint8 CPU tensor <c>[N, C, H, W]</c>.</param>
    /// <param name="labels">int64 CPU tensor <c>[N]</c>, every value in <c>[0, classes)</c>.</param>
    /// <param name="classes">Number of classes (at least 1).</param>
    /// <param name="mean">Per-channel mean in <c>[0, 1]</c> pixel units (length C).</param>
    /// <param name="std">Per-channel standard deviation in <c>[0, 1]</c> pixel units (length C, each &gt; 0).</param>
    /// <exception cref="ArgumentException">A shape, dtype, device, constant or label is wrong; the message names the dataset.</exception>
    public ImageDataset(string name, Tensor images, Tensor labels, int classes, float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"{name}: images must be uint8 [N, C, H, W], got {images.dtype} {Shape(images)}", nameof(images));
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1)
            throw new ArgumentException($"{name}: labels must be int64 [N], got {labels.dtype} {Shape(labels)}", nameof(labels));
        if (images.device_type != DeviceType.CPU || labels.device_type != DeviceType.CPU)
            throw new ArgumentException($"{name}: images and labels must be CPU tensors", nameof(images));
        if (labels.shape[0] != images.shape[0])
            throw new ArgumentException($"{name}: {images.shape[0]} images but {labels.shape[0]} labels", nameof(labels));
        if (classes < 1)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"{name}: classes must be at least 1");
        int channels = checked((int)images.shape[1]);
        if (mean.Length != channels || std.Length != channels)
            throw new ArgumentException($"{name}: mean and std need {channels} values (one per channel), got {mean.Length} and {std.Length}", nameof(mean));
        if (mean.Any(m => !float.IsFinite(m)) || std.Any(s => !float.IsFinite(s) || s <= 0))
            throw new ArgumentException($"{name}: mean must be finite and std finite and > 0, got mean [{string.Join(", ", mean)}] std [{string.Join(", ", std)}]", nameof(std));
        if (DataFiles.FirstOutOfRange(labels, classes) is var (index, value))
            throw new ArgumentException($"{name}: label {value} at index {index} is outside [0, {classes})", nameof(labels));

        Name = name;
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Classes = classes;
        _mean = (float[])mean.Clone();
        _std = (float[])std.Clone();
        Count = checked((int)images.shape[0]);
        Channels = channels;
        Height = checked((int)images.shape[2]);
        Width = checked((int)images.shape[3]);
    }

    /// <summary>Display name, e.g. <c>fashion-mnist/train</c>.</summary>
    public string Name { get; }

    /// <summary>uint8 CPU tensor <c>[N, C, H, W]</c>, owned by this dataset.</summary>
    public Tensor Images { get; }

    /// <summary>int64 CPU tensor <c>[N]</c> with values in <c>[0, Classes)</c>, owned by this dataset.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Per-channel mean in <c>[0, 1]</c> pixel units (a copy).</summary>
    public float[] Mean => (float[])_mean.Clone();

    /// <summary>Per-channel standard deviation in <c>[0, 1]</c> pixel units (a copy).</summary>
    public float[] Std => (float[])_std.Clone();

    /// <summary>Number of samples N.</summary>
    public int Count { get; }

    /// <summary>Channels C.</summary>
    public int Channels { get; }

    /// <summary>Image height H.</summary>
    public int Height { get; }

    /// <summary>Image width W.</summary>
    public int Width { get; }

    /// <summary>
    /// The first <paramref name="limit"/> samples, as a new dataset viewing the same storage (no copy).
    /// <paramref name="limit"/> ≥ <see cref="Count"/> gives an equivalent dataset with all samples.
    /// </summary>
    public ImageDataset Take(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        long n = Math.Min(limit, Count);
        using var scope = NewDisposeScope();
        return new ImageDataset(Name, Images.narrow(0, 0, n), Labels.narrow(0, 0, n), Classes, _mean, _std);
    }

    /// <summary>
    /// A seeded, class-stratified subset of <paramref name="limit"/> samples, kept in their original order.
    /// Each class gets <c>floor(limit·n_c/N)</c> samples, the remainder going to the classes with the largest fractional
    /// parts (ties: lower class first); which samples of a class are kept is a seeded shuffle. The result depends only on
    /// the labels, <paramref name="limit"/> and <paramref name="seed"/>. <paramref name="limit"/> ≥ <see cref="Count"/> gives all samples.
    /// </summary>
    public ImageDataset StratifiedSample(int limit, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        if (limit >= Count) return Take(Count);
        var chosen = Stratified.Select(Labels.data<long>().ToArray(), Classes, limit, seed);
        using var scope = NewDisposeScope();
        var index = torch.tensor(chosen);
        return new ImageDataset(Name, Images.index_select(0, index), Labels.index_select(0, index), Classes, _mean, _std);
    }

    /// <summary>Number of samples of each class, length <see cref="Classes"/>.</summary>
    public long[] LabelHistogram()
    {
        ThrowIfDisposed();
        using var counts = torch.bincount(Labels, minlength: Classes);
        return counts.data<long>().ToArray();
    }

    /// <summary>Releases the image and label tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Images.Dispose();
        Labels.Dispose();
    }

    /// <summary>For example <c>fashion-mnist/train: 60000 × 1×28×28, 10 classes</c>.</summary>
    public override string ToString() => $"{Name}: {Count} × {Channels}×{Height}×{Width}, {Classes} classes";

    void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
