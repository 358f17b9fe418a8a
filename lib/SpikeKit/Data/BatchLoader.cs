using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// Cuts an <see cref="ImageDataset"/> into normalized float mini-batches, optionally shuffled and augmented.
/// </summary>
/// <remarks>
/// <para>Determinism: the order of an epoch is a Fisher–Yates shuffle driven by a SplitMix64 stream seeded by
/// <c>(seed, epoch)</c>, and the augmentation draws (crop offsets, flips) come from a second stream seeded the same way.
/// Neither depends on TorchSharp's global RNG, on threads, or on earlier epochs, so <c>Epoch(e)</c> always yields the
/// same batches and a run resumed at epoch e continues exactly.</para>
/// <para>Speed: each batch is a handful of tensor ops (index_select, one gather for crop+flip whose index is itself built with tensor ops, a cast and a
/// fused per-channel scale and shift); no per-pixel managed code runs.</para>
/// </remarks>
public sealed class BatchLoader : IBatchSource
{
    readonly ImageDataset _data;
    readonly int _batchSize;
    readonly bool _shuffle, _dropLast;
    readonly Augmentation _augmentation;
    readonly long _seed;
    readonly float[] _scale, _shift;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The dataset; it must outlive the loader's use.</param>
    /// <param name="batchSize">Samples per batch, ≥ 1.</param>
    /// <param name="shuffle">Shuffle the order every epoch (seeded by <c>(seed, epoch)</c>); false keeps dataset order.</param>
    /// <param name="augmentation">Crop/flip to apply, or <see cref="Augmentation.None"/>.</param>
    /// <param name="seed">Seed for order and augmentation.</param>
    /// <param name="dropLast">Drop the final batch when it would be smaller than <paramref name="batchSize"/>.</param>
    public BatchLoader(ImageDataset data, int batchSize, bool shuffle, Augmentation augmentation, long seed, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(augmentation);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _data = data;
        _batchSize = batchSize;
        _shuffle = shuffle;
        _augmentation = augmentation;
        _seed = seed;
        _dropLast = dropLast;
        var mean = data.Mean;
        var std = data.Std;
        _scale = new float[data.Channels];
        _shift = new float[data.Channels];
        for (int c = 0; c < data.Channels; c++)
        {
            _scale[c] = (float)(1.0 / (255.0 * std[c]));
            _shift[c] = (float)(-mean[c] / (double)std[c]);
        }
    }

    /// <summary>Number of batches <see cref="Epoch"/> yields.</summary>
    public int BatchesPerEpoch => _dropLast ? _data.Count / _batchSize : (_data.Count + _batchSize - 1) / _batchSize;

    /// <summary>
    /// Batches of one epoch. Order and augmentation are a pure function of (seed, epoch): the same (seed, epoch) always
    /// gives the same batches, so a resumed run continues exactly. Batch tensors are created in the caller's current
    /// dispose scope (the one current when the enumerator advances); without one, the caller disposes them.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        int n = _data.Count, batches = BatchesPerEpoch;
        long[]? order = null;
        if (_shuffle)
        {
            order = new long[n];
            for (int i = 0; i < n; i++) order[i] = i;
            new SeededRandom(_seed, epoch, 0x4F52444552L /* "ORDER" */).Shuffle(order);
        }
        var plan = _augmentation.IsNone ? null : DrawAugmentation(n, epoch);
        for (int b = 0; b < batches; b++)
        {
            int start = b * _batchSize, length = Math.Min(_batchSize, n - start);
            yield return MakeBatch(order, start, length, plan);
        }
    }

    sealed record Plan(long[] Dy, long[] Dx, bool[] Flip);

    Plan DrawAugmentation(int n, int epoch)
    {
        var random = new SeededRandom(_seed, epoch, 0x4155474D454EL /* "AUGMEN" */);
        int p = _augmentation.CropPadding, span = 2 * p + 1;
        var dy = new long[n];
        var dx = new long[n];
        var flip = new bool[n];
        for (int i = 0; i < n; i++)
        {
            if (p > 0) { dy[i] = random.Next(span); dx[i] = random.Next(span); }
            if (_augmentation.HorizontalFlip) flip[i] = (random.NextUInt64() >> 63) == 1;
        }
        return new Plan(dy, dx, flip);
    }

    Batch MakeBatch(long[]? order, int start, int length, Plan? plan)
    {
        using var scope = NewDisposeScope();
        Tensor images, labels;
        if (order is null)
        {
            images = _data.Images.narrow(0, start, length);
            labels = _data.Labels.narrow(0, start, length).clone();
        }
        else
        {
            var index = torch.tensor(order.AsSpan(start, length).ToArray());
            images = _data.Images.index_select(0, index);
            labels = _data.Labels.index_select(0, index);
        }
        if (plan is not null) images = Augment(images, start, length, plan);
        int c = _data.Channels;
        var scale = torch.tensor(_scale, new long[] { 1, c, 1, 1 });
        var shift = torch.tensor(_shift, new long[] { 1, c, 1, 1 });
        var x = images.to_type(ScalarType.Float32).mul_(scale).add_(shift);
        return new Batch(x.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Crop and flip as one gather over the zero-padded batch, with the index built by tensor ops:
    /// output[b, c, h, w] = padded[b, c, dy_b + h, dx_b + (flip_b ? W−1−w : w)].
    /// </summary>
    Tensor Augment(Tensor images, int start, int length, Plan plan)
    {
        int p = _augmentation.CropPadding, c = _data.Channels, h = _data.Height, w = _data.Width;
        long paddedWidth = w + 2 * p;
        var source = (p > 0 ? nn.functional.pad(images, new long[] { p, p, p, p }) : images).reshape(length, c, -1);
        var rows = torch.tensor(plan.Dy.AsSpan(start, length).ToArray(), new long[] { length, 1, 1 })
            .add(torch.arange(h, ScalarType.Int64).view(1, h, 1)).mul_(paddedWidth);
        var cols = torch.arange(w, ScalarType.Int64).view(1, 1, w);
        if (_augmentation.HorizontalFlip)
            cols = torch.where(torch.tensor(plan.Flip.AsSpan(start, length).ToArray(), new long[] { length, 1, 1 }), cols.neg().add_(w - 1), cols);
        cols = cols.add(torch.tensor(plan.Dx.AsSpan(start, length).ToArray(), new long[] { length, 1, 1 }));
        var index = rows.add(cols).view(length, 1, h * w).expand(length, c, h * w);
        return source.gather(2, index).view(length, c, h, w);
    }
}
