namespace SpikeKit.Data;

/// <summary>
/// A labelled image set kept on disk in the image-folder layout <c>SPLIT/&lt;class&gt;/&lt;file&gt;</c> (ImageNet's
/// <c>train/&lt;wnid&gt;/*.JPEG</c>): only the file paths and labels are held; <see cref="ImageFolderLoader"/> decodes the
/// images batch by batch. Classes are the sub-folder names in ordinal order (label = position); a class's files are
/// the <c>.jpeg</c>, <c>.jpg</c> and <c>.png</c> files (any case) in ordinal order, and samples are ordered by class, then file.
/// </summary>
public sealed class ImageFolderDataset
{
    static readonly string[] ImageExtensions = [".jpeg", ".jpg", ".png"];
    readonly string[] _paths;
    readonly long[] _labels;
    readonly string[] _classNames;
    readonly float[] _mean, _std;

    ImageFolderDataset(string name, string root, string[] classNames, string[] paths, long[] labels, float[] mean, float[] std)
    {
        Name = name;
        Root = root;
        _classNames = classNames;
        _paths = paths;
        _labels = labels;
        _mean = mean;
        _std = std;
    }

    /// <summary>
    /// Lists the images of one split folder.
    /// </summary>
    /// <param name="name">Display name, e.g. <c>imagenet/train</c>.</param>
    /// <param name="directory">The split folder holding one sub-folder per class.</param>
    /// <param name="mean">Per-channel (R, G, B) mean in <c>[0, 1]</c> pixel units.</param>
    /// <param name="std">Per-channel (R, G, B) standard deviation in <c>[0, 1]</c> pixel units, each &gt; 0.</param>
    /// <param name="classNames">When given (the training split's classes), the folder must hold exactly these classes.</param>
    /// <param name="hint">Appended to the not-found message, e.g. how to get the data.</param>
    /// <exception cref="FileNotFoundException">The folder does not exist (one line naming it and <paramref name="hint"/>).</exception>
    /// <exception cref="DataFormatException">No class folders, a class folder without images, or classes that differ from
    /// <paramref name="classNames"/> (one line naming the folder).</exception>
    public static ImageFolderDataset Open(string name, string directory, float[] mean, float[] std,
        IReadOnlyList<string>? classNames = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length != 3 || std.Length != 3 || mean.Any(m => !float.IsFinite(m)) || std.Any(s => !float.IsFinite(s) || s <= 0))
            throw new ArgumentException($"{name}: mean and std need 3 finite values (R, G, B), std > 0", nameof(std));
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"{directory}: folder not found" + (string.IsNullOrEmpty(hint) ? "" : "; " + hint), directory);
        var classDirs = Directory.GetDirectories(directory).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0)
            throw new DataFormatException(directory, "no class folders (expected <class>/<image> files inside)");
        var classes = classDirs.Select(d => Path.GetFileName(d)!).ToArray();
        if (classNames is not null && !classes.SequenceEqual(classNames, StringComparer.Ordinal))
        {
            string? missing = classNames.FirstOrDefault(c => !classes.Contains(c, StringComparer.Ordinal));
            string? extra = classes.FirstOrDefault(c => !classNames.Contains(c, StringComparer.Ordinal));
            throw new DataFormatException(directory, $"holds {classes.Length} class folders, the training split {classNames.Count}" +
                (missing is not null ? $"; '{missing}' is missing" : "") + (extra is not null ? $"; '{extra}' is not a training class" : ""));
        }
        var paths = new List<string>();
        var labels = new List<long>();
        for (int c = 0; c < classDirs.Length; c++)
        {
            var files = Directory.EnumerateFiles(classDirs[c])
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new DataFormatException(classDirs[c], "no images (*.JPEG, *.jpg, *.png) in this class folder");
            paths.AddRange(files);
            labels.AddRange(Enumerable.Repeat((long)c, files.Count));
        }
        return new ImageFolderDataset(name, directory, classes, paths.ToArray(), labels.ToArray(), (float[])mean.Clone(), (float[])std.Clone());
    }

    /// <summary>Display name, e.g. <c>imagenet/train</c>.</summary>
    public string Name { get; }

    /// <summary>The split folder.</summary>
    public string Root { get; }

    /// <summary>Class folder names in label order.</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>Number of classes.</summary>
    public int Classes => _classNames.Length;

    /// <summary>Number of images.</summary>
    public int Count => _paths.Length;

    /// <summary>Image file paths, in sample order.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <summary>Labels in <c>[0, Classes)</c>, in sample order.</summary>
    public IReadOnlyList<long> Labels => _labels;

    /// <summary>Always 3: images are decoded to RGB.</summary>
    public int Channels => 3;

    /// <summary>Per-channel mean in <c>[0, 1]</c> pixel units (a copy).</summary>
    public float[] Mean => (float[])_mean.Clone();

    /// <summary>Per-channel standard deviation in <c>[0, 1]</c> pixel units (a copy).</summary>
    public float[] Std => (float[])_std.Clone();

    /// <summary>
    /// A seeded, class-stratified subset of <paramref name="limit"/> images kept in their original order, chosen exactly as
    /// <see cref="ImageDataset.StratifiedSample"/> chooses: it depends only on the labels, <paramref name="limit"/> and
    /// <paramref name="seed"/>. <paramref name="limit"/> ≥ <see cref="Count"/> gives all images. The classes stay those of the folder.
    /// </summary>
    public ImageFolderDataset StratifiedSample(int limit, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit >= Count) return this;
        var chosen = Stratified.Select(_labels, Classes, limit, seed);
        return new ImageFolderDataset(Name, Root, _classNames, chosen.Select(i => _paths[i]).ToArray(),
            chosen.Select(i => _labels[i]).ToArray(), _mean, _std);
    }

    /// <summary>Number of images of each class, length <see cref="Classes"/>.</summary>
    public long[] LabelHistogram()
    {
        var counts = new long[Classes];
        foreach (var l in _labels) counts[l]++;
        return counts;
    }

    /// <summary>For example <c>imagenet/train: 1281167 images in 1000 classes (/data/imagenet/train)</c>.</summary>
    public override string ToString() => $"{Name}: {Count} images in {Classes} classes ({Root})";
}
