using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// The data sets SpikeKit knows by name, where they live on disk, and how to load them as train/test
/// <see cref="ImageDataset"/> pairs with their normalization constants.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>fashion-mnist</term><description>IDX files (gz or raw); mean 0.2860, std 0.3530. Debian package <c>dataset-fashion-mnist</c>.</description></item>
/// <item><term>mnist</term><description>IDX files (gz or raw); mean 0.1307, std 0.3081.</description></item>
/// <item><term>cifar10</term><description>binary batches; mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616).</description></item>
/// <item><term>cifar100</term><description>binary train/test with fine labels; mean (0.5071, 0.4865, 0.4409), std (0.2673, 0.2564, 0.2762).</description></item>
/// <item><term>imagenet</term><description>ILSVRC2012 image folders <c>train/&lt;wnid&gt;/*.JPEG</c>, <c>val/&lt;wnid&gt;/*.JPEG</c>,
/// streamed from disk (<see cref="OpenStreamed"/>, <see cref="ImageFolderLoader"/>), not loaded by <see cref="Load"/>;
/// mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). <c>data-scripts/imagenet.sh</c> lays out the official tars.</description></item>
/// <item><term>synthetic</term><description><see cref="SyntheticDataset"/>; no files; mean/std computed.</description></item>
/// </list>
/// </remarks>
public static class Datasets
{
    const string FashionMnist = "fashion-mnist", Mnist = "mnist", Cifar10 = "cifar10", Cifar100 = "cifar100", ImageNet = "imagenet", Synthetic = "synthetic";

    /// <summary>Default training/test sizes of the synthetic set when no limit is given.</summary>
    public const int SyntheticTrainCount = 512, SyntheticTestCount = 256;

    /// <summary>Known data set names: fashion-mnist, mnist, cifar10, cifar100, imagenet, synthetic.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(new[] { FashionMnist, Mnist, Cifar10, Cifar100, ImageNet, Synthetic });

    /// <summary>ImageNet's per-channel (R, G, B) mean in <c>[0, 1]</c> pixel units (torchvision's).</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = Array.AsReadOnly(new[] { 0.485f, 0.456f, 0.406f });

    /// <summary>ImageNet's per-channel (R, G, B) standard deviation in <c>[0, 1]</c> pixel units (torchvision's).</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = Array.AsReadOnly(new[] { 0.229f, 0.224f, 0.225f });

    /// <summary>True for the data sets that are streamed from disk (<see cref="OpenStreamed"/>) rather than loaded (<see cref="Load"/>): imagenet.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static bool IsStreamed(string name) => Canonical(name) == ImageNet;

    /// <summary>
    /// Opens a streamed data set's train and test image folders (imagenet: <c>DIR/train</c> and <c>DIR/val</c>, classes = the
    /// sorted <c>train</c> sub-folders, which <c>val</c> must match). Only file paths are read; feed the splits to
    /// <see cref="ImageFolderLoader"/>.
    /// </summary>
    /// <param name="name">A name for which <see cref="IsStreamed"/> is true.</param>
    /// <param name="directory">Folder holding <c>train/</c> and <c>val/</c>; null means <see cref="DefaultDirectory"/>.</param>
    /// <param name="trainLimit">Keep at most this many training images (≥ 1): a seeded, class-stratified subset as in <see cref="Load"/>.</param>
    /// <param name="testLimit">Keep at most this many test images (≥ 1), likewise.</param>
    /// <param name="seed">Seed of the limited subsets.</param>
    /// <exception cref="ArgumentException">Unknown name, or one that is loaded rather than streamed.</exception>
    /// <exception cref="FileNotFoundException">A split folder is missing (one line naming it and how to get the data).</exception>
    /// <exception cref="DataFormatException">No class folders, an empty class folder, or val classes that differ from train (one line naming the folder).</exception>
    public static (ImageFolderDataset Train, ImageFolderDataset Test) OpenStreamed(string name, string? directory = null, int? trainLimit = null, int? testLimit = null, long seed = 0)
    {
        name = Canonical(name);
        if (name != ImageNet) throw new ArgumentException($"dataset: {name} is loaded into memory, not streamed (use Datasets.Load)");
        if (trainLimit is < 1) throw new ArgumentOutOfRangeException(nameof(trainLimit), $"dataset: trainLimit must be >= 1, got {trainLimit}");
        if (testLimit is < 1) throw new ArgumentOutOfRangeException(nameof(testLimit), $"dataset: testLimit must be >= 1, got {testLimit}");
        directory ??= DefaultDirectory(name);
        const string hint = "lay out ILSVRC2012 with data-scripts/imagenet.sh";
        float[] mean = ImageNetMean.ToArray(), std = ImageNetStd.ToArray();
        var train = ImageFolderDataset.Open($"{name}/train", Path.Combine(directory, "train"), mean, std, hint: hint);
        var test = ImageFolderDataset.Open($"{name}/val", Path.Combine(directory, "val"), mean, std, train.ClassNames, hint);
        return (trainLimit is { } tl ? train.StratifiedSample(tl, seed) : train, testLimit is { } vl ? test.StratifiedSample(vl, seed) : test);
    }

