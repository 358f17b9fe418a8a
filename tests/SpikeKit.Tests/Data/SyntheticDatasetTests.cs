using SpikeKit.Data;
using SpikeKit.Native;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Data;

public class SyntheticDatasetTests(ITestOutputHelper output)
{
    static SyntheticDatasetTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void ShapesLabelsAndBalance()
    {
        var (train, test) = SyntheticDataset.Create(trainCount: 100, testCount: 40, classes: 5, size: 16, channels: 3, seed: 1);
        using (train)
        using (test)
        {
            Assert.Equal((100, 3, 16, 16, 5), (train.Count, train.Channels, train.Height, train.Width, train.Classes));
            Assert.Equal(40, test.Count);
            Assert.Equal(new long[] { 20, 20, 20, 20, 20 }, train.LabelHistogram());
            Assert.Equal(new long[] { 8, 8, 8, 8, 8 }, test.LabelHistogram());
            Assert.Equal(ScalarType.Byte, train.Images.dtype);
        }
    }

    [Fact]
    public void DeterministicFromSeed()
    {
        var (a, at) = SyntheticDataset.Create(64, 32, seed: 11);
        var (b, bt) = SyntheticDataset.Create(64, 32, seed: 11);
        var (c, ct) = SyntheticDataset.Create(64, 32, seed: 12);
        using (a) using (at) using (b) using (bt) using (c) using (ct)
        {
            Assert.Equal(a.Images.data<byte>().ToArray(), b.Images.data<byte>().ToArray());
            Assert.Equal(a.Labels.data<long>().ToArray(), b.Labels.data<long>().ToArray());
            Assert.Equal(at.Images.data<byte>().ToArray(), bt.Images.data<byte>().ToArray());
            Assert.NotEqual(a.Images.data<byte>().ToArray(), c.Images.data<byte>().ToArray());
            using var first32 = a.Images.narrow(0, 0, 32).contiguous();
            Assert.NotEqual(first32.data<byte>().ToArray(), at.Images.data<byte>().ToArray()); // train and test streams differ
            Assert.Equal(a.Mean, b.Mean);
        }
    }

    [Fact]
    public void MeanAndStdAreComputedFromTheTrainingImages()
    {
        var (train, test) = SyntheticDataset.Create(200, 50, channels: 2, seed: 3);
        using (train)
        using (test)
        {
            using var unit = train.Images.to_type(ScalarType.Float64).div(255.0);
            for (int c = 0; c < 2; c++)
            {
                using var channel = unit.select(1, c);
                Assert.Equal(channel.mean().item<double>(), train.Mean[c], 4);
                Assert.Equal(channel.std(unbiased: false).item<double>(), train.Std[c], 4);
            }
            Assert.Equal(train.Mean, test.Mean);
            // Normalized batches are then roughly zero-mean, unit-variance.
            using var scope = NewDisposeScope();
            var all = new BatchLoader(train, 200, false, Augmentation.None, 0).Epoch(0).Single().Images;
            Assert.InRange(all.mean().item<float>(), -0.01f, 0.01f);
            Assert.InRange(all.std().item<float>(), 0.98f, 1.02f);
        }
    }

    [Fact]
    public void LearnableByANearestCentroidClassifierButNotTrivially()
    {
        var (train, test) = SyntheticDataset.Create(seed: 0);
        using (train)
        using (test)
        {
            using var scope = NewDisposeScope();
            var x = train.Images.to_type(ScalarType.Float32).flatten(1);
            var centroids = torch.stack(Enumerable.Range(0, train.Classes).Select(k => x[train.Labels.eq(k)].mean(new long[] { 0 })).ToList());
            var xt = test.Images.to_type(ScalarType.Float32).flatten(1);
            var predicted = torch.cdist(xt, centroids).argmin(1);
            double accuracy = predicted.eq(test.Labels).to_type(ScalarType.Float32).mean().item<float>();
            output.WriteLine($"nearest-centroid test accuracy on synthetic (512/256, 4 classes): {accuracy:F3}");
            Assert.InRange(accuracy, 0.7, 0.97); // learnable, but a linear template match is not enough for all of it

        }
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDataset.Create(trainCount: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDataset.Create(classes: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDataset.Create(size: 4));
    }
}
