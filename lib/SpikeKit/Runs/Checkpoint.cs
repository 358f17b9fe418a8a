using System.Text.Json;
using SpikeKit.Config;
using SpikeKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Runs;

/// <summary>What a checkpoint holds besides the model and optimizer tensors.</summary>
/// <param name="Key">Identifies the run the checkpoint belongs to (a hash of its config); a checkpoint with another key is ignored.</param>
/// <param name="History">Metrics of the finished epochs (the checkpoint was taken after the last of them).</param>
/// <param name="WallSeconds">Wall time spent on the run so far, over all attempts.</param>
/// <param name="RngState">The torch generator state (base64), restored so that anything drawing random numbers continues as if never stopped.</param>
public sealed record CheckpointState(string Key, IReadOnlyList<EpochMetrics> History, double WallSeconds, string RngState)
{
    /// <summary>Epochs finished.</summary>
    public int EpochsDone => History.Count;

    /// <summary>True when the checkpoint belongs to <paramref name="config"/>: its key is the config's content hash, or the
    /// legacy hash that SpikeKit 0.1 keyed checkpoints with (so a run killed then still resumes).</summary>
    public bool IsOf(Config.RunConfig config) => Key == config.ContentHash() || Key == config.LegacyContentHash();
}

/// <summary>
/// Per-epoch training checkpoint: model parameters and buffers (BN running statistics), optimizer state (momentum or Adam
/// moments), the torch RNG state and the finished epochs' metrics, in one file written atomically (temp file, then rename)
/// and sealed with the SHA-256 of everything before it (the file's last 32 bytes). Nothing of a file whose checksum does not
/// match (flipped bytes, a truncated file, a checkpoint of SpikeKit 0.1, which had none) is ever read: every read checks it first.
/// Data order and augmentation are pure functions of (seed, epoch) in <see cref="Data.BatchLoader"/>, so the epoch count is
/// the whole data-order state. Restoring it and training on gives exactly the metrics an uninterrupted run gives (same
/// thread count).
/// </summary>
public static class Checkpoint
{
    const string Magic = "SPIKEKIT-CHECKPOINT-2";
    const string End = "END";

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, nn.Module model, optim.Optimizer optimizer, string key, IReadOnlyList<EpochMetrics> history, double wallSeconds)
    {
        using var rng = get_rng_state();
        var state = new CheckpointState(key, history, wallSeconds, Convert.ToBase64String(rng.data<byte>().ToArray()));
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(state, JsonSettings.Options));
            model.save(writer);
            Helper(optimizer).save_state_dict(writer);
            writer.Write(End);
        }
        SealedFile.Write(path, payload);
    }

    /// <summary>Reads only the state part (no tensors) of a checkpoint, after checking its checksum.</summary>
    /// <exception cref="InvalidDataException">Naming the file when it is corrupt, truncated or not a SpikeKit checkpoint.</exception>
    public static CheckpointState ReadState(string path)
    {
        using var reader = new BinaryReader(SealedFile.Open(path, "checkpoint"));
        return ReadHeader(reader, path);
    }

    /// <summary>Restores model, optimizer and RNG from <paramref name="path"/> and returns the state.</summary>
    /// <exception cref="InvalidDataException">Naming the file when it is corrupt, truncated, not a checkpoint, or does not fit the model.</exception>
    public static CheckpointState Load(string path, nn.Module model, optim.Optimizer optimizer)
    {
        using var reader = new BinaryReader(SealedFile.Open(path, "checkpoint"));
        var state = ReadHeader(reader, path);
        try
        {
            model.load(reader, strict: true);
            Helper(optimizer).load_state_dict(reader);
            if (reader.ReadString() != End) throw new InvalidDataException("no end marker");
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{path}: checkpoint does not fit the model ({e.Message.Split('\n')[0]})");
        }
        using var rng = tensor(Convert.FromBase64String(state.RngState), ScalarType.Byte);
        set_rng_state(rng);
        return state;
    }

    static CheckpointState ReadHeader(BinaryReader reader, string path)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException("wrong magic");
            return JsonSerializer.Deserialize<CheckpointState>(reader.ReadString(), JsonSettings.Options) ?? throw new InvalidDataException("empty state");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{path}: not a SpikeKit checkpoint ({e.Message.Split('\n')[0]})");
        }
    }

    static TorchSharp.Modules.OptimizerHelper Helper(optim.Optimizer optimizer) =>
        optimizer as TorchSharp.Modules.OptimizerHelper ?? throw new ArgumentException($"optimizer: {optimizer.GetType().Name} cannot be checkpointed");
}