    /// <summary>
    /// Where a data set is looked for when no directory is given.
    /// fashion-mnist: <c>/usr/share/datasets/fashion-mnist</c>; mnist: <c>/usr/share/datasets/mnist</c> — for these two,
    /// when that folder is absent but <c>&lt;user data&gt;/&lt;name&gt;</c> exists (where <c>data-scripts/</c> put files
    /// without root), that one is returned. Others: <c>&lt;user data&gt;/&lt;name&gt;</c>, where user data is
    /// <c>$SPIKEKIT_DATA</c> if set, else <c>~/.local/share/spikekit/data</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static string DefaultDirectory(string name)
    {
        name = Canonical(name);
        string user = Path.Combine(UserDataRoot(), name);
        if (name is FashionMnist or Mnist)
        {
            string system = Path.Combine("/usr/share/datasets", name);
            return !Directory.Exists(system) && Directory.Exists(user) ? user : system;
        }
        return user;
    }

    /// <summary><c>$SPIKEKIT_DATA</c> if set, else <c>~/.local/share/spikekit/data</c>.</summary>
    public static string UserDataRoot()
    {
        string? env = Environment.GetEnvironmentVariable("SPIKEKIT_DATA");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "spikekit", "data");
    }

    /// <summary>
    /// Loads a data set's train and test splits.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/> (case-insensitive) except the streamed imagenet.</param>
    /// <param name="directory">Folder with the files; null means <see cref="DefaultDirectory"/>. CIFAR folders may hold the
    /// files directly or the extracted <c>cifar-10-batches-bin/</c> / <c>cifar-100-binary/</c> folder. Ignored for synthetic.</param>
    /// <param name="trainLimit">Keep at most this many training samples (≥ 1); null keeps all. For synthetic: the number generated (default 512).</param>
    /// <param name="testLimit">Keep at most this many test samples (≥ 1); null keeps all. For synthetic: the number generated (default 256).</param>
    /// <param name="seed">Seed of the limited subsets (and of the synthetic images).</param>
    /// <remarks>A limit smaller than the split takes a seeded, class-stratified subset kept in file order
    /// (<see cref="ImageDataset.StratifiedSample"/>): class proportions are preserved and the same (limit, seed) always
    /// selects the same samples.</remarks>
    /// <exception cref="ArgumentException">Unknown name: <c>dataset: unknown 'x' (known: ...)</c>; or a streamed data set
    /// (<see cref="IsStreamed"/>: imagenet), which does not fit in memory.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; one line naming it and how to get it.</exception>
    /// <exception cref="DataFormatException">A file is malformed; one line naming it.</exception>
    public static (ImageDataset Train, ImageDataset Test) Load(string name, string? directory = null, int? trainLimit = null, int? testLimit = null, long seed = 0)
    {
        name = Canonical(name);
        if (trainLimit is < 1) throw new ArgumentOutOfRangeException(nameof(trainLimit), $"dataset: trainLimit must be >= 1, got {trainLimit}");
        if (testLimit is < 1) throw new ArgumentOutOfRangeException(nameof(testLimit), $"dataset: testLimit must be >= 1, got {testLimit}");
        if (name == ImageNet)
            throw new ArgumentException($"dataset: {name} does not fit in memory; it is streamed from disk (Datasets.OpenStreamed, ImageFolderLoader)");
        if (name == Synthetic)
            return SyntheticDataset.Create(trainLimit ?? SyntheticTrainCount, testLimit ?? SyntheticTestCount, seed: seed);

        directory ??= DefaultDirectory(name);
        if (File.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: a file, not a folder of {name} files (--data-dir)");
        using var scope = NewDisposeScope();
        var train = LoadSplit(name, directory, train: true);
        try
        {
            var test = LoadSplit(name, directory, train: false);
            return (Limit(train, trainLimit, seed), Limit(test, testLimit, seed));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    static ImageDataset LoadSplit(string name, string directory, bool train)
    {
        string split = train ? "train" : "test";
        switch (name)
        {
            case FashionMnist:
            case Mnist:
            {
                string hint = name == FashionMnist
                    ? "install the Debian package dataset-fashion-mnist or run data-scripts/fashion-mnist.sh"
                    : "run data-scripts/mnist.sh";
                float[] mean = name == FashionMnist ? new[] { 0.2860f } : new[] { 0.1307f };
                float[] std = name == FashionMnist ? new[] { 0.3530f } : new[] { 0.3081f };
                return LoadIdx($"{name}/{split}", directory, train ? "train" : "t10k", hint, mean, std);
            }
            case Cifar10:
            {
                string folder = Subfolder(directory, "cifar-10-batches-bin");
                const string hint = "run data-scripts/cifar10.sh";
                float[] mean = { 0.4914f, 0.4822f, 0.4465f }, std = { 0.2470f, 0.2435f, 0.2616f };
                var files = train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray() : new[] { "test_batch.bin" };
                var paths = files.Select(f => DataFiles.Resolve(Path.Combine(folder, f), hint)).ToArray();
                var parts = paths.Select(CifarReader.ReadCifar10).ToList();
                var images = parts.Count == 1 ? parts[0].Images : torch.cat(parts.Select(p => p.Images).ToList(), 0);
                var labels = parts.Count == 1 ? parts[0].Labels : torch.cat(parts.Select(p => p.Labels).ToList(), 0);
                return new ImageDataset($"cifar10/{split}", images, labels, 10, mean, std);
            }
            case Cifar100:
            {
                string folder = Subfolder(directory, "cifar-100-binary");
                const string hint = "run data-scripts/cifar100.sh";
                float[] mean = { 0.5071f, 0.4865f, 0.4409f }, std = { 0.2673f, 0.2564f, 0.2762f };
                var (images, fine, _) = CifarReader.ReadCifar100(DataFiles.Resolve(Path.Combine(folder, train ? "train.bin" : "test.bin"), hint));
                return new ImageDataset($"cifar100/{split}", images, fine, 100, mean, std);
            }
            default:
                throw new InvalidOperationException($"dataset: no loader for '{name}'");
        }
    }

    static ImageDataset Limit(ImageDataset data, int? limit, long seed)
    {
        if (limit is null || limit >= data.Count) return data;
        using (data) return data.StratifiedSample(limit.Value, seed);
    }

    static ImageDataset LoadIdx(string datasetName, string directory, string prefix, string hint, float[] mean, float[] std)
    {
        string imagesPath = DataFiles.Resolve(Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz"), hint);
        string labelsPath = DataFiles.Resolve(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), hint);
        var images = IdxReader.ReadImages(imagesPath);
        if (images.shape[0] == 0) throw new DataFormatException(imagesPath, "holds no images");
        if (images.shape[2] != 28 || images.shape[3] != 28)
            throw new DataFormatException(imagesPath, $"holds {images.shape[2]}x{images.shape[3]}-pixel images; {datasetName.Split('/')[0]} images are 28x28");
        var labels = IdxReader.ReadLabels(labelsPath);
        if (labels.shape[0] != images.shape[0])
            throw new DataFormatException(labelsPath, $"holds {labels.shape[0]} labels but {imagesPath} holds {images.shape[0]} images");
        DataFiles.EnsureLabelsInRange(labels, 10, labelsPath);
        return new ImageDataset(datasetName, images, labels, 10, mean, std);
    }

    static string Subfolder(string directory, string extracted)
    {
        string inner = Path.Combine(directory, extracted);
        return Directory.Exists(inner) ? inner : directory;
    }

    static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (!Names.Contains(key) && Events.EventDatasets.IsEvent(key))
            throw new ArgumentException($"dataset: {key} is event data; load it with EventDatasets.Load");
        if (!Names.Contains(key))
            throw new ArgumentException($"dataset: unknown '{name}' (known: {string.Join(", ", Names)})");
        return key;
    }
}
