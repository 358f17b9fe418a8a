using SpikeKit.Data.Events;
using SpikeKit.Native;
using TorchSharp;

namespace SpikeKit.Tests.Data.Events;

public class EventBatchLoaderTests
{
    public EventBatchLoaderTests() => TorchNative.EnsureLoaded();

    const int N = 5, T = 2, H = 4, W = 6;

    static EventDataset Data()
    {
        var frames = torch.arange(N * T * 2 * H * W, torch.ScalarType.Float32).reshape(N, T, 2, H, W);
        return new EventDataset("toy", frames, torch.tensor(new long[] { 0, 1, 2, 0, 1 }), 3, W, H, new long[N], "official");
    }

    [Fact]
    public void BatchesAreTimeFirstAndFollowFlipThenRollOfEachSample()
    {
        using var data = Data();
        var loader = new EventBatchLoader(data, batchSize: 2, shuffle: true, flip: true, roll: 2, seed: 7);
        var draws = loader.Draws(epoch: 3);
        Assert.Contains(draws, d => d.Flip);
        Assert.Contains(draws, d => !d.Flip);
        Assert.All(draws, d => Assert.InRange(d.Dy, -2, 2));
        Assert.Contains(draws, d => d.Dy != 0 || d.Dx != 0);
        var source = data.Frames.data<float>().ToArray();
        var seen = new List<long>();
        foreach (var batch in loader.Epoch(3))
        {
            using (batch)
            {
                int b = batch.Size;
                Assert.Equal(new long[] { T, b, 2, H, W }, batch.Images.shape);
                var x = batch.Images.data<float>().ToArray();
                var labels = batch.Labels.data<long>().ToArray();
                for (int j = 0; j < b; j++)
                {
                    // Which sample: its first value (before augmentation every value identifies sample, t, c, y, x).
                    int sample = Enumerable.Range(0, N).Single(s => Matches(s, j, b, x, source, draws[s]));
                    seen.Add(sample);
                    Assert.Equal(new long[] { 0, 1, 2, 0, 1 }[sample], labels[j]);
                }
            }
        }
        Assert.Equal(Enumerable.Range(0, N).Select(i => (long)i), seen.Order());
        // The same (seed, epoch) gives the same draws; another epoch others.
        Assert.Equal(draws, new EventBatchLoader(data, 3, true, true, 2, 7).Draws(3));
        Assert.NotEqual(draws, loader.Draws(4));
    }

    /// <summary>torch.roll(flip(x)) by hand: out[t, b, c, y, x] = in[s, t, c, (y − dy) mod H, W − 1 − ((x − dx) mod W) if flipped].</summary>
    static bool Matches(int s, int j, int b, float[] x, float[] source, (bool Flip, int Dy, int Dx) d)
    {
        for (int t = 0; t < T; t++)
            for (int c = 0; c < 2; c++)
                for (int y = 0; y < H; y++)
                    for (int xx = 0; xx < W; xx++)
                    {
                        int sy = ((y - d.Dy) % H + H) % H, sx = ((xx - d.Dx) % W + W) % W;
                        if (d.Flip) sx = W - 1 - sx;
                        float expected = source[(((s * T + t) * 2 + c) * H + sy) * W + sx];
                        if (x[(((t * b + j) * 2 + c) * H + y) * W + xx] != expected) return false;
                    }
        return true;
    }

    [Fact]
    public void WithoutAugmentationOrShuffleBatchesAreTheFramesInOrder()
    {
        using var data = Data();
        var loader = new EventBatchLoader(data, 4, shuffle: false, flip: false, roll: 0, seed: 0);
        Assert.Equal(2, loader.BatchesPerEpoch);
        var batches = loader.Epoch(0).ToList();
        using var expected = data.Frames.narrow(0, 4, 1).permute(1, 0, 2, 3, 4);
        Assert.Equal(new long[] { 2, 1, 2, 4, 6 }, expected.shape);
        Assert.True(batches[1].Images.eq(expected).all().item<bool>());
        foreach (var b in batches) b.Dispose();
    }
}
