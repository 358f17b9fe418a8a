using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data.Events;

/// <summary>
/// Cuts an <see cref="EventDataset"/> into batches <c>[T, B, 2, H, W]</c> (time first, as the models take them), optionally
/// shuffled and augmented with a random horizontal flip and a random roll, the augmentation of the RMP-Loss group's
/// CIFAR10-DVS training (TET's code: <c>RandomHorizontalFlip</c>, then <c>torch.roll</c> by two offsets drawn from
/// <c>randint(−5, 5)</c> over the two spatial axes). One flip and one roll per sample, the same for all T frames.
/// </summary>
/// <remarks>Seeded like <see cref="BatchLoader"/>: the order is a Fisher–Yates shuffle of a SplitMix64 stream seeded by
/// <c>(seed, epoch, "ORDER")</c> and the augmentation draws come from the stream <c>(seed, epoch, "AUGMEN")</c>, in sample
/// order: per sample first the flip bit (when flipping), then the row and column shifts (when rolling), each uniform in
/// <c>[−R, R]</c>. An epoch is a pure function of (seed, epoch).</remarks>
public sealed class EventBatchLoader : IBatchSource
{
    readonly EventDataset _data;
    readonly int _batchSize, _roll;
    readonly bool _shuffle, _flip;
    readonly long _seed;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The dataset; it must outlive the loader's use.</param>
    /// <param name="batchSize">Samples per batch, ≥ 1.</param>
    /// <param name="shuffle">Shuffle every epoch.</param>
    /// <param name="flip">Mirror each sample left–right with probability ½.</param>
    /// <param name="roll">Shift each sample by a uniform number of pixels in <c>[−roll, roll]</c> along y and along x, with
    /// wrap-around (<c>torch.roll</c>); 0 disables it.</param>
    /// <param name="seed">Seed of order and augmentation.</param>
    public EventBatchLoader(EventDataset data, int batchSize, bool shuffle, bool flip, int roll, long seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(roll);
        (_data, _batchSize, _shuffle, _flip, _roll, _seed) = (data, batchSize, shuffle, flip, roll, seed);
    }

    /// <inheritdoc />
    public int BatchesPerEpoch => (_data.Count + _batchSize - 1) / _batchSize;

    /// <summary>The augmentation of every sample of an epoch: flip, row shift, column shift (the pure function of (seed, epoch)).</summary>
    public (bool Flip, int Dy, int Dx)[] Draws(int epoch)
    {
        var random = new SeededRandom(_seed, epoch, 0x4155474D454EL /* "AUGMEN" */);
        var draws = new (bool, int, int)[_data.Count];
        for (int i = 0; i < draws.Length; i++)
        {
            bool f = _flip && (random.NextUInt64() >> 63) == 1;
            int dy = 0, dx = 0;
            if (_roll > 0) { dy = random.Next(2 * _roll + 1) - _roll; dx = random.Next(2 * _roll + 1) - _roll; }
            draws[i] = (f, dy, dx);
        }
        return draws;
    }

    /// <inheritdoc />
    public IEnumerable<Batch> Epoch(int epoch)
    {
        int n = _data.Count;
        var order = new long[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (_shuffle) new SeededRandom(_seed, epoch, 0x4F52444552L /* "ORDER" */).Shuffle(order);
        var draws = _flip || _roll > 0 ? Draws(epoch) : null;
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            int start = b * _batchSize, length = Math.Min(_batchSize, n - start);
            yield return MakeBatch(order.AsSpan(start, length).ToArray(), draws);
        }
    }

    Batch MakeBatch(long[] index, (bool Flip, int Dy, int Dx)[]? draws)
    {
        using var scope = NewDisposeScope();
        var idx = torch.tensor(index);
        var x = _data.Frames.index_select(0, idx);
        var labels = _data.Labels.index_select(0, idx);
        if (draws is not null)
        {
            // output[b, ..., h, w] = x[b, ..., (h − dy) mod H, src_w] with src_w = (w − dx) mod W, mirrored first when flipped
            // (flip then roll, as the group's code applies them).
            int len = index.Length, t = _data.TimeSteps, h = _data.Height, w = _data.Width;
            var dy = torch.tensor(index.Select(i => (long)draws[i].Dy).ToArray(), new long[] { len, 1, 1 });
            var dx = torch.tensor(index.Select(i => (long)draws[i].Dx).ToArray(), new long[] { len, 1, 1 });
            var flip = torch.tensor(index.Select(i => draws[i].Flip).ToArray(), new long[] { len, 1, 1 });
            var rows = torch.arange(h, ScalarType.Int64).view(1, h, 1).sub(dy).remainder(h);
            var cols = torch.arange(w, ScalarType.Int64).view(1, 1, w).sub(dx).remainder(w);
            cols = torch.where(flip, cols.neg().add(w - 1), cols);
            var gather = rows.mul(w).add(cols).view(len, 1, h * w).expand(len, t * 2, h * w);
            x = x.reshape(len, t * 2, h * w).gather(2, gather).view(len, t, 2, h, w);
        }
        var images = x.permute(1, 0, 2, 3, 4).contiguous();
        return new Batch(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }
}
