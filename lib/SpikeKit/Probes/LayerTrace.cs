using SpikeKit.Data;
using SpikeKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Probes;

/// <summary>
/// What one spiking layer did for one input sample over the T timesteps: its pre-firing membrane potentials and spikes
/// for a subset of its neurons, as plain arrays (for spike rasters and single-neuron traces).
/// </summary>
/// <param name="Layer">Module path of the layer (e.g. <c>lif1</c>).</param>
/// <param name="Threshold">The layer's firing threshold V_th.</param>
/// <param name="Sample">Index of the sample within the batch that was run.</param>
/// <param name="Label">The sample's label, or −1 when unknown.</param>
/// <param name="Prediction">The network's prediction for the sample (argmax of the mean output over T).</param>
/// <param name="LayerSize">Neurons in the layer per sample (C·H·W or features).</param>
/// <param name="Neurons">Flat indices (into the layer's C·H·W neurons) of the recorded neurons, ascending.</param>
/// <param name="Potential">Pre-firing potentials <c>u_pre[t, n]</c>, <c>[T, Neurons.Length]</c>.</param>
/// <param name="Spikes">Spikes <c>o[t, n]</c> (0 or 1), <c>[T, Neurons.Length]</c>.</param>
public sealed record LayerTrace(string Layer, double Threshold, int Sample, long Label, long Prediction, long LayerSize,
    int[] Neurons, float[,] Potential, float[,] Spikes)
{
    /// <summary>Number of timesteps T.</summary>
    public int TimeSteps => Potential.GetLength(0);

    /// <summary>Number of recorded neurons.</summary>
    public int NeuronCount => Potential.GetLength(1);

    /// <summary>The potentials of recorded neuron <paramref name="n"/> (0-based column) over time.</summary>
    public float[] PotentialOf(int n) => Enumerable.Range(0, TimeSteps).Select(t => Potential[t, n]).ToArray();

    /// <summary>The spikes of recorded neuron <paramref name="n"/> over time.</summary>
    public float[] SpikesOf(int n) => Enumerable.Range(0, TimeSteps).Select(t => Spikes[t, n]).ToArray();

    /// <summary>Mean spike rate over the recorded neurons and timesteps.</summary>
    public double FiringRate => Spikes.Length == 0 ? 0 : Spikes.Cast<float>().Average();

    /// <summary>
    /// A recorded neuron worth plotting: the one that fires most often without firing at every step (ties: the one whose
    /// potential varies most); 0 when none fires.
    /// </summary>
    public int MostActiveNeuron()
    {
        int best = 0;
        (int Spikes, double Range) bestKey = (-1, -1);
        for (int n = 0; n < NeuronCount; n++)
        {
            int s = (int)SpikesOf(n).Sum();
            if (s == TimeSteps && TimeSteps > 1) s = 0; // always on: a dull trace
            var p = PotentialOf(n);
            var key = (s, (double)(p.Max() - p.Min()));
            if (key.CompareTo(bestKey) > 0) { bestKey = key; best = n; }
        }
        return best;
    }

    /// <summary>
    /// Runs <paramref name="model"/> (eval mode, no gradients) on <paramref name="images"/> <c>[B, C, H, W]</c> and
    /// returns the activity of one spiking layer for sample <paramref name="sample"/>.
    /// </summary>
    /// <param name="model">Trained or untrained network; its train/eval mode is restored afterwards.</param>
    /// <param name="images">Normalized input batch on the model's device.</param>
    /// <param name="layer">The layer's module path (see <see cref="SpikingNetwork.Neurons"/>); null = the first spiking layer.</param>
    /// <param name="sample">Which sample of the batch.</param>
    /// <param name="maxNeurons">Record at most this many neurons, evenly spaced over the layer (all when it has fewer).</param>
    /// <param name="labels">Labels <c>[B]</c>, to fill <see cref="Label"/>; may be null.</param>
    /// <exception cref="ArgumentException">For an unknown layer name or a sample outside the batch.</exception>
    public static LayerTrace Record(SpikingNetwork model, Tensor images, string? layer = null, int sample = 0, int maxNeurons = 128, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        if (sample < 0 || sample >= images.shape[0]) throw new ArgumentException($"sample {sample} is outside the batch of {images.shape[0]}", nameof(sample));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNeurons, 1);
        var names = model.Neurons.Select(n => n.Name).ToList();
        layer ??= names.FirstOrDefault() ?? throw new ArgumentException("the model has no spiking layer");
        if (!names.Contains(layer)) throw new ArgumentException($"layer: unknown '{layer}' (known: {string.Join(", ", names)})", nameof(layer));
        bool wasTraining = model.training;
        model.eval();
        model.RecordActivity(true);
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = model.forward(images);
            long prediction = output.mean([0]).argmax(1)[sample].item<long>();
            var activity = model.Activity().First(a => a.Name == layer);
            // [T, B, ...] → [T, neurons] for the chosen sample.
            var u = activity.Potential.detach()[.., sample].reshape(activity.Potential.shape[0], -1).to_type(ScalarType.Float32).cpu();
            var o = activity.Spikes.detach()[.., sample].reshape(activity.Spikes.shape[0], -1).to_type(ScalarType.Float32).cpu();
            int steps = (int)u.shape[0];
            long size = u.shape[1];
            int count = (int)Math.Min(size, maxNeurons);
            var idx = Enumerable.Range(0, count).Select(i => (int)(i * size / count)).ToArray();
            var index = tensor(idx.Select(i => (long)i).ToArray());
            var us = u.index_select(1, index).contiguous().data<float>().ToArray();
            var os = o.index_select(1, index).contiguous().data<float>().ToArray();
            var pot = new float[steps, count];
            var spk = new float[steps, count];
            for (int t = 0; t < steps; t++)
                for (int n = 0; n < count; n++) { pot[t, n] = us[t * count + n]; spk[t, n] = os[t * count + n]; }
            long label = labels is null ? -1 : labels[sample].item<long>();
            return new LayerTrace(layer, activity.Threshold, sample, label, prediction, size, idx, pot, spk);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>
    /// Runs <paramref name="model"/> on sample <paramref name="index"/> of <paramref name="data"/> (normalized as in
    /// training) and returns one layer's activity for it.
    /// </summary>
    public static LayerTrace Record(SpikingNetwork model, ImageDataset data, int index = 0, string? layer = null, int maxNeurons = 128)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (index < 0 || index >= data.Count) throw new ArgumentException($"index {index} is outside the data set of {data.Count}", nameof(index));
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        using var scope = NewDisposeScope();
        var loader = new BatchLoader(data, index + 1, shuffle: false, Augmentation.None, seed: 0);
        var batch = loader.Epoch(0).First();
        var trace = Record(model, batch.Images.to(device), layer, index, maxNeurons, batch.Labels);
        return trace;
    }
}
