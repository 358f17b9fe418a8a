using System.Text.Json;
using SpikeKit.Config;
using SpikeKit.Models;
using TorchSharp;

namespace SpikeKit.Runs;

/// <summary>
/// The trained network of a completed run: <c>model.bin</c> (parameters and buffers in TorchSharp's format, sealed with its
/// SHA-256, see <see cref="SealedFile"/>) and <c>model.json</c> (this record: what rebuilds the network), both beside
/// <c>summary.json</c>, which records the same checksum. <see cref="Load(string)"/> gives the network back in one call.
/// </summary>
/// <param name="Model">Zoo name (<see cref="ModelZoo"/>).</param>
/// <param name="InputChannels">Channels of the input the network was built for.</param>
/// <param name="InputSize">Side of the input.</param>
/// <param name="Classes">Classes K.</param>
/// <param name="Config">The run's configuration (T, neuron, norm, width, MPBN, … via <see cref="RunConfig.ToModelOptions"/>).</param>
/// <param name="Sha256">SHA-256 (hex) of the weights in <c>model.bin</c>.</param>
/// <param name="Parameters">Trainable parameters.</param>
public sealed record SavedModel(string Model, int InputChannels, int InputSize, int Classes, RunConfig Config, string Sha256, long Parameters)
{
    /// <summary>The options that rebuild the network.</summary>
    public ModelOptions ToModelOptions() => Config.ToModelOptions(InputChannels, InputSize, Classes);

    /// <summary>Writes <paramref name="model"/> of a run of <paramref name="config"/> into <paramref name="runDir"/> (weights first,
    /// then <c>model.json</c>, each atomically) and returns the record.</summary>
    /// <exception cref="IOException">Naming the file that could not be written.</exception>
    public static SavedModel Save(string runDir, SpikingNetwork model, RunConfig config)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true)) model.save(writer);
        var sha = SealedFile.Write(Path.Combine(runDir, RunFiles.Model), payload);
        var o = model.Options;
        var saved = new SavedModel(config.Model, o.InputChannels, o.InputSize, o.Classes, config, sha, model.ParameterCount);
        AtomicFile.WriteText(Path.Combine(runDir, RunFiles.ModelSpec), JsonSerializer.Serialize(saved, JsonSettings.Options));
        return saved;
    }

    /// <summary>Reads <c>model.json</c> of <paramref name="runDir"/>.</summary>
    /// <exception cref="InvalidDataException">Naming the file when it is missing or malformed.</exception>
    public static SavedModel Read(string runDir)
    {
        var path = Path.Combine(runDir, RunFiles.ModelSpec);
        if (!File.Exists(path))
            throw new InvalidDataException($"{path}: no saved model (only completed runs of SpikeKit 0.3 or later keep one)");
        try { return JsonSerializer.Deserialize<SavedModel>(File.ReadAllText(path), JsonSettings.Options) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid model.json ({e.Message.Split('\n')[0]})"); }
    }

    /// <summary>The trained network of the run in <paramref name="runDir"/>, in eval mode on the CPU.</summary>
    /// <exception cref="InvalidDataException">Naming the file when the model is missing, corrupt (checksum), or does not fit its description.</exception>
    public static SpikingNetwork Load(string runDir) => Read(runDir).LoadWeights(runDir);

    /// <summary>Builds the described network and loads the weights of <c>model.bin</c> in <paramref name="runDir"/>, after checking
    /// them against their seal and against <see cref="Sha256"/> (and the summary's checksum, when the folder has a summary).</summary>
    public SpikingNetwork LoadWeights(string runDir)
    {
        var path = Path.Combine(runDir, RunFiles.Model);
        var (content, sha) = SealedFile.Read(path, "saved model");
        if (sha != Sha256) throw new InvalidDataException($"{path}: weights do not match {RunFiles.ModelSpec} (SHA-256 {sha[..12]}…, expected {Sha256[..12]}…)");
        var summaryPath = Path.Combine(runDir, RunFiles.Summary);
        if (File.Exists(summaryPath) && RunSummary.Load(summaryPath).ModelSha256 is { } recorded && recorded != sha)
            throw new InvalidDataException($"{path}: weights do not match {RunFiles.Summary} (SHA-256 {sha[..12]}…, expected {recorded[..12]}…)");
        Native.TorchNative.EnsureLoaded();
        var model = ModelZoo.Create(Model, ToModelOptions());
        try
        {
            using var reader = new BinaryReader(content);
            model.load(reader, strict: true);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException)
        {
            model.Dispose();
            throw new InvalidDataException($"{path}: weights do not fit {Model} as {RunFiles.ModelSpec} describes it ({e.Message.Split('\n')[0]})");
        }
        model.eval();
        return model;
    }
}
