using System.Diagnostics;
using SpikeKit.Data;
using SpikeKit.Native;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Data;

/// <summary>Checks against the real Fashion-MNIST files; skipped (with a reason) where they are not installed.</summary>
public class FashionMnistTests(ITestOutputHelper output)
{
    static FashionMnistTests() => TorchNative.EnsureLoaded();

    [FactWhenFashionMnist]
    public void FullSetHasTheKnownSizesAndBalancedClasses()
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = Datasets.Load("fashion-mnist");
        double loadSeconds = clock.Elapsed.TotalSeconds;
        using (train)
        using (test)
        {
            Assert.Equal((60000, 1, 28, 28, 10), (train.Count, train.Channels, train.Height, train.Width, train.Classes));
            Assert.Equal((10000, 1, 28, 28), (test.Count, test.Channels, test.Height, test.Width));
            Assert.All(train.LabelHistogram(), n => Assert.Equal(6000, n));
            Assert.All(test.LabelHistogram(), n => Assert.Equal(1000, n));
            using (var first = train.Labels.narrow(0, 0, 10)) Assert.Equal(new long[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, first.data<long>().ToArray());
            using (var first = test.Labels.narrow(0, 0, 10)) Assert.Equal(new long[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, first.data<long>().ToArray());
            using (var sum = train.Images[0].sum()) Assert.Equal(76247L, sum.item<long>());

            clock.Restart();
            var loader = new BatchLoader(train, 64, shuffle: true, Augmentation.None, seed: 0);
            int batches = 0;
            double total = 0, squares = 0;
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    batches++;
                    if (batches % 100 == 1) { total += batch.Images.mean().item<float>(); squares += batch.Images.square().mean().item<float>(); }
                }
            }
            double epochSeconds = clock.Elapsed.TotalSeconds;
            Assert.Equal(938, batches);
            // The published constants normalize the training set to about zero mean and unit variance.
            Assert.InRange(total / 10, -0.05, 0.05);
            Assert.InRange(squares / 10, 0.9, 1.1);
            output.WriteLine($"load fashion-mnist train+test: {loadSeconds:F3} s; one epoch of {batches} batches (64, shuffled, no augmentation): {epochSeconds:F3} s");
        }
    }

    [FactWhenFashionMnist]
    public void LimitsGiveStratifiedSubsets()
    {
        var (train, test) = Datasets.Load("fashion-mnist", trainLimit: 1000, testLimit: 500, seed: 42);
        using (train)
        using (test)
        {
            Assert.All(train.LabelHistogram(), n => Assert.Equal(100, n));
            Assert.All(test.LabelHistogram(), n => Assert.Equal(50, n));
        }
    }

    [FactWhenFashionMnist]
    public void AugmentedEpochRuns()
    {
        var (train, test) = Datasets.Load("fashion-mnist", trainLimit: 2048, testLimit: 10);
        using (train)
        using (test)
        {
            var clock = Stopwatch.StartNew();
            int n = 0;
            foreach (var batch in new BatchLoader(train, 128, true, new Augmentation(4, true), seed: 1).Epoch(0))
                using (batch)
                {
                    Assert.Equal(new long[] { 128, 1, 28, 28 }, batch.Images.shape);
                    n++;
                }
            Assert.Equal(16, n);
            output.WriteLine($"crop(4)+flip epoch of 2048 samples in batches of 128: {clock.Elapsed.TotalMilliseconds:F1} ms");
        }
    }
}
