using System.Globalization;
using SpikeKit.Experiments;

namespace SpikeKit.Cli;

/// <summary>One command-line option that sets a field of <see cref="RunConfig"/>.</summary>
sealed record CliOption(string Name, string Value, string Help, Func<RunConfig, string, RunConfig> Apply, Func<RunConfig, object?> Current)
{
    public static int Int(string option, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new ConfigException(option, $"'{text}' is not an integer");

    public static long Long(string option, string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : throw new ConfigException(option, $"'{text}' is not an integer");

    public static double Double(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : throw new ConfigException(option, $"'{text}' is not a number");

    public static bool Bool(string option, string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new ConfigException(option, $"'{text}' is not true or false"),
    };

    /// <summary>The options shared by train and ablate, in help order.</summary>
    public static IReadOnlyList<CliOption> RunOptions { get; } =
    [
        new("--dataset", "NAME", "data set: fashion-mnist, mnist, cifar10, cifar100, imagenet, synthetic", (c, v) => c with { Dataset = v }, c => c.Dataset),
        new("--data-dir", "DIR", "data folder (default: the data set's standard location, e.g. /usr/share/datasets/fashion-mnist)", (c, v) => c with { DataDir = v }, c => c.DataDir ?? "(standard)"),
        new("--model", "NAME", "model: cnn, resnet18, resnet19, resnet20, resnet34, vgg11, vgg16", (c, v) => c with { Model = v }, c => c.Model),
        new("--width", "X", "width multiplier on every layer's channels (e.g. 0.25 for a slim CPU ResNet)", (c, v) => c with { Width = Double("--width", v) }, c => c.Width),
        new("--timesteps", "T", "timesteps T (direct encoding, output averaged over T)", (c, v) => c with { TimeSteps = Int("--timesteps", v) }, c => c.TimeSteps),
        new("--neuron", "KIND", "lif or if", (c, v) => c with { Neuron = v }, c => c.Neuron),
        new("--tau", "X", "LIF decay factor tau in u = tau*u + x", (c, v) => c with { Tau = Double("--tau", v) }, c => c.Tau),
        new("--threshold", "X", "firing threshold V_th", (c, v) => c with { Threshold = Double("--threshold", v) }, c => c.Threshold),
        new("--reset", "KIND", "hard (to zero) or soft (subtract V_th)", (c, v) => c with { Reset = v }, c => c.Reset),
        new("--surrogate", "NAME", "surrogate gradient: tanh, rectangular, triangle, sigmoid, atan", (c, v) => c with { Surrogate = v }, c => c.Surrogate),
        new("--norm", "KIND", "tdbn (threshold-dependent BN) or bn", (c, v) => c with { Norm = v }, c => c.Norm),
        new("--variant", "NAME", "loss (train only): baseline, rmp, tet, tet+rmp, im, mpd", (c, v) => c with { Variant = v }, c => c.Variant),
        new("--rmp-lambda", "X", "peak weight lambda of RMP-Loss", (c, v) => c with { RmpLambda = Double("--rmp-lambda", v) }, c => c.RmpLambda),
        new("--lambda-schedule", "S", "RMP lambda over epochs: constant, linear, linear:W, cosine", (c, v) => c with { LambdaSchedule = v }, c => c.LambdaSchedule),
        new("--rmp-clip", "BOOL", "clip potentials to [0,1] before the RMP distance", (c, v) => c with { RmpClip = Bool("--rmp-clip", v) }, c => c.RmpClip),
        new("--rmp-distance", "D", "squared or absolute", (c, v) => c with { RmpDistance = v }, c => c.RmpDistance),
        new("--rmp-layers", "SEL", "regularized layers: all, first:N, last:N or indices like 0,2", (c, v) => c with { RmpLayers = v }, c => c.RmpLayers),
        new("--tet-lambda", "X", "weight of TET's MSE term", (c, v) => c with { TetLambda = Double("--tet-lambda", v) }, c => c.TetLambda),
        new("--im-lambda", "X", "weight of IM-Loss", (c, v) => c with { ImLambda = Double("--im-lambda", v) }, c => c.ImLambda),
        new("--mpd-lambda", "X", "weight of MPD-Loss", (c, v) => c with { MpdLambda = Double("--mpd-lambda", v) }, c => c.MpdLambda),
        new("--optimizer", "NAME", "sgd (momentum) or adamw", (c, v) => c with { Optimizer = v }, c => c.Optimizer),
        new("--epochs", "N", "training epochs (cosine learning-rate schedule over them)", (c, v) => c with { Epochs = Int("--epochs", v) }, c => c.Epochs),
        new("--batch-size", "N", "mini-batch size", (c, v) => c with { BatchSize = Int("--batch-size", v) }, c => c.BatchSize),
        new("--lr", "X", "peak learning rate", (c, v) => c with { Lr = Double("--lr", v) }, c => c.Lr),
        new("--momentum", "X", "SGD momentum", (c, v) => c with { Momentum = Double("--momentum", v) }, c => c.Momentum),
        new("--weight-decay", "X", "weight decay (not applied to norm weights and biases)", (c, v) => c with { WeightDecay = Double("--weight-decay", v) }, c => c.WeightDecay),
        new("--warmup", "N", "linear learning-rate warm-up epochs", (c, v) => c with { Warmup = Int("--warmup", v) }, c => c.Warmup),
        new("--crop-padding", "P", "random crop with P pixels of zero padding (0 = off)", (c, v) => c with { CropPadding = Int("--crop-padding", v) }, c => c.CropPadding),
        new("--flip", "BOOL", "random horizontal flip", (c, v) => c with { Flip = Bool("--flip", v) }, c => c.Flip),
        new("--seed", "S", "seed of initialization, data order, subset and augmentation", (c, v) => c with { Seed = Long("--seed", v) }, c => c.Seed),
        new("--train-limit", "N", "use only N training samples", (c, v) => c with { TrainLimit = Int("--train-limit", v) }, c => c.TrainLimit?.ToString() ?? "all"),
        new("--test-limit", "N", "use only N test samples", (c, v) => c with { TestLimit = Int("--test-limit", v) }, c => c.TestLimit?.ToString() ?? "all"),
        new("--threads", "N", "intra-op threads (0 = all cores); recorded with the results", (c, v) => c with { Threads = Int("--threads", v) }, c => c.Threads),
        new("--device", "D", "cpu, cuda or auto", (c, v) => c with { Device = v }, c => c.Device),
    ];
}
