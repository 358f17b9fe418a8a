using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Probes;

/// <summary>
/// Accumulates per-layer firing rate, quantization error (mean <c>|clip(u,0,1) − o|</c> and its square), the share of
/// potentials near a spike value, and a membrane-potential histogram across batches. Each call reduces the batch to a
/// few numbers on the host; no tensor is held between calls.
/// </summary>
public sealed class ActivityProbe
{
    /// <summary>Distance to 0 or 1 under which a potential counts as "near a spike value".</summary>
    public const double NearTolerance = 0.1;

    readonly Dictionary<string, Acc> _layers = new();
    readonly List<string> _order = [];

    /// <summary>Histogram range lower edge (default −2).</summary>
    public double HistogramMin { get; }
    /// <summary>Histogram range upper edge (default 2).</summary>
    public double HistogramMax { get; }
    /// <summary>Number of bins (default 80).</summary>
    public int Bins { get; }

    /// <summary>Creates a probe with the given histogram range and bin count.</summary>
    public ActivityProbe(double histogramMin = -2.0, double histogramMax = 2.0, int bins = 80)
    {
        if (!(histogramMax > histogramMin)) throw new ArgumentException($"histogram range [{histogramMin}, {histogramMax}] is empty");
        if (bins < 1) throw new ArgumentException($"bins must be >= 1, got {bins}", nameof(bins));
        HistogramMin = histogramMin; HistogramMax = histogramMax; Bins = bins;
    }

    /// <summary>Adds one forward pass's activity.</summary>
    public void Accumulate(IReadOnlyList<NeuronActivity> layers)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var layer in layers)
        {
            var u = layer.Potential.detach().to_type(ScalarType.Float32);
            var o = layer.Spikes.detach().to_type(ScalarType.Float32);
            var e = u.clamp(0.0, 1.0).sub_(o).abs_();
            var near = u.abs().le(NearTolerance).logical_or_(u.sub(1.0).abs_().le(NearTolerance));
            var under = u.lt(HistogramMin).sum();
            var over = u.gt(HistogramMax).sum();
            var sums = stack([o.sum(), e.sum(), e.square().sum(), near.sum().to_type(ScalarType.Float32), u.sum(),
                              under.to_type(ScalarType.Float32), over.to_type(ScalarType.Float32)]);
            var inRange = u.ge(HistogramMin).logical_and_(u.le(HistogramMax));
            var idx = u.masked_select(inRange).sub_(HistogramMin).mul_(Bins / (HistogramMax - HistogramMin))
                       .floor_().clamp_(0, Bins - 1).to_type(ScalarType.Int64);
            var hist = idx.bincount(null, Bins).to_type(ScalarType.Float32);
            var packed = cat([sums, hist]).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            if (!_layers.TryGetValue(layer.Name, out var acc))
            {
                _layers[layer.Name] = acc = new Acc(Bins);
                _order.Add(layer.Name);
            }
            acc.Count += u.numel();
            for (int i = 0; i < 5; i++) acc.Sums[i] += packed[i];
            acc.Under += (long)packed[5];
            acc.Over += (long)packed[6];
            for (int b = 0; b < Bins; b++) acc.Hist[b] += (long)packed[7 + b];
        }
    }

    /// <summary>The statistics so far, one per layer in first-seen order.</summary>
    public IReadOnlyList<LayerStatistics> Snapshot() => _order.Select(name =>
    {
        var a = _layers[name];
        double n = Math.Max(1, a.Count);
        return new LayerStatistics(name, a.Count, a.Sums[0] / n, a.Sums[1] / n, a.Sums[2] / n, a.Sums[3] / n, a.Sums[4] / n,
            HistogramMin, HistogramMax, (long[])a.Hist.Clone(), a.Under, a.Over);
    }).ToList();

    /// <summary>Forgets everything accumulated.</summary>
    public void Reset() { _layers.Clear(); _order.Clear(); }

    sealed class Acc(int bins)
    {
        public long Count;
        public readonly double[] Sums = new double[5];
        public readonly long[] Hist = new long[bins];
        public long Under, Over;
    }
}
