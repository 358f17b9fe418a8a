using SpikeKit.Experiments;

namespace SpikeKit.Cli;

/// <summary>Named starting configurations for <c>ablate</c> (options given on the command line override them).</summary>
static class Presets
{
    /// <summary>
    /// The main job: baseline vs RMP-Loss on Fashion-MNIST with the small spiking CNN, sized to finish in about
    /// 10 minutes on 2 CPU cores.
    /// </summary>
    public static RunConfig Quick { get; } = new()
    {
        Dataset = "fashion-mnist", Model = "cnn", TimeSteps = 4, Epochs = 2, BatchSize = 64, Lr = 0.1,
        TrainLimit = 30000, Threads = 0,
    };

    /// <summary>The paper's training settings (RunConfig's defaults).</summary>
    public static RunConfig Paper { get; } = new();

    public static RunConfig Get(string name) => name switch
    {
        "quick" => Quick,
        "paper" => Paper,
        _ => throw new ConfigException("preset", $"unknown '{name}' (known: quick, paper)"),
    };
}
