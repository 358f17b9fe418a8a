namespace SpikeKit.Probes;

/// <summary>
/// Accumulated statistics of one spiking layer over many batches (plain numbers, no tensors).
/// Quantization error (<see cref="QuantizationError"/>): <c>e = |clip(u_pre, 0, 1) − o|</c> (the bounds of the probe's
/// <see cref="Probes.QuantizationError"/>, [0, 1] by default).
/// </summary>
/// <param name="Layer">Module path of the layer.</param>
/// <param name="Count">Number of potentials seen (T·B·neurons summed over batches).</param>
/// <param name="FiringRate">Mean of o.</param>
/// <param name="QuantizationError">Mean of e.</param>
/// <param name="QuantizationErrorSquared">Mean of e².</param>
/// <param name="NearSpikeShare">Share of potentials within <see cref="Probes.QuantizationError.NearTolerance"/> of 0 or 1.</param>
/// <param name="MeanPotential">Mean of u_pre.</param>
/// <param name="HistogramMin">Lower edge of the histogram range.</param>
/// <param name="HistogramMax">Upper edge of the histogram range.</param>
/// <param name="Histogram">Counts per bin of equal width over [min, max].</param>
/// <param name="Underflow">Potentials below the range.</param>
/// <param name="Overflow">Potentials above the range.</param>
public sealed record LayerStatistics(
    string Layer, long Count, double FiringRate, double QuantizationError, double QuantizationErrorSquared,
    double NearSpikeShare, double MeanPotential, double HistogramMin, double HistogramMax,
    IReadOnlyList<long> Histogram, long Underflow, long Overflow)
{
    /// <summary>Left edge of bin <paramref name="i"/>.</summary>
    public double BinLeft(int i) => HistogramMin + i * (HistogramMax - HistogramMin) / Histogram.Count;
}
