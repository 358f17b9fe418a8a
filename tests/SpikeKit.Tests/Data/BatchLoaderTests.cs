using SpikeKit.Data;
using SpikeKit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Data;

public class BatchLoaderTests
{
    public BatchLoaderTests() => TorchNative.EnsureLoaded();

    const float Mean = 0.5f, Std = 0.25f;

    /// <summary>N samples whose label is their index (classes = N), images from <see cref="TempDataDir.Pattern"/>.</summary>
    static ImageDataset Ids(int n, int channels = 1, int h = 4, int w = 5)
    {
        var pixels = TempDataDir.Pattern(n * channels, h, w);
        return new ImageDataset("ids", torch.tensor(pixels, new long[] { n, channels, h, w }), torch.arange(n, ScalarType.Int64), n,
            Enumerable.Repeat(Mean, channels).ToArray(), Enumerable.Repeat(Std, channels).ToArray());
    }

    /// <summary>Each batch as (labels, raw pixel values recovered from the normalized images).</summary>
    static List<(long[] Labels, byte[] Pixels)> Collect(BatchLoader loader, int epoch)
    {
        var result = new List<(long[], byte[])>();
        foreach (var batch in loader.Epoch(epoch))
        {
            using (batch)
            {
                Assert.Equal(ScalarType.Float32, batch.Images.dtype);
                Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
                using var raw = batch.Images.mul(Std).add(Mean).mul(255).round().to_type(ScalarType.Byte);
                result.Add((batch.Labels.data<long>().ToArray(), raw.data<byte>().ToArray()));
            }
        }
        return result;
    }

    static long[] Order(List<(long[] Labels, byte[] Pixels)> batches) => batches.SelectMany(b => b.Labels).ToArray();

