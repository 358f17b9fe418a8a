namespace SpikeKit.Tests.Data;

/// <summary>
/// A fact that runs only when the real Fashion-MNIST files are installed (Debian package <c>dataset-fashion-mnist</c>,
/// <c>/usr/share/datasets/fashion-mnist</c>); otherwise it is reported as skipped with the reason.
/// </summary>
public sealed class FactWhenFashionMnistAttribute : FactAttribute
{
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    public static readonly string[] Files =
    {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    };

    public FactWhenFashionMnistAttribute()
    {
        var missing = Files.Select(f => Path.Combine(Directory, f)).FirstOrDefault(f => !File.Exists(f));
        if (missing is not null)
            Skip = $"Fashion-MNIST is not installed ({missing} missing): apt-get install dataset-fashion-mnist, or run data-scripts/fashion-mnist.sh";
    }
}
