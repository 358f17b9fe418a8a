using SpikeKit.Data;
using SpikeKit.Experiments;
using SpikeKit.Native;
using StbImageWriteSharp;
using static TorchSharp.torch;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Data;

/// <summary>The streamed ImageNet folder set and its loader, on a fake ILSVRC2012 layout of a few tiny images.</summary>
public class ImageFolderTests : IDisposable
{
    readonly TempDataDir _dir = new();

    public ImageFolderTests() => TorchNative.EnsureLoaded();

    public void Dispose() => _dir.Dispose();

    static readonly float[] Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f];

    /// <summary>Interleaved RGB (or gray) pixels from a color function.</summary>
    static byte[] Pixels(int w, int h, int channels, Func<int, int, (byte R, byte G, byte B)> color)
    {
        var p = new byte[w * h * channels];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (r, g, b) = color(x, y);
                int o = (y * w + x) * channels;
                if (channels == 1) p[o] = r;
                else { p[o] = r; p[o + 1] = g; p[o + 2] = b; }
            }
        return p;
    }

    static byte[] Jpeg(int w, int h, Func<int, int, (byte, byte, byte)> color)
    {
        using var s = new MemoryStream();
        new ImageWriter().WriteJpg(Pixels(w, h, 3, color), w, h, ColorComponents.RedGreenBlue, s, 95);
        return s.ToArray();
    }

    static byte[] Png(int w, int h, Func<int, int, (byte, byte, byte)> color, bool gray = false)
    {
        using var s = new MemoryStream();
        new ImageWriter().WritePng(Pixels(w, h, gray ? 1 : 3, color), w, h, gray ? ColorComponents.Grey : ColorComponents.RedGreenBlue, s);
        return s.ToArray();
    }

    static Func<int, int, (byte, byte, byte)> Noise(int seed) =>
        (x, y) => ((byte)(x * 7 + y * 3 + seed * 40), (byte)(x * y + seed * 90), (byte)(255 - x * 5 - seed * 30));

    static readonly (int W, int H)[] Sizes = [(50, 40), (33, 60), (40, 40), (64, 48)];

    /// <summary>train: 3 classes × 4 images (JPEG, one a grayscale PNG named .JPEG as ImageNet has such oddities), plus a
    /// stray text file; val: 3 classes × 2 PNGs of one solid color each.</summary>
    string FakeImageNet()
    {
        string[] wnids = ["n03000000", "n01000000", "n02000000"]; // created out of order: classes are the sorted names
        for (int c = 0; c < wnids.Length; c++)
        {
            for (int i = 0; i < 4; i++)
            {
                var (w, h) = Sizes[i];
                var bytes = c == 1 && i == 2 ? Png(w, h, Noise(c), gray: true) : Jpeg(w, h, Noise(c * 4 + i));
                _dir.Write($"train/{wnids[c]}/{wnids[c]}_{i}.JPEG", bytes);
            }
            for (int i = 0; i < 2; i++)
                _dir.Write($"val/{wnids[c]}/ILSVRC2012_val_{c * 2 + i:D8}.JPEG", Png(30 + 10 * i, 40, (_, _) => ((byte)(60 * c + 20), (byte)(100 + i), 50)));
        }
        _dir.Write("train/n01000000/readme.txt", "not an image"u8.ToArray());
        return _dir.Path;
    }

    static float[] Data(Tensor t) => t.contiguous().data<float>().ToArray();

    [Fact]
    public void ClassesAreTheSortedFolderNamesAndLabelsFollowThem()
    {
        var (train, test) = Datasets.OpenStreamed("imagenet", FakeImageNet());
        Assert.Equal(new[] { "n01000000", "n02000000", "n03000000" }, train.ClassNames);
        Assert.Equal(train.ClassNames, test.ClassNames);
        Assert.Equal((12, 6, 3, 3), (train.Count, test.Count, train.Classes, train.Channels));
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 }, train.Labels);
        Assert.All(train.Paths.Take(4), p => Assert.Contains("/train/n01000000/n01000000_", p));
        Assert.DoesNotContain(train.Paths, p => p.EndsWith(".txt"));
        Assert.Equal(new long[] { 4, 4, 4 }, train.LabelHistogram());
        Assert.Equal("imagenet/val", test.Name);
        Assert.True(Datasets.IsStreamed("imagenet"));
        Assert.False(Datasets.IsStreamed("cifar10"));
        Assert.Contains("imagenet", Datasets.Names);
        Assert.Equal(Path.Combine(Datasets.UserDataRoot(), "imagenet"), Datasets.DefaultDirectory("imagenet"));
        var e = Assert.Throws<ArgumentException>(() => Datasets.Load("imagenet", _dir.Path));
        Assert.Contains("streamed", e.Message);
    }

    [Fact]
    public void TestBatchesAreNormalizedCropsOfTheRightShape()
    {
        var (train, test) = Datasets.OpenStreamed("imagenet", FakeImageNet());
        var loader = new ImageFolderLoader(test, 4, train: false, seed: 0, cropSize: 32);
        Assert.Equal((2, 32, 37), (loader.BatchesPerEpoch, loader.CropSize, loader.ResizeSize));
        using var scope = NewDisposeScope();
        var batches = loader.Epoch(0).ToList();
        Assert.Equal(new long[] { 4, 3, 32, 32 }, batches[0].Images.shape);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, batches[1].Images.shape);
        Assert.Equal(ScalarType.Float32, batches[0].Images.dtype);
        Assert.Equal([0L, 0, 1, 1], batches[0].Labels.data<long>().ToArray());
        // val image 3 (n02000000, written third with c = 2, its second image) is solid (140, 101, 50): every pixel is
        // (v/255 − mean)/std per channel.
        var img = batches[0].Images[3];
        byte[] rgb = [140, 101, 50];
        for (int c = 0; c < 3; c++)
        {
            float expected = (rgb[c] / 255f - Mean[c]) / Std[c];
            Assert.All(Data(img[c]), v => Assert.InRange(v, expected - 1e-4f, expected + 1e-4f));
        }
        // The training loader at 224 (the default) on a grayscale PNG and odd-sized JPEGs.
        var trainBatch = new ImageFolderLoader(train, 12, train: true, seed: 0).Epoch(0).Single();
        Assert.Equal(new long[] { 12, 3, 224, 224 }, trainBatch.Images.shape);
        Assert.Equal(new long[] { 4, 4, 4 }, trainBatch.Labels.data<long>().ToArray().GroupBy(l => l).OrderBy(g => g.Key).Select(g => (long)g.Count()));
        Assert.True(trainBatch.Images.isfinite().all().item<bool>());
    }

    [Fact]
    public void CenterCropGeometryMatchesResizeThenCrop()
    {
        // 128×64, left half red, right half blue. Crop 28 → resize shorter side to 32 (scale 2: 64×32), center crop at
        // left 18, top 2. Resized column 31 (crop column 13) is centred on source x = 63 and sees 61..64 with triangle weights
        // ¼, ¾, ¾, ¼ (antialiased bilinear, radius 2): 7/8 red, 1/8 blue; crop column 14 mirrors it; the rest are pure.
        _dir.Write("train/a/x.png", Png(128, 64, (x, _) => x < 64 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255)));
        _dir.Write("val/a/x.png", Png(128, 64, (x, _) => x < 64 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255)));
        var (_, test) = Datasets.OpenStreamed("imagenet", _dir.Path);
        using var scope = NewDisposeScope();
        var img = new ImageFolderLoader(test, 1, train: false, seed: 0, cropSize: 28).Epoch(0).Single().Images[0];
        float Norm(int c, double v) => (float)((v / 255 - Mean[c]) / Std[c]);
        var red = Data(img[0]);
        var blue = Data(img[2]);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                double r = x <= 12 ? 255 : x == 13 ? 255 * 7 / 8.0 : x == 14 ? 255 / 8.0 : 0;
                TestUtil.Close(Norm(0, r), red[y * 28 + x], 1e-4, $"red at ({x}, {y})");
                TestUtil.Close(Norm(2, 255 - r), blue[y * 28 + x], 1e-4, $"blue at ({x}, {y})");
            }
        Assert.All(Data(img[1]), v => Assert.InRange(v, Norm(1, 0) - 1e-4f, Norm(1, 0) + 1e-4f));
    }

    [Fact]
    public void EpochsArePureFunctionsOfSeedAndEpoch()
    {
        var (train, _) = Datasets.OpenStreamed("imagenet", FakeImageNet());
        using var scope = NewDisposeScope();
        (long[] Labels, float[] Pixels) All(ImageFolderLoader l, int epoch)
        {
            var batches = l.Epoch(epoch).ToList();
            return (batches.SelectMany(b => b.Labels.data<long>().ToArray()).ToArray(), batches.SelectMany(b => Data(b.Images)).ToArray());
        }
        var a = All(new ImageFolderLoader(train, 5, true, seed: 3, cropSize: 16), 1);
        // Same (seed, epoch): identical, whatever the batch size, threads or prefetching.
        var b = All(new ImageFolderLoader(train, 12, true, seed: 3, cropSize: 16, parallelism: 1, prefetch: false), 1);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Pixels, b.Pixels);
        // Another epoch or seed: another order and other crops.
        var c = All(new ImageFolderLoader(train, 5, true, seed: 3, cropSize: 16), 2);
        var d = All(new ImageFolderLoader(train, 5, true, seed: 4, cropSize: 16), 1);
        Assert.NotEqual(a.Pixels, c.Pixels);
        Assert.NotEqual(a.Pixels, d.Pixels);
        Assert.NotEqual(a.Labels, c.Labels);
        // The test loader keeps dataset order.
        var t = All(new ImageFolderLoader(train, 5, false, seed: 3, cropSize: 16), 7);
        Assert.Equal(train.Labels, t.Labels);
    }

    [Fact]
    public void RandomResizedCropBoxesFollowTorchvision()
    {
        var random = new SeededRandom(1, 2, 3);
        for (int i = 0; i < 200; i++)
        {
            var (x, y, w, h) = ImageTransforms.RandomResizedCropBox(50, 40, random);
            Assert.True(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 50 && y + h <= 40, $"box ({x}, {y}, {w}, {h})");
        }
        // Too wide for any ratio in [3/4, 4/3] at scale ≥ 0.08: the fallback is the central box of ratio 4/3.
        Assert.Equal((493, 0, 13, 10), ImageTransforms.RandomResizedCropBox(1000, 10, new SeededRandom(0)));
        Assert.Equal((256, 365), ImageTransforms.ResizeShorter(500, 713, 256));
        Assert.Equal((341, 256), ImageTransforms.ResizeShorter(500, 375, 256));
    }

    [Fact]
    public void LimitsTakeSeededStratifiedSubsets()
    {
        string dir = FakeImageNet();
        var (a, at) = Datasets.OpenStreamed("imagenet", dir, trainLimit: 6, testLimit: 3, seed: 5);
        var (b, _) = Datasets.OpenStreamed("imagenet", dir, trainLimit: 6, testLimit: 3, seed: 5);
        var (c, ct) = Datasets.OpenStreamed("imagenet", dir, trainLimit: 6, testLimit: 100, seed: 6);
        Assert.Equal(new long[] { 2, 2, 2 }, a.LabelHistogram());
        Assert.Equal(new long[] { 1, 1, 1 }, at.LabelHistogram());
        Assert.Equal(a.Paths, b.Paths);
        Assert.NotEqual(a.Paths, c.Paths);
        Assert.Equal(6, ct.Count);
        Assert.Equal(3, a.Classes);
        Assert.True(a.Paths.SequenceEqual(a.Paths.OrderBy(p => p, StringComparer.Ordinal)), "kept in file order");
    }

    [Fact]
    public void BadFoldersAndFilesAreOneLineErrorsNamingThem()
    {
        string missing = Path.Combine(_dir.Path, "nothing");
        var e1 = Assert.Throws<FileNotFoundException>(() => Datasets.OpenStreamed("imagenet", missing));
        Assert.StartsWith($"{Path.Combine(missing, "train")}: folder not found; ", e1.Message);

        Directory.CreateDirectory(Path.Combine(_dir.Path, "train"));
        var e2 = Assert.Throws<DataFormatException>(() => Datasets.OpenStreamed("imagenet", _dir.Path));
        Assert.StartsWith($"{Path.Combine(_dir.Path, "train")}: no class folders", e2.Message);

        string dir = FakeImageNet();
        Directory.CreateDirectory(Path.Combine(dir, "train", "n04000000"));
        var e3 = Assert.Throws<DataFormatException>(() => Datasets.OpenStreamed("imagenet", dir));
        Assert.StartsWith($"{Path.Combine(dir, "train", "n04000000")}: no images", e3.Message);

        _dir.Write("train/n04000000/a.JPEG", Jpeg(8, 8, Noise(0)));
        var e4 = Assert.Throws<DataFormatException>(() => Datasets.OpenStreamed("imagenet", dir));
        Assert.Equal($"{Path.Combine(dir, "val")}: holds 3 class folders, the training split 4; 'n04000000' is missing", e4.Message);
        Directory.Delete(Path.Combine(dir, "train", "n04000000"), recursive: true);

        string bad = _dir.Write("train/n02000000/n02000000_9.JPEG", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]);
        var (train, _) = Datasets.OpenStreamed("imagenet", dir);
        using var scope = NewDisposeScope();
        var e5 = Assert.Throws<DataFormatException>(() => new ImageFolderLoader(train, 4, false, 0, cropSize: 16).Epoch(0).ToList());
        Assert.StartsWith($"{bad}: cannot decode as JPEG or PNG", e5.Message);
        Assert.DoesNotContain('\n', e5.Message);
        Assert.Equal(bad, e5.Path);
        // A JPEG cut off in its image data decodes (stb_image fills in the rest), as libjpeg's lenient mode does.
        File.WriteAllBytes(bad, Jpeg(40, 30, Noise(1))[..^20]);
        Assert.Equal(4, new ImageFolderLoader(train, 4, false, 0, cropSize: 16).Epoch(0).Count()); // 13 images
        File.WriteAllBytes(bad, "GIF89a"u8.ToArray());
        Assert.StartsWith($"{bad}: cannot decode as JPEG or PNG", Assert.Throws<DataFormatException>(
            () => new ImageFolderLoader(train, 4, false, 0, cropSize: 16).Epoch(0).ToList()).Message);
    }

    [Fact]
    public void RunExecutorTrainsResNet18OnTheFakeImageNet()
    {
        string data = FakeImageNet(), outDir = Path.Combine(_dir.Path, "run");
        var config = new RunConfig
        {
            Dataset = "imagenet", DataDir = data, Model = "resnet18", Width = 0.125, TimeSteps = 1, Epochs = 1, BatchSize = 2,
            TrainLimit = 3, TestLimit = 3, Flip = true, Threads = 1, Variant = "rmp",
        };
        var summary = RunExecutor.Run(config, outDir);
        Assert.Equal((RunStatus.Completed, 1), (summary.Status, summary.EpochsCompleted));
        Assert.True(File.Exists(Path.Combine(outDir, "summary.json")));
        Assert.InRange(summary.FinalTestAccuracy, 0, 1);
        var e = Assert.Throws<ConfigException>(() => (config with { CropPadding = 4 }).Validate());
        Assert.Contains("crop-padding", e.Message);
    }
}
