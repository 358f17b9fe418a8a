using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// A small, deterministic, learnable image set for tests, smoke runs and notebooks, needing no files.
/// </summary>
/// <remarks>
/// <para>Each image of class k (of K) holds, on a dim background:</para>
/// <list type="bullet">
/// <item>a bright Gaussian blob centred on a circle of radius size/4 at angle 2πk/K, jittered per axis by up to
/// ±min(size/6, 0.4 × the arc between neighbouring classes), with random width and a random brightness per channel (the main cue);</item>
/// <item>faint stripes at orientation πk/K (± a small jitter) with random phase (a second, weaker cue);</item>
/// <item>a usually dimmer distractor blob at a uniformly random position, and Gaussian pixel noise (σ = 0.12).</item>
/// </list>
/// <para>With the defaults, linear models (nearest centroid, softmax regression on pixels) reach about 85 % test
/// accuracy, so the set is learnable but leaves room for a convolutional network to do better.</para>
/// <para>Classes are balanced (label i mod K, then shuffled). Everything is a pure function of the arguments: the train and
/// test sets come from different streams derived from <c>seed</c>. <see cref="ImageDataset.Mean"/> and
/// <see cref="ImageDataset.Std"/> are computed per channel on the training images and used for both sets.</para>
/// </remarks>
public static class SyntheticDataset
{
    /// <summary>Creates the train and test sets (names <c>synthetic/train</c> and <c>synthetic/test</c>).</summary>
    /// <param name="trainCount">Training samples, ≥ 1.</param>
    /// <param name="testCount">Test samples, ≥ 0.</param>
    /// <param name="classes">Number of classes, ≥ 2.</param>
    /// <param name="size">Image height and width, ≥ 8.</param>
    /// <param name="channels">Channels, ≥ 1.</param>
    /// <param name="seed">Seed; the same arguments always give the same images.</param>
    public static (ImageDataset Train, ImageDataset Test) Create(int trainCount = 512, int testCount = 256, int classes = 4, int size = 28, int channels = 1, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        CheckSize(trainCount, testCount, size, channels);

        using var scope = NewDisposeScope();
        var (trainImages, trainLabels) = Generate(trainCount, classes, size, channels, seed, stream: 0);
        var (testImages, testLabels) = Generate(testCount, classes, size, channels, seed, stream: 1);

        var unit = trainImages.to_type(ScalarType.Float64).div_(255.0);
        var mean = unit.mean(new long[] { 0, 2, 3 }).data<double>().ToArray().Select(v => (float)v).ToArray();
        var std = unit.std(new long[] { 0, 2, 3 }, unbiased: false).data<double>().ToArray().Select(v => v > 1e-6 ? (float)v : 1f).ToArray();

        var train = new ImageDataset("synthetic/train", trainImages, trainLabels, classes, mean, std);
        try
        {
            return (train, new ImageDataset("synthetic/test", testImages, testLabels, classes, mean, std));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>Bytes of memory that building one image takes at its peak (float32 intermediates of the whole set at once:
    /// blob, stripes, distractor, noise and their sums, plus the float64 copy for the mean), per pixel and channel.</summary>
    const long PeakBytesPerValue = 32;

    /// <summary>
    /// Refuses a set too large to build in this process's memory before allocating anything: building takes about
    /// 32 bytes per pixel and channel of the train and test images together, and at most half of the memory .NET reports
    /// available (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: the machine's or the container's) may go to it.
    /// </summary>
    /// <exception cref="ArgumentException">Starting with <c>train-limit:</c>, naming the sizes and the largest count that fits.</exception>
    public static void CheckSize(long trainCount, long testCount, int size = 28, int channels = 1)
    {
        long perImage = (long)size * size * channels * PeakBytesPerValue;
        long budget = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        if ((trainCount + testCount) * perImage <= budget) return;
        throw new ArgumentException(
            $"train-limit: a synthetic set of {trainCount} + {testCount} images of {channels}x{size}x{size} needs about " +
            $"{(trainCount + testCount) * perImage / 1e9:F1} GB to build; half of this machine's {2 * budget / 1e9:F1} GB allows at most {budget / perImage} images");
    }

    static (Tensor Images, Tensor Labels) Generate(int count, int classes, int size, int channels, long seed, int stream)
    {
        using var scope = NewDisposeScope();
        var random = new SeededRandom(seed, stream, 0x53594E5448L /* "SYNTH" */);
        var labels = new long[count];
        for (int i = 0; i < count; i++) labels[i] = i % classes;
        random.Shuffle(labels);

        double centre = (size - 1) / 2.0, radius = size / 4.0;
        double jitter = Math.Min(size / 6.0, 0.4 * 2 * Math.PI * radius / classes); // blob regions of neighbouring classes never overlap
        var cx = new float[count]; var cy = new float[count]; var sigma = new float[count];
        var amplitude = new float[count * channels];
        var theta = new float[count]; var phase = new float[count];
        var dx = new float[count]; var dy = new float[count]; var dSigma = new float[count]; var dAmplitude = new float[count];
        for (int i = 0; i < count; i++)
        {
            int k = (int)labels[i];
            double angle = 2 * Math.PI * k / classes;
            cx[i] = (float)(centre + radius * Math.Cos(angle) + jitter * (2 * random.NextDouble() - 1));
            cy[i] = (float)(centre + radius * Math.Sin(angle) + jitter * (2 * random.NextDouble() - 1));
            sigma[i] = (float)(size * (0.07 + 0.04 * random.NextDouble()));
            for (int c = 0; c < channels; c++) amplitude[i * channels + c] = (float)(0.55 + 0.45 * random.NextDouble());
            theta[i] = (float)(Math.PI * k / classes + Math.PI / (4.0 * classes) * (2 * random.NextDouble() - 1));
            phase[i] = (float)(2 * Math.PI * random.NextDouble());
            dx[i] = (float)(size * random.NextDouble());
            dy[i] = (float)(size * random.NextDouble());
            dSigma[i] = (float)(size * (0.07 + 0.04 * random.NextDouble()));
            dAmplitude[i] = (float)(0.3 + 0.45 * random.NextDouble());
        }

        var shape = new long[] { count, 1, 1, 1 };
        var xs = torch.arange(size, ScalarType.Float32).view(1, 1, 1, size);
        var ys = torch.arange(size, ScalarType.Float32).view(1, 1, size, 1);
        var blob = Gaussian(xs, ys, torch.tensor(cx, shape), torch.tensor(cy, shape), torch.tensor(sigma, shape))
            .mul(torch.tensor(amplitude, new long[] { count, channels, 1, 1 }));
        var t = torch.tensor(theta, shape);
        var along = xs.mul(t.cos()).add(ys.mul(t.sin()));
        var stripes = along.mul(2 * Math.PI / Math.Max(4.0, size / 5.0)).add(torch.tensor(phase, shape)).sin().add(1).mul(0.075);
        var distractor = Gaussian(xs, ys, torch.tensor(dx, shape), torch.tensor(dy, shape), torch.tensor(dSigma, shape))
            .mul(torch.tensor(dAmplitude, shape));

        using var generator = new Generator(SeededRandom.Hash(seed, stream, 0x4E4F495345L /* "NOISE" */));
        var noise = torch.randn(new long[] { count, channels, size, size }, generator: generator).mul(0.12);
        var image = blob.add(stripes).add(distractor).add(noise).add(0.05).clamp(0, 1).mul(255).round().to_type(ScalarType.Byte);
        return (image.MoveToOuterDisposeScope(), torch.tensor(labels).MoveToOuterDisposeScope());
    }

    static Tensor Gaussian(Tensor xs, Tensor ys, Tensor cx, Tensor cy, Tensor sigma) =>
        xs.sub(cx).square().add(ys.sub(cy).square()).div(sigma.square().mul(-2)).exp();
}
