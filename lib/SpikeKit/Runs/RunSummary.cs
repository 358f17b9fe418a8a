using System.Text.Json;
using SpikeKit.Config;

namespace SpikeKit.Runs;

/// <summary>The <c>summary.json</c> of one run: full config, environment, outcome and headline numbers.</summary>
/// <param name="Status"><see cref="RunStatus.Completed"/> or <see cref="RunStatus.Failed"/>.</param>
/// <param name="Error">One-line error when failed.</param>
/// <param name="Config">The full run configuration (seed included).</param>
/// <param name="Environment">Versions, threads, device.</param>
/// <param name="EpochsCompleted">Epochs finished.</param>
/// <param name="FinalTestAccuracy">Test accuracy after the last finished epoch.</param>
/// <param name="BestTestAccuracy">Best test accuracy over epochs.</param>
/// <param name="BestEpoch">1-based epoch of the best test accuracy.</param>
/// <param name="FinalMeanQuantizationError">Mean over layers of the quantization error, last epoch (test set).</param>
/// <param name="FinalMeanFiringRate">Mean over layers of the firing rate, last epoch (test set).</param>
/// <param name="WallSeconds">Wall time of the run.</param>
/// <param name="Started">Start time (UTC, ISO 8601).</param>
/// <param name="Finished">End time (UTC, ISO 8601).</param>
/// <param name="ModelSha256">SHA-256 (hex) of the trained weights in <c>model.bin</c> (<see cref="SavedModel"/>); null for a failed run
/// or one written before SpikeKit kept models.</param>
/// <param name="FinalEnergyMicrojoules">Estimated SNN energy per test sample, last epoch (µJ; <see cref="Probes.SynapticOperations"/>);
/// NaN when not counted.</param>
public sealed record RunSummary(
    RunStatus Status, string? Error, RunConfig Config, RunEnvironment Environment, int EpochsCompleted,
    double FinalTestAccuracy, double BestTestAccuracy, int BestEpoch, double FinalMeanQuantizationError, double FinalMeanFiringRate,
    double WallSeconds, string Started, string Finished, string? ModelSha256 = null, double FinalEnergyMicrojoules = double.NaN)
{
    /// <summary>True when the run completed.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsCompleted => Status == RunStatus.Completed;

    /// <summary>Writes the summary atomically (temp file, then rename): a reader never sees a partial file.</summary>
    public void Save(string path)
    {
        AtomicFile.WriteText(path, JsonSerializer.Serialize(this, JsonSettings.Options));
    }

    /// <summary>Reads a summary.</summary>
    /// <exception cref="InvalidDataException">Naming the file when it is not a valid summary.</exception>
    public static RunSummary Load(string path)
    {
        try { return JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(path), JsonSettings.Options) ?? throw new InvalidDataException($"{path}: empty summary"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid summary.json ({e.Message.Split('\n')[0]})"); }
    }
}
