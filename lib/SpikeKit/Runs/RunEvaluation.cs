using SpikeKit.Config;
using SpikeKit.Training;
using static TorchSharp.torch;

namespace SpikeKit.Runs;

/// <summary>What <see cref="RunEvaluation.Evaluate"/> measured.</summary>
/// <param name="Model">The saved model's description.</param>
/// <param name="Config">The run's config with the data overrides applied (what was evaluated).</param>
/// <param name="Evaluation">Loss, accuracy, per-layer statistics and energy estimate on the test set.</param>
public sealed record RunEvaluationResult(SavedModel Model, RunConfig Config, Evaluation Evaluation);

/// <summary>
/// Evaluates the saved model of a completed run on its test set, exactly as the run's last epoch did (same data, batches, thread
/// count, probes): on the same data the accuracy equals the run's final test accuracy.
/// </summary>
public static class RunEvaluation
{
    /// <summary>Loads the model of <paramref name="runDir"/> and evaluates it.</summary>
    /// <param name="runDir">A completed run folder (with <c>model.bin</c>, <c>model.json</c>).</param>
    /// <param name="dataDir">Another data folder; null: the run's.</param>
    /// <param name="testLimit">Evaluate on the first N test samples; null: the run's limit.</param>
    /// <param name="threads">Intra-op threads; 0: the run's setting.</param>
    /// <exception cref="InvalidDataException">Naming the file when the model or the data is missing or corrupt.</exception>
    public static RunEvaluationResult Evaluate(string runDir, string? dataDir = null, int? testLimit = null, int threads = 0)
    {
        var saved = SavedModel.Read(runDir);
        var config = saved.Config with
        {
            DataDir = dataDir ?? saved.Config.DataDir,
            TestLimit = testLimit ?? saved.Config.TestLimit,
            Threads = threads > 0 ? threads : saved.Config.Threads,
            Device = "cpu",
        };
        config.Validate();
        Native.TorchNative.EnsureLoaded();
        if (config.Threads > 0) set_num_threads(config.Threads);
        using var model = saved.LoadWeights(runDir);
        using var data = RunData.Open(config);
        if (data.Channels != saved.InputChannels || data.Size != saved.InputSize || data.Classes != saved.Classes)
            throw new InvalidDataException($"{Path.Combine(runDir, RunFiles.ModelSpec)}: the model takes {saved.InputChannels}×{saved.InputSize}² inputs of " +
                                           $"{saved.Classes} classes, the data has {data.Channels}×{data.Size}² of {data.Classes}");
        using var trainer = new Trainer(model, config.ToLoss(), config.ToTrainingOptions());
        var evaluation = trainer.Measure(data.Test);
        return new RunEvaluationResult(saved, config, evaluation);
    }
}
