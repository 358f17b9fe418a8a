using SpikeKit.Data;
using SpikeKit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Data;

public class ImageDatasetTests
{
    public ImageDatasetTests() => TorchNative.EnsureLoaded();

    static ImageDataset Make(long[] labels, int classes = 3, int channels = 1)
    {
        int n = labels.Length;
        var pixels = TempDataDir.Pattern(n * channels, 4, 5);
        return new ImageDataset("toy", torch.tensor(pixels, new long[] { n, channels, 4, 5 }), torch.tensor(labels), classes,
            Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.25f, channels).ToArray());
    }

    [Fact]
    public void ExposesShapeAndConstants()
    {
        using var d = Make(new long[] { 0, 1, 2, 2 }, channels: 3);
        Assert.Equal((4, 3, 4, 5, 3), (d.Count, d.Channels, d.Height, d.Width, d.Classes));
        Assert.Equal("toy", d.Name);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, d.Mean);
        Assert.Equal(new long[] { 1, 1, 2 }, d.LabelHistogram());
        Assert.Equal("toy: 4 × 3×4×5, 3 classes", d.ToString());
    }

    [Fact]
    public void ValidatesShapesDtypesAndLabels()
    {
        using var scope = NewDisposeScope();
        var images = torch.zeros(new long[] { 2, 1, 3, 3 }, ScalarType.Byte);
        var labels = torch.tensor(new long[] { 0, 1 });
        float[] m = { 0.5f }, s = { 0.25f };

        var e1 = Assert.Throws<ArgumentException>(() => new ImageDataset("x", torch.zeros(2, 1, 3, 3), labels, 2, m, s));
        Assert.StartsWith("x: images must be uint8 [N, C, H, W], got Float32 [2, 1, 3, 3]", e1.Message);
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", torch.zeros(new long[] { 2, 3, 3 }, ScalarType.Byte), labels, 2, m, s));
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", images, labels.to_type(ScalarType.Int32), 2, m, s));
        var e2 = Assert.Throws<ArgumentException>(() => new ImageDataset("x", images, torch.tensor(new long[] { 0, 1, 1 }), 2, m, s));
        Assert.StartsWith("x: 2 images but 3 labels", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new ImageDataset("x", images, torch.tensor(new long[] { 0, 2 }), 2, m, s));
        Assert.StartsWith("x: label 2 at index 1 is outside [0, 2)", e3.Message);
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", images, torch.tensor(new long[] { -1, 0 }), 2, m, s));
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", images, labels, 2, new[] { 0.5f, 0.5f }, s));
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", images, labels, 2, m, new[] { 0f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDataset("x", images, labels, 0, m, s));
    }

    [Fact]
    public void TakeGivesTheFirstSamplesAndAllWhenLimitIsLarge()
    {
        using var d = Make(new long[] { 2, 0, 1, 1, 0 });
        using var first = d.Take(3);
        using var all = d.Take(100);
        Assert.Equal(3, first.Count);
        Assert.Equal(new long[] { 2, 0, 1 }, first.Labels.data<long>().ToArray());
        Assert.Equal(TempDataDir.Pattern(3, 4, 5), first.Images.data<byte>().ToArray());
        Assert.Equal(5, all.Count);
        Assert.Equal(d.Labels.data<long>().ToArray(), all.Labels.data<long>().ToArray());
        Assert.Equal(d.Images.data<byte>().ToArray(), all.Images.data<byte>().ToArray());
        Assert.Equal((d.Classes, d.Mean[0], d.Std[0]), (first.Classes, first.Mean[0], first.Std[0]));
    }

    [Fact]
    public void ViewsSurviveDisposalOfTheSourceAndScopes()
    {
        ImageDataset view;
        using (var scope = NewDisposeScope())
        {
            using var d = Make(new long[] { 0, 1, 2, 0 });
            view = d.Take(2);
        }
        using (view)
        {
            Assert.Equal(new long[] { 0, 1 }, view.Labels.data<long>().ToArray());
            Assert.Equal(TempDataDir.Pattern(2, 4, 5), view.Images.data<byte>().ToArray());
        }
        Assert.True(view.Images.IsInvalid);
    }

    [Fact]
    public void StratifiedSampleKeepsProportionsAndIsSeeded()
    {
        // 60 of class 0, 30 of class 1, 10 of class 2.
        var labels = Enumerable.Range(0, 100).Select(i => i < 60 ? 0L : i < 90 ? 1L : 2L).ToArray();
        using var d = Make(labels);
        using var a = d.StratifiedSample(20, seed: 1);
        using var b = d.StratifiedSample(20, seed: 1);
        using var c = d.StratifiedSample(20, seed: 2);
        using var odd = d.StratifiedSample(7, seed: 1);
        Assert.Equal(new long[] { 12, 6, 2 }, a.LabelHistogram());
        Assert.Equal(new long[] { 4, 2, 1 }, odd.LabelHistogram()); // 4.2, 2.1, 0.7 → 4, 2, 0 + remainder to class 2
        Assert.Equal(a.Images.data<byte>().ToArray(), b.Images.data<byte>().ToArray());
        Assert.NotEqual(a.Images.data<byte>().ToArray(), c.Images.data<byte>().ToArray());
        var sorted = a.Labels.data<long>().ToArray();
        Assert.Equal(sorted.Order().ToArray(), sorted); // file order kept
    }
}