    [Fact]
    public void SameSeedAndEpochGiveIdenticalBatches()
    {
        using var d = Ids(50);
        var aug = new Augmentation(CropPadding: 1, HorizontalFlip: true);
        var a = Collect(new BatchLoader(d, 8, shuffle: true, aug, seed: 7), epoch: 3);
        var b = Collect(new BatchLoader(d, 8, shuffle: true, aug, seed: 7), epoch: 3);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Labels, b[i].Labels);
            Assert.Equal(a[i].Pixels, b[i].Pixels);
        }
    }

    [Fact]
    public void AnEpochDoesNotDependOnEarlierEpochs()
    {
        using var d = Ids(30);
        var aug = new Augmentation(2, true);
        var resumed = new BatchLoader(d, 4, true, aug, seed: 1);
        var continuous = new BatchLoader(d, 4, true, aug, seed: 1);
        for (int e = 0; e < 2; e++) Collect(continuous, e);
        var x = Collect(continuous, 2);
        var y = Collect(resumed, 2);
        Assert.Equal(Order(x), Order(y));
        Assert.Equal(x.SelectMany(b => b.Pixels), y.SelectMany(b => b.Pixels));
    }

    [Fact]
    public void DifferentEpochOrSeedGivesADifferentOrder()
    {
        using var d = Ids(64);
        var loader = new BatchLoader(d, 16, shuffle: true, Augmentation.None, seed: 0);
        var e0 = Order(Collect(loader, 0));
        Assert.NotEqual(e0, Order(Collect(loader, 1)));
        Assert.NotEqual(e0, Order(Collect(new BatchLoader(d, 16, true, Augmentation.None, seed: 1), 0)));
        Assert.NotEqual(Enumerable.Range(0, 64).Select(i => (long)i), e0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EverySampleIsSeenOncePerEpoch(bool shuffle)
    {
        using var d = Ids(23);
        var loader = new BatchLoader(d, 5, shuffle, Augmentation.None, seed: 4);
        Assert.Equal(5, loader.BatchesPerEpoch);
        var batches = Collect(loader, 2);
        Assert.Equal(new[] { 5, 5, 5, 5, 3 }, batches.Select(b => b.Labels.Length));
        var order = Order(batches);
        Assert.Equal(Enumerable.Range(0, 23).Select(i => (long)i), order.Order());
        if (!shuffle) Assert.Equal(Enumerable.Range(0, 23).Select(i => (long)i), order);
        // Without augmentation the pixels of each sample are its own.
        var all = TempDataDir.Pattern(23, 4, 5);
        var pixels = batches.SelectMany(b => b.Pixels).ToArray();
        for (int k = 0; k < order.Length; k++)
            Assert.Equal(all.AsSpan((int)order[k] * 20, 20).ToArray(), pixels.AsSpan(k * 20, 20).ToArray());
    }

    [Fact]
    public void DropLastDropsTheShortBatch()
    {
        using var d = Ids(23);
        var loader = new BatchLoader(d, 5, true, Augmentation.None, seed: 4, dropLast: true);
        Assert.Equal(4, loader.BatchesPerEpoch);
        var batches = Collect(loader, 0);
        Assert.Equal(4, batches.Count);
        Assert.All(batches, b => Assert.Equal(5, b.Labels.Length));
        Assert.Equal(20, Order(batches).Distinct().Count());

        using var exact = Ids(20);
        Assert.Equal(4, new BatchLoader(exact, 5, false, Augmentation.None, 0, dropLast: true).BatchesPerEpoch);
        Assert.Equal(4, new BatchLoader(exact, 5, false, Augmentation.None, 0).BatchesPerEpoch);
    }

    [Fact]
    public void NormalizesPerChannel()
    {
        var pixels = new byte[] { 0, 51, 255, 0, 51, 255 }; // one sample, 2 channels of 1×3
        using var d = new ImageDataset("n", torch.tensor(pixels, new long[] { 1, 2, 1, 3 }), torch.tensor(new long[] { 0 }), 1,
            new[] { 0.5f, 0.2f }, new[] { 0.25f, 0.1f });
        var batch = new BatchLoader(d, 4, false, Augmentation.None, 0).Epoch(0).Single();
        using (batch)
        {
            Assert.Equal(new long[] { 1, 2, 1, 3 }, batch.Images.shape);
            var x = batch.Images.data<float>().ToArray();
            float[] expected = { -2f, -1.2f, 2f, -2f, 0f, 8f };
            for (int i = 0; i < x.Length; i++) Assert.Equal(expected[i], x[i], 4);
        }
    }

    [Fact]
    public void FlipReallyMirrorsAboutHalfTheImages()
    {
        const int n = 64, h = 4, w = 5;
        using var d = Ids(n, channels: 2, h, w);
        var all = TempDataDir.Pattern(n * 2, h, w);
        var batches = Collect(new BatchLoader(d, 16, false, new Augmentation(HorizontalFlip: true), seed: 9), 0);
        int flipped = 0;
        foreach (var (labels, pixels) in batches)
            for (int k = 0; k < labels.Length; k++)
            {
                var original = all.AsSpan((int)labels[k] * 2 * h * w, 2 * h * w).ToArray();
                var got = pixels.AsSpan(k * 2 * h * w, 2 * h * w).ToArray();
                var mirror = new byte[original.Length];
                for (int c = 0; c < 2; c++)
                    for (int r = 0; r < h; r++)
                        for (int q = 0; q < w; q++)
                            mirror[(c * h + r) * w + q] = original[(c * h + r) * w + (w - 1 - q)];
                if (got.SequenceEqual(mirror)) flipped++;
                else Assert.Equal(original, got);
            }
        Assert.InRange(flipped, 16, 48);
    }

    [Fact]
    public void CropIsAShiftedWindowOfTheZeroPaddedImage()
    {
        const int n = 40, h = 6, w = 7, p = 2;
        using var d = Ids(n, channels: 1, h, w);
        var all = TempDataDir.Pattern(n, h, w);
        var batches = Collect(new BatchLoader(d, 16, true, new Augmentation(CropPadding: p), seed: 2), 0);
        var offsets = new HashSet<(int, int)>();
        foreach (var (labels, pixels) in batches)
            for (int k = 0; k < labels.Length; k++)
            {
                var original = all.AsSpan((int)labels[k] * h * w, h * w).ToArray();
                var got = pixels.AsSpan(k * h * w, h * w).ToArray();
                var match = Enumerable.Range(0, 2 * p + 1).SelectMany(dy => Enumerable.Range(0, 2 * p + 1).Select(dx => (dy, dx)))
                    .Where(o => Window(original, h, w, p, o.dy, o.dx).SequenceEqual(got)).ToList();
                Assert.NotEmpty(match);
                offsets.Add(match[0]);
            }
        Assert.True(offsets.Count >= 8, $"only {offsets.Count} distinct crop offsets");
    }

    [Fact]
    public void CropAndFlipKeepShapes()
    {
        using var d = Ids(10, channels: 3, h: 8, w: 8);
        var loader = new BatchLoader(d, 4, true, new Augmentation(4, true), seed: 0);
        using var scope = NewDisposeScope();
        var sizes = loader.Epoch(0).Select(b => b.Images.shape).ToList();
        Assert.Equal(new[] { new long[] { 4, 3, 8, 8 }, new long[] { 4, 3, 8, 8 }, new long[] { 2, 3, 8, 8 } }, sizes);
    }

    [Fact]
    public void BatchesBelongToTheCallersDisposeScope()
    {
        using var d = Ids(8);
        var loader = new BatchLoader(d, 4, true, new Augmentation(1, true), seed: 0);
        Batch batch;
        using (var scope = NewDisposeScope())
        {
            batch = loader.Epoch(0).First();
            Assert.False(batch.Images.IsInvalid);
        }
        Assert.True(batch.Images.IsInvalid);
        Assert.True(batch.Labels.IsInvalid);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        using var d = Ids(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(d, 0, true, Augmentation.None, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Augmentation(CropPadding: -1));
        Assert.True(Augmentation.None.IsNone);
        Assert.Equal(new Augmentation(), Augmentation.None);
    }

    static byte[] Window(byte[] image, int h, int w, int p, int dy, int dx)
    {
        var result = new byte[h * w];
        for (int r = 0; r < h; r++)
            for (int q = 0; q < w; q++)
            {
                int sr = r + dy - p, sq = q + dx - p;
                result[r * w + q] = sr >= 0 && sr < h && sq >= 0 && sq < w ? image[sr * w + sq] : (byte)0;
            }
        return result;
    }
}
