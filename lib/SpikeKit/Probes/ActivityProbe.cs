using SpikeKit.Kernels;
using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Probes;

/// <summary>
/// Accumulates per-layer firing rate, quantization error and near-spike share (see <see cref="QuantizationError"/>), mean
/// potential and a membrane-potential histogram across batches. Each call reduces the batch to a few numbers on the host
/// in one multi-threaded pass (no tensor op per statistic); no tensor is held between calls.
/// </summary>
public sealed class ActivityProbe
{
    readonly Dictionary<string, Acc> _layers = new();
    readonly List<string> _order = [];

    /// <summary>Histogram range lower edge (default −2).</summary>
    public double HistogramMin { get; }
    /// <summary>Histogram range upper edge (default 2).</summary>
    public double HistogramMax { get; }
    /// <summary>Number of bins (default 80).</summary>
    public int Bins { get; }
    /// <summary>How the quantization error and near-spike share are measured (default <see cref="QuantizationError.Paper"/>).</summary>
    public QuantizationError Quantization { get; }

    /// <summary>Creates a probe with the given histogram range and bin count, measuring the quantization error as
    /// <paramref name="quantization"/> says (null: <see cref="QuantizationError.Paper"/>, clip to [0, 1]; for the bounds
    /// of an RMP-Loss, pass <see cref="QuantizationError.For"/>).</summary>
    /// <exception cref="ArgumentException">For an empty histogram or clip range, no bins, or a negative near-spike tolerance.</exception>
    public ActivityProbe(double histogramMin = -2.0, double histogramMax = 2.0, int bins = 80, QuantizationError? quantization = null)
    {
        if (!(histogramMax > histogramMin)) throw new ArgumentException($"histogram range [{histogramMin}, {histogramMax}] is empty");
        if (bins < 1) throw new ArgumentException($"bins must be >= 1, got {bins}", nameof(bins));
        quantization ??= QuantizationError.Paper;
        if (!(quantization.High > quantization.Low))
            throw new ArgumentException($"quantization error clip range [{quantization.Low}, {quantization.High}] is empty", nameof(quantization));
        if (!(quantization.NearTolerance >= 0))
            throw new ArgumentException($"near-spike tolerance must be >= 0, got {quantization.NearTolerance}", nameof(quantization));
        HistogramMin = histogramMin; HistogramMax = histogramMax; Bins = bins; Quantization = quantization;
    }

    /// <summary>Adds one forward pass's activity (one multi-threaded pass over each layer's potentials and spikes).</summary>
    public void Accumulate(IReadOnlyList<NeuronActivity> layers)
    {
        foreach (var layer in layers)
        {
            if (!_layers.TryGetValue(layer.Name, out var acc))
            {
                _layers[layer.Name] = acc = new Acc(Bins);
                _order.Add(layer.Name);
            }
            using var scope = NewDisposeScope();
            var u = Dense(layer.Potential);
            var o = CpuKernel.InLayout(Dense(layer.Spikes), u.stride());
            acc.Add(Reduce(u, o));
        }
    }

    /// <summary>Detached float32 values on the CPU in a dense layout (the statistics are sums over all elements, so any order serves).</summary>
    static Tensor Dense(Tensor t)
    {
        var d = t.detach();
        if (d.device_type != TorchSharp.DeviceType.CPU) d = d.cpu();
        if (d.dtype != ScalarType.Float32) d = d.to_type(ScalarType.Float32);
        return CpuKernel.IsDense(d) ? d : d.contiguous();
    }

    unsafe Acc Reduce(Tensor u, Tensor o)
    {
        long n = u.numel();
        float* up = CpuKernel.Ptr(u), op = CpuKernel.Ptr(o);
        int parts = (int)Math.Clamp(n / (1 << 16), 1, Math.Max(1, get_num_threads()));
        var partials = new Acc[parts];
        double lo = HistogramMin, hi = HistogramMax, scale = Bins / (hi - lo);
        int bins = Bins;
        float clipLo = (float)Quantization.Low, clipHi = (float)Quantization.High, near = (float)Quantization.NearTolerance;
        OpenMpTeam.Run(parts, k =>
        {
            var a = new Acc(bins);
            long start = n * k / parts, end = n * (k + 1) / parts;
            double spikes = 0, error = 0, errorSquared = 0, nearSpike = 0, potential = 0;
            for (long i = start; i < end; i++)
            {
                float x = up[i], s = op[i];
                float e = QuantizationError.Error(x, s, clipLo, clipHi);
                spikes += s; error += e; errorSquared += e * e; potential += x;
                if (QuantizationError.IsNearSpike(x, near)) nearSpike++;
                if (x < lo) a.Under++;
                else if (x > hi) a.Over++;
                else a.Hist[Math.Min(bins - 1, (int)((x - lo) * scale))]++;
            }
            a.Count = end - start;
            a.Spikes = spikes; a.Error = error; a.ErrorSquared = errorSquared; a.NearSpike = nearSpike; a.Potential = potential;
            partials[k] = a;
        });
        var total = new Acc(bins);
        foreach (var a in partials) total.Add(a);
        return total;
    }

    /// <summary>The statistics so far, one per layer in first-seen order.</summary>
    public IReadOnlyList<LayerStatistics> Snapshot() => _order.Select(name =>
    {
        var a = _layers[name];
        double n = Math.Max(1, a.Count);
        return new LayerStatistics(name, a.Count, a.Spikes / n, a.Error / n, a.ErrorSquared / n, a.NearSpike / n, a.Potential / n,
            HistogramMin, HistogramMax, (long[])a.Hist.Clone(), a.Under, a.Over);
    }).ToList();

    /// <summary>Forgets everything accumulated.</summary>
    public void Reset() { _layers.Clear(); _order.Clear(); }

    /// <summary>Running sums of one layer (each divided by <see cref="Count"/> in <see cref="Snapshot"/>).</summary>
    sealed class Acc(int bins)
    {
        public long Count;
        /// <summary>Σ o, Σ e, Σ e², number near a spike value, Σ u_pre.</summary>
        public double Spikes, Error, ErrorSquared, NearSpike, Potential;
        public readonly long[] Hist = new long[bins];
        public long Under, Over;

        public void Add(Acc other)
        {
            Count += other.Count; Under += other.Under; Over += other.Over;
            Spikes += other.Spikes; Error += other.Error; ErrorSquared += other.ErrorSquared;
            NearSpike += other.NearSpike; Potential += other.Potential;
            for (int b = 0; b < Hist.Length; b++) Hist[b] += other.Hist[b];
        }
    }
}
