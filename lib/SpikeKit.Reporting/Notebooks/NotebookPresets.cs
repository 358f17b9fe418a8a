using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Notebooks;

/// <summary>
/// The configurations of the notebooks in <c>notebooks/</c>, by preset: <c>quick</c> (the default; each notebook finishes
/// in at most 5 minutes on 2 CPU cores, on Fashion-MNIST subsets) and <c>full</c> (a GPU node or a long night: whole data
/// sets, paper-like schedules). Kept here so that a notebook, the F# notebook that reuses another's results and the tests
/// agree on them; a notebook's parameters cell may still override any field with <c>with { … }</c>.
/// </summary>
public static class NotebookPresets
{
    /// <summary>The presets: quick and full.</summary>
    public static IReadOnlyList<string> Names { get; } = ["quick", "full"];

    /// <summary>
    /// The preset a notebook uses when its parameters cell does not name one: <c>$SPIKEKIT_PRESET</c> if set, else <c>quick</c>.
    /// </summary>
    public static string Default => Environment.GetEnvironmentVariable("SPIKEKIT_PRESET") is { Length: > 0 } p ? p : "quick";

    /// <summary>
    /// Where notebooks write result folders: <c>$SPIKEKIT_RESULTS</c> if set, else <c>../results/notebooks</c>
    /// (relative to the notebook folder, inside the ignored <c>results/</c>).
    /// </summary>
    public static string ResultsRoot =>
        Environment.GetEnvironmentVariable("SPIKEKIT_RESULTS") is { Length: > 0 } r ? r : Path.Combine("..", "results", "notebooks");

    /// <summary>The result folder of notebook <paramref name="notebook"/> (e.g. "02-rmp-loss-ablation") under a preset.</summary>
    public static string ResultDirectory(string notebook, string preset) => Path.Combine(ResultsRoot, $"{notebook}-{Check(preset)}");

    static string Check(string preset) =>
        Names.Contains(preset) ? preset : throw new ConfigException("preset", $"unknown '{preset}' (known: {string.Join(", ", Names)})");

    /// <summary>
    /// 01-getting-started: a short training of a small hand-built spiking CNN on Fashion-MNIST (quick: 3000 training and
    /// 1000 test images, 1 epoch, T = 6; full: all images, 10 epochs).
    /// </summary>
    public static RunConfig GettingStarted(string preset) => Check(preset) == "quick"
        ? new RunConfig { Dataset = "fashion-mnist", TimeSteps = 6, Epochs = 1, BatchSize = 64, Lr = 0.1, TrainLimit = 3000, TestLimit = 1000 }
        : new RunConfig { Dataset = "fashion-mnist", TimeSteps = 6, Epochs = 10, BatchSize = 128, Lr = 0.1, Device = "auto" };

    /// <summary>
    /// 02-rmp-loss-ablation (and 04-fsharp-interop): baseline, RMP-Loss (λ = 0.5), TET and TET + RMP-Loss.
    /// quick: the small CNN at width 0.5, T = 4, 2 epochs on 1500 training and 1000 test images of Fashion-MNIST.
    /// full: ResNet-19 on CIFAR-10, T = 4, 200 epochs, crop and flip, three seeds (a GPU job).
    /// </summary>
    public static RunConfig Ablation(string preset) => Check(preset) == "quick"
        ? new RunConfig { Dataset = "fashion-mnist", Model = "cnn", Width = 0.5, TimeSteps = 4, Epochs = 2, BatchSize = 64, Lr = 0.1, TrainLimit = 1500, TestLimit = 1000, RmpLambda = 0.5 }
        : new RunConfig { Dataset = "cifar10", Model = "resnet19", TimeSteps = 4, Epochs = 200, BatchSize = 128, Lr = 0.1, CropPadding = 4, Flip = true, RmpLambda = 0.5, Device = "auto" };

    /// <summary>Seeds of the ablation: quick one, full three.</summary>
    public static long[] Seeds(string preset) => Check(preset) == "quick" ? [0] : [0, 1, 2];

    /// <summary>
    /// 03-rmp-design-choices: the base RMP-Loss run that the design arms vary. quick: width 0.5, T = 4, 2 epochs on 640
    /// training and 320 test images (nine arms in under 4 minutes on 2 busy cores); full: ResNet-19 on CIFAR-10, 100 epochs.
    /// </summary>
    public static RunConfig DesignChoices(string preset) => Check(preset) == "quick"
        ? new RunConfig { Dataset = "fashion-mnist", Model = "cnn", Width = 0.5, TimeSteps = 4, Epochs = 2, BatchSize = 64, Lr = 0.1, TrainLimit = 640, TestLimit = 320, Variant = "rmp", RmpLambda = 0.5 }
        : new RunConfig { Dataset = "cifar10", Model = "resnet19", TimeSteps = 4, Epochs = 100, BatchSize = 128, Lr = 0.1, CropPadding = 4, Flip = true, Variant = "rmp", RmpLambda = 0.5, Device = "auto" };

    /// <summary>
    /// The arms of 03-rmp-design-choices, all RMP-Loss on <paramref name="baseConfig"/>: λ ∈ {0, 0.1, 0.5, 1} (constant,
    /// clipped, all layers; λ = 0 is the baseline), the λ schedule (linear warm-up over a quarter of training but at least
    /// 2 epochs, cosine; λ = 0.5), no clipping, and regularizing only the first or only the last spiking layer.
    /// </summary>
    public static IReadOnlyList<SweepArm> DesignArms(RunConfig baseConfig)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        var rmp = baseConfig with { Variant = "rmp", LambdaSchedule = "constant", RmpClip = true, RmpLayers = "all" };
        var linear = $"linear:{Math.Max(2, baseConfig.Epochs / 4)}";
        return
        [
            new("rmp-lambda=0", rmp with { RmpLambda = 0 }),
            new("rmp-lambda=0.1", rmp with { RmpLambda = 0.1 }),
            new("rmp-lambda=0.5", rmp with { RmpLambda = 0.5 }),
            new("rmp-lambda=1", rmp with { RmpLambda = 1 }),
            new($"lambda-schedule={linear}", rmp with { RmpLambda = 0.5, LambdaSchedule = linear }),
            new("lambda-schedule=cosine", rmp with { RmpLambda = 0.5, LambdaSchedule = "cosine" }),
            new("rmp-clip=false", rmp with { RmpLambda = 0.5, RmpClip = false }),
            new("rmp-layers=first:1", rmp with { RmpLambda = 0.5, RmpLayers = "first:1" }),
            new("rmp-layers=last:1", rmp with { RmpLambda = 0.5, RmpLayers = "last:1" }),
        ];
    }
}
