namespace SpikeKit.Config;

/// <summary>Named starting configurations (options given on the command line or in code override them).</summary>
public static class RunPresets
{
    /// <summary>
    /// The main job: baseline vs RMP-Loss on Fashion-MNIST with the small spiking CNN, T = 4, 2 epochs on a seeded
    /// stratified 30 000-image half of the training set, batch 64; about 10 minutes on 2 CPU cores.
    /// </summary>
    public static RunConfig Quick { get; } = new()
    {
        Dataset = "fashion-mnist", Model = "cnn", TimeSteps = 4, Epochs = 2, BatchSize = 64, Lr = 0.1, TrainLimit = 30000,
    };

    /// <summary>The paper's training settings (RunConfig's defaults).</summary>
    public static RunConfig Paper { get; } = new();

    /// <summary>Preset names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["quick", "paper"];

    /// <summary>The preset called <paramref name="name"/>.</summary>
    /// <exception cref="ConfigException">For an unknown name.</exception>
    public static RunConfig Get(string name) => name switch
    {
        "quick" => Quick,
        "paper" => Paper,
        _ => throw new ConfigException("preset", $"unknown '{name}' (known: {string.Join(", ", Names)})"),
    };
}
