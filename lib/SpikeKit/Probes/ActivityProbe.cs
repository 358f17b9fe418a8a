using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Probes;

/// <summary>
/// Accumulates per-layer firing rate, quantization error (mean <c>|clip(u,0,1) − o|</c> and its square), the share of
/// potentials near a spike value, and a membrane-potential histogram across batches. Each call reduces the batch to a
/// few numbers on the host in one multi-threaded pass (no tensor op per statistic); no tensor is held between calls.
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
            var u = Contiguous(layer.Potential);
            var o = Contiguous(layer.Spikes);
            var part = Reduce(u, o);
            acc.Add(part);
        }
    }

    static Tensor Contiguous(Tensor t)
    {
        var d = t.detach();
        if (d.device_type != TorchSharp.DeviceType.CPU) d = d.cpu();
        if (d.dtype != ScalarType.Float32) d = d.to_type(ScalarType.Float32);
        return d.is_contiguous() ? d : d.contiguous();
    }

    unsafe Acc Reduce(Tensor u, Tensor o)
    {
        long n = u.numel();
        float* up = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(u.bytes));
        float* op = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(o.bytes));
        int parts = (int)Math.Clamp(n / (1 << 16), 1, Math.Max(1, get_num_threads()));
        var partials = new Acc[parts];
        double lo = HistogramMin, hi = HistogramMax, scale = Bins / (hi - lo);
        int bins = Bins;
        Parallel.For(0, parts, k =>
        {
            var a = new Acc(bins);
            long start = n * k / parts, end = n * (k + 1) / parts;
            double rate = 0, qe = 0, qe2 = 0, near = 0, sum = 0;
            for (long i = start; i < end; i++)
            {
                float x = up[i], s = op[i];
                float c = x < 0f ? 0f : x > 1f ? 1f : x;
                float e = MathF.Abs(c - s);
                rate += s; qe += e; qe2 += e * e; sum += x;
                if (MathF.Abs(x) <= NearTolerance || MathF.Abs(x - 1f) <= NearTolerance) near++;
                if (x < lo) a.Under++;
                else if (x > hi) a.Over++;
                else a.Hist[Math.Min(bins - 1, (int)((x - lo) * scale))]++;
            }
            a.Count = end - start;
            a.Sums[0] = rate; a.Sums[1] = qe; a.Sums[2] = qe2; a.Sums[3] = near; a.Sums[4] = sum;
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

        public void Add(Acc other)
        {
            Count += other.Count; Under += other.Under; Over += other.Over;
            for (int i = 0; i < Sums.Length; i++) Sums[i] += other.Sums[i];
            for (int b = 0; b < Hist.Length; b++) Hist[b] += other.Hist[b];
        }
    }
}
