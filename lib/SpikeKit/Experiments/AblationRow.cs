namespace SpikeKit.Experiments;

/// <summary>One variant of an ablation, aggregated over seeds (std is the sample standard deviation; 0 for one seed).</summary>
/// <param name="Variant">Loss variant.</param>
/// <param name="Seeds">Number of completed seeds.</param>
/// <param name="FinalAccuracy">Mean final test accuracy (%).</param>
/// <param name="FinalAccuracyStd">Its std (%).</param>
/// <param name="BestAccuracy">Mean best test accuracy (%).</param>
/// <param name="BestAccuracyStd">Its std (%).</param>
/// <param name="QuantizationError">Mean (over seeds) of the final mean-over-layers quantization error.</param>
/// <param name="QuantizationErrorStd">Its std.</param>
/// <param name="FiringRate">Mean final mean-over-layers firing rate.</param>
/// <param name="DeltaAccuracy">FinalAccuracy minus the baseline's (percentage points); NaN without a baseline.</param>
/// <param name="DeltaQuantizationError">QuantizationError minus the baseline's.</param>
public sealed record AblationRow(
    string Variant, int Seeds, double FinalAccuracy, double FinalAccuracyStd, double BestAccuracy, double BestAccuracyStd,
    double QuantizationError, double QuantizationErrorStd, double FiringRate, double DeltaAccuracy, double DeltaQuantizationError);
