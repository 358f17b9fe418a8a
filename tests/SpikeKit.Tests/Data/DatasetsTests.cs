using SpikeKit.Data;
using SpikeKit.Native;

namespace SpikeKit.Tests.Data;

public class DatasetsTests
{
    public DatasetsTests() => TorchNative.EnsureLoaded();

    const string FashionHint = "install the Debian package dataset-fashion-mnist or run data-scripts/fashion-mnist.sh";

    /// <summary>Writes a Fashion-MNIST-layout folder: train images gz, train labels raw, t10k both gz.</summary>
    static void WriteIdxSet(TempDataDir dir, byte[] trainLabels, byte[] testLabels, int? trainImageCount = null)
    {
        int n = trainImageCount ?? trainLabels.Length;
        dir.Write("train-images-idx3-ubyte.gz", TempDataDir.Idx3(n, 28, 28, TempDataDir.Pattern(n, 28, 28)), gzip: true);
        dir.Write("train-labels-idx1-ubyte", TempDataDir.Idx1(trainLabels));
        dir.Write("t10k-images-idx3-ubyte.gz", TempDataDir.Idx3(testLabels.Length, 28, 28, TempDataDir.Pattern(testLabels.Length, 28, 28)), gzip: true);
        dir.Write("t10k-labels-idx1-ubyte.gz", TempDataDir.Idx1(testLabels), gzip: true);
    }

