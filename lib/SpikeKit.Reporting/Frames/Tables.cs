using Deedle;
using SpikeKit.Training;

namespace SpikeKit.Reporting.Frames;

/// <summary>Frames from results held in memory (a <see cref="Trainer"/>'s epochs), for notebooks that train directly.</summary>
public static class Tables
{
    /// <summary>One row per epoch: <c>epoch</c>, <c>lr</c>, <c>train_loss</c>, <c>train_acc</c>, <c>test_loss</c>,
    /// <c>test_acc</c> (fractions), <c>mean_quantization_error</c>, <c>mean_firing_rate</c>, <c>seconds</c>.</summary>
    public static Frame<int, string> Epochs(IEnumerable<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var t = new TableBuilder();
        foreach (var m in history)
            t.Add(("epoch", m.Epoch), ("lr", m.LearningRate), ("train_loss", m.TrainLoss), ("train_acc", m.TrainAccuracy), ("test_loss", m.TestLoss),
                ("test_acc", m.TestAccuracy), ("mean_quantization_error", m.MeanQuantizationError), ("mean_firing_rate", m.MeanFiringRate),
                ("seconds", m.TrainSeconds + m.EvalSeconds));
        return t.ToFrame();
    }

    /// <summary>One row per spiking layer of one epoch: <c>layer</c>, <c>firing_rate</c>, <c>quantization_error</c>,
    /// <c>near_spike_share</c>, <c>mean_potential</c>, <c>count</c>.</summary>
    public static Frame<int, string> Layers(EpochMetrics epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var t = new TableBuilder();
        foreach (var l in epoch.Layers)
            t.Add(("layer", l.Layer), ("firing_rate", l.FiringRate), ("quantization_error", l.QuantizationError),
                ("near_spike_share", l.NearSpikeShare), ("mean_potential", l.MeanPotential), ("count", l.Count));
        return t.ToFrame();
    }
}
