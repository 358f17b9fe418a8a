using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// Streams normalized float batches <c>[B, 3, S, S]</c> from an <see cref="ImageFolderDataset"/> (ImageNet), decoding the
/// JPEG/PNG files of each batch from disk, in parallel across its images, with the next batch prepared in the background
/// while the caller works on the current one.
/// </summary>
/// <remarks>
/// <para>Training (<c>train: true</c>): a shuffled order per epoch, torchvision's <c>RandomResizedCrop(S, scale (0.08, 1),
/// ratio (3/4, 4/3))</c> and, when enabled, <c>RandomHorizontalFlip()</c>. Test: dataset order, <c>Resize(R)</c> of the
/// shorter side with <c>R = round(S·256/224)</c> (256 for S = 224) and <c>CenterCrop(S)</c>. Both resample with PIL's
/// antialiased bilinear filter and normalize with the dataset's mean and std: <c>(pixel/255 − mean)/std</c>.</para>
/// <para>Determinism: the order is the same Fisher–Yates shuffle of a SplitMix64 stream seeded by <c>(seed, epoch)</c> as
/// <see cref="BatchLoader"/>'s, and each image's crop and flip come from its own stream seeded by
/// <c>(seed, epoch, image index)</c>, so <c>Epoch(e)</c> is a pure function of (seed, epoch), independent of threads,
/// batch size and earlier epochs; a resumed run continues exactly.</para>
/// </remarks>
public sealed class ImageFolderLoader : IBatchSource
{
    const long OrderStream = 0x4F52444552L /* "ORDER", as BatchLoader */, CropStream = 0x52524352L /* "RRCR" */;
    readonly ImageFolderDataset _data;
    readonly int _batchSize, _parallelism;
    readonly bool _train, _flip, _dropLast, _prefetch;
    readonly long _seed;
    readonly float[] _scale = new float[3], _shift = new float[3];

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The image folder.</param>
    /// <param name="batchSize">Images per batch, ≥ 1.</param>
    /// <param name="train">Training transform and a shuffled order (true) or the test transform in dataset order (false).</param>
    /// <param name="seed">Seed of order, crops and flips.</param>
    /// <param name="horizontalFlip">Mirror training images with probability ½ (ignored for test).</param>
    /// <param name="cropSize">Output side S, ≥ 8 (ImageNet: 224).</param>
    /// <param name="dropLast">Drop the final batch when it would be smaller than <paramref name="batchSize"/>.</param>
    /// <param name="parallelism">Images decoded at once; 0 = the number of processors.</param>
    /// <param name="prefetch">Prepare the next batch in the background while the current one is used.</param>
    public ImageFolderLoader(ImageFolderDataset data, int batchSize, bool train, long seed, bool horizontalFlip = true,
        int cropSize = 224, bool dropLast = false, int parallelism = 0, bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropSize, 8);
        ArgumentOutOfRangeException.ThrowIfNegative(parallelism);
        _data = data;
        _batchSize = batchSize;
        _train = train;
        _seed = seed;
        _flip = train && horizontalFlip;
        _dropLast = dropLast;
        _parallelism = parallelism == 0 ? Environment.ProcessorCount : parallelism;
        _prefetch = prefetch;
        CropSize = cropSize;
        ResizeSize = (int)Math.Round(cropSize * 256.0 / 224.0);
        var mean = data.Mean;
        var std = data.Std;
        for (int c = 0; c < 3; c++)
        {
            _scale[c] = (float)(1.0 / (255.0 * std[c]));
            _shift[c] = (float)(-mean[c] / (double)std[c]);
        }
    }

    /// <summary>Output side S of every image.</summary>
    public int CropSize { get; }

    /// <summary>Shorter side R the test transform resizes to before its center crop: <c>round(S·256/224)</c>.</summary>
    public int ResizeSize { get; }

    /// <summary>True for the training transform and order.</summary>
    public bool Train => _train;

    /// <inheritdoc />
    public int BatchesPerEpoch => _dropLast ? _data.Count / _batchSize : (_data.Count + _batchSize - 1) / _batchSize;

    /// <summary>
    /// Batches of one epoch, a pure function of (seed, epoch). The batch tensors are created in the dispose scope current
    /// when the enumerator advances; without one, the caller disposes them.
    /// </summary>
    /// <exception cref="DataFormatException">An image cannot be read or decoded (one line naming the file), raised when its
    /// batch is reached.</exception>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        int n = _data.Count, batches = BatchesPerEpoch;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (_train) new SeededRandom(_seed, epoch, OrderStream).Shuffle(order);
        Task<(float[] Pixels, long[] Labels)>? pending = null;
        try
        {
            for (int b = 0; b < batches; b++)
            {
                var current = pending is null ? Produce(order, b, epoch) : pending.GetAwaiter().GetResult();
                pending = null;
                if (_prefetch && b + 1 < batches)
                {
                    int next = b + 1;
                    pending = Task.Run(() => Produce(order, next, epoch));
                }
                long s = CropSize;
                var x = torch.tensor(current.Pixels, new long[] { current.Labels.Length, 3, s, s });
                var y = torch.tensor(current.Labels);
                yield return new Batch(x, y);
            }
        }
        finally
        {
            // An abandoned epoch lets its background batch finish (and drops it) rather than leave it running.
            if (pending is not null)
                try { pending.Wait(); }
                catch (AggregateException) { }
        }
    }

    (float[] Pixels, long[] Labels) Produce(int[] order, int b, int epoch)
    {
        int start = b * _batchSize, length = Math.Min(_batchSize, _data.Count - start), s = CropSize, each = 3 * s * s;
        var pixels = new float[(long)length * each];
        var labels = new long[length];
        var errors = new Exception?[length];
        Parallel.For(0, length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, i =>
        {
            int index = order[start + i];
            labels[i] = _data.Labels[index];
            try { Fill(index, epoch, pixels, i * each); }
            catch (Exception e) { errors[i] = e; }
        });
        if (errors.FirstOrDefault(e => e is not null) is { } first) ExceptionDispatchInfo.Throw(first);
        return (pixels, labels);
    }

    void Fill(int index, int epoch, float[] dst, int offset)
    {
        var (rgb, w, h) = ImageTransforms.Decode(_data.Paths[index]);
        int s = CropSize;
        if (_train)
        {
            var random = new SeededRandom(_seed, epoch, CropStream, index);
            var box = ImageTransforms.RandomResizedCropBox(w, h, random);
            bool flip = _flip && (random.NextUInt64() >> 63) == 1;
            ImageTransforms.Resample(rgb, w, h, ImageTransforms.CropAxis(box.X, box.W, s), ImageTransforms.CropAxis(box.Y, box.H, s),
                s, flip, dst, offset, _scale, _shift);
        }
        else
        {
            var (rw, rh) = ImageTransforms.ResizeShorter(w, h, ResizeSize);
            ImageTransforms.Resample(rgb, w, h,
                ImageTransforms.ResizeCropAxis(w, rw, ImageTransforms.CenterOffset(rw, s)),
                ImageTransforms.ResizeCropAxis(h, rh, ImageTransforms.CenterOffset(rh, s)),
                s, false, dst, offset, _scale, _shift);
        }
    }
}