    [Fact]
    public void NamesAreTheSixKnownSets()
    {
        Assert.Equal(new[] { "fashion-mnist", "mnist", "cifar10", "cifar100", "imagenet", "synthetic" }, Datasets.Names);
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => Datasets.Load("svhn"));
        Assert.Equal("dataset: unknown 'svhn' (known: fashion-mnist, mnist, cifar10, cifar100, imagenet, synthetic)", e.Message);
        Assert.Throws<ArgumentException>(() => Datasets.DefaultDirectory("svhn"));
    }

    [Fact]
    public void DefaultDirectories()
    {
        if (Directory.Exists("/usr/share/datasets/fashion-mnist"))
            Assert.Equal("/usr/share/datasets/fashion-mnist", Datasets.DefaultDirectory("fashion-mnist"));
        Assert.Equal(Path.Combine(Datasets.UserDataRoot(), "cifar10"), Datasets.DefaultDirectory("cifar10"));
        Assert.Equal(Path.Combine(Datasets.UserDataRoot(), "cifar100"), Datasets.DefaultDirectory("CIFAR100"));
        string? env = Environment.GetEnvironmentVariable("SPIKEKIT_DATA");
        string expectedRoot = string.IsNullOrWhiteSpace(env)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "spikekit", "data")
            : env;
        Assert.Equal(expectedRoot, Datasets.UserDataRoot());
    }

    [Fact]
    public void LoadsAnIdxFolderWithFashionMnistConstants()
    {
        using var dir = new TempDataDir();
        WriteIdxSet(dir, new byte[] { 0, 1, 2, 9, 5 }, new byte[] { 3, 4 });

        var (train, test) = Datasets.Load("fashion-mnist", dir.Path);
        using (train)
        using (test)
        {
            Assert.Equal("fashion-mnist/train", train.Name);
            Assert.Equal("fashion-mnist/test", test.Name);
            Assert.Equal((5, 1, 28, 28, 10), (train.Count, train.Channels, train.Height, train.Width, train.Classes));
            Assert.Equal(2, test.Count);
            Assert.Equal(new[] { 0.2860f }, train.Mean);
            Assert.Equal(new[] { 0.3530f }, train.Std);
            Assert.Equal(new long[] { 0, 1, 2, 9, 5 }, train.Labels.data<long>().ToArray());
            Assert.Equal(TempDataDir.Pattern(2, 28, 28), test.Images.data<byte>().ToArray());
        }

        var (mTrain, mTest) = Datasets.Load("mnist", dir.Path);
        using (mTrain)
        using (mTest)
        {
            Assert.Equal(new[] { 0.1307f }, mTrain.Mean);
            Assert.Equal(new[] { 0.3081f }, mTest.Std);
        }
    }

    [Fact]
    public void MissingFileSaysHowToGetIt()
    {
        using var dir = new TempDataDir();
        var e = Assert.Throws<FileNotFoundException>(() => Datasets.Load("fashion-mnist", dir.Path));
        string path = Path.Combine(dir.Path, "train-images-idx3-ubyte.gz");
        Assert.Equal($"{path}: not found (nor train-images-idx3-ubyte); {FashionHint}", e.Message);

        var e2 = Assert.Throws<FileNotFoundException>(() => Datasets.Load("cifar10", dir.Path));
        Assert.Equal($"{Path.Combine(dir.Path, "data_batch_1.bin")}: not found (nor data_batch_1.bin.gz); run data-scripts/cifar10.sh", e2.Message);
        var e3 = Assert.Throws<FileNotFoundException>(() => Datasets.Load("mnist", dir.Path));
        Assert.EndsWith("; run data-scripts/mnist.sh", e3.Message);
    }

    [Fact]
    public void LabelOutsideTenClassesNamesTheLabelFile()
    {
        using var dir = new TempDataDir();
        WriteIdxSet(dir, new byte[] { 0, 1, 10, 3 }, new byte[] { 3, 4 });
        var e = Assert.Throws<DataFormatException>(() => Datasets.Load("fashion-mnist", dir.Path));
        string labels = dir.File("train-labels-idx1-ubyte");
        Assert.Equal($"{labels}: item 2 has label 10, outside [0, 10)", e.Message);
        Assert.Equal(labels, e.Path);
    }

    [Fact]
    public void ImageAndLabelCountMismatchNamesBothFiles()
    {
        using var dir = new TempDataDir();
        WriteIdxSet(dir, new byte[] { 0, 1, 2 }, new byte[] { 3, 4 }, trainImageCount: 4);
        var e = Assert.Throws<DataFormatException>(() => Datasets.Load("fashion-mnist", dir.Path));
        Assert.Equal($"{dir.File("train-labels-idx1-ubyte")}: holds 3 labels but {dir.File("train-images-idx3-ubyte.gz")} holds 4 images", e.Message);
    }

    [Fact]
    public void LoadsCifar10FromTheExtractedFolder()
    {
        using var dir = new TempDataDir();
        for (int b = 1; b <= 5; b++)
            dir.Write($"cifar-10-batches-bin/data_batch_{b}.bin", TempDataDir.Cifar10(new byte[] { (byte)(b - 1), (byte)(b + 4) }, firstIndex: 2 * (b - 1)));
        dir.Write("cifar-10-batches-bin/test_batch.bin", TempDataDir.Cifar10(new byte[] { 7, 8, 9 }));

        var (train, test) = Datasets.Load("cifar10", dir.Path);
        using (train)
        using (test)
        {
            Assert.Equal((10, 3, 32, 32, 10), (train.Count, train.Channels, train.Height, train.Width, train.Classes));
            Assert.Equal(new long[] { 0, 5, 1, 6, 2, 7, 3, 8, 4, 9 }, train.Labels.data<long>().ToArray());
            using (var r9 = train.Images[9].flatten()) Assert.Equal(TempDataDir.CifarPixels(9), r9.data<byte>().ToArray());
            Assert.Equal(3, test.Count);
            Assert.Equal(new[] { 0.4914f, 0.4822f, 0.4465f }, train.Mean);
            Assert.Equal(new[] { 0.2470f, 0.2435f, 0.2616f }, test.Std);
        }
    }

    [Fact]
    public void LoadsCifar100WithFineLabels()
    {
        using var dir = new TempDataDir();
        dir.Write("train.bin", TempDataDir.Cifar100(new byte[] { 1, 2, 3 }, new byte[] { 10, 99, 42 }));
        dir.Write("test.bin", TempDataDir.Cifar100(new byte[] { 19 }, new byte[] { 77 }));

        var (train, test) = Datasets.Load("cifar100", dir.Path);
        using (train)
        using (test)
        {
            Assert.Equal(100, train.Classes);
            Assert.Equal(new long[] { 10, 99, 42 }, train.Labels.data<long>().ToArray());
            Assert.Equal(new long[] { 77 }, test.Labels.data<long>().ToArray());
            Assert.Equal(new[] { 0.5071f, 0.4865f, 0.4409f }, train.Mean);
            Assert.Equal(new[] { 0.2673f, 0.2564f, 0.2762f }, train.Std);
        }
    }

    [Fact]
    public void LimitsTakeASeededStratifiedSubsetInFileOrder()
    {
        using var dir = new TempDataDir();
        var labels = Enumerable.Range(0, 100).Select(i => (byte)(i % 10)).ToArray();
        WriteIdxSet(dir, labels, labels[..40]);

        long[] Ids(ImageDataset d) // first pixel of image i is 7i mod 256, and 7·183 ≡ 1 (mod 256): recover i
        {
            using var first = d.Images.select(1, 0).select(1, 0).select(1, 0).contiguous();
            return first.data<byte>().ToArray().Select(b => (long)(b * 183 % 256)).ToArray();
        }

        var (a, at) = Datasets.Load("fashion-mnist", dir.Path, trainLimit: 30, testLimit: 20, seed: 5);
        var (b, bt) = Datasets.Load("fashion-mnist", dir.Path, trainLimit: 30, testLimit: 20, seed: 5);
        var (c, ct) = Datasets.Load("fashion-mnist", dir.Path, trainLimit: 30, testLimit: 500, seed: 6);
        using (a) using (at) using (b) using (bt) using (c) using (ct)
        {
            Assert.Equal(30, a.Count);
            Assert.Equal(20, at.Count);
            Assert.Equal(40, ct.Count);
            Assert.All(a.LabelHistogram(), n => Assert.Equal(3, n));
            Assert.All(at.LabelHistogram(), n => Assert.Equal(2, n));
            var ids = Ids(a);
            Assert.Equal(ids.Order().ToArray(), ids);
            Assert.Equal(ids, Ids(b));
            Assert.NotEqual(ids, Ids(c));
            Assert.Equal(ids.Select(i => i % 10).ToArray(), a.Labels.data<long>().ToArray());
        }
    }

    [Fact]
    public void SyntheticNeedsNoFilesAndHonoursLimits()
    {
        var (train, test) = Datasets.Load("synthetic", trainLimit: 64, testLimit: 32, seed: 3);
        using (train)
        using (test)
        {
            Assert.Equal((64, 32, 4), (train.Count, test.Count, train.Classes));
            Assert.Equal("synthetic/train", train.Name);
        }
        var (dTrain, dTest) = Datasets.Load("synthetic");
        using (dTrain)
        using (dTest)
            Assert.Equal((512, 256), (dTrain.Count, dTest.Count));
    }

    [Fact]
    public void NonPositiveLimitIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Load("synthetic", trainLimit: 0));
    }
}
